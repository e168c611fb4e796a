// The Gateway route (gatewayRoute, what register() mounts) through the transport kit, served
// by the fake Gateway's exact-path router over real HTTP.
import { runTransportConformance } from "@taskflow-webhooks/core/testing";
import { gatewayRoute } from "../src/gateway-route.js";
import { createFakeGateway } from "./fake-gateway.js";

runTransportConformance({
  name: "Gateway route on the fake Gateway",
  async start({ handler, logger }) {
    const gw = createFakeGateway(undefined);
    const route = gatewayRoute(handler, logger);
    for (const { path } of handler.routes) {
      gw.api.registerHttpRoute({ path, auth: "plugin", match: "exact", replaceExisting: true, handler: route });
    }
    return gw.listen();
  },
});
