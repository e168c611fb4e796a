// bun server.ts (listens on $PORT, else 3000)
import { Hono } from "hono";
import { getConnInfo } from "hono/bun";
import { createMemoryTaskFlowRuntime } from "@taskflow-webhooks/core";
import { loadWebhookApp } from "@taskflow-webhooks/adapter-hono";

const webhooks = await loadWebhookApp({
  config: {
    routes: {
      demo: { sessionKey: "agent:main:main", secret: { source: "env", provider: "default", id: "WEBHOOK_SECRET" } },
    },
  },
  taskFlow: createMemoryTaskFlowRuntime(),
  remoteAddressOf: (c) => getConnInfo(c).remote.address,
});
const app = new Hono().route("/", webhooks);

// Bun serves the default export; its server goes to Hono as `c.env`, which getConnInfo
// asks for the client address.
export default { fetch: (request: Request, server: object) => app.fetch(request, server) };
