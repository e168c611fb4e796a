// node:http with sendNodeResponse: the plainest host, run through the transport kit.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { runTransportConformance } from "../testing/transport-conformance.js";
import { internalErrorResponse } from "../view/internal-error.js";
import { isClosingConnection } from "./closing-connections.js";
import { sendNodeResponse } from "./send-node-response.js";

runTransportConformance({
  name: "node:http + sendNodeResponse",
  async start({ handler, logger }) {
    const server = http.createServer(async (req, res) => {
      if (isClosingConnection(req)) return;
      const response = await handler
        .handle({
          method: req.method ?? "GET",
          path: req.url ?? "/",
          headers: req.headers,
          remoteAddress: req.socket.remoteAddress,
          body: { kind: "node", stream: req },
        })
        .catch((error: unknown) => internalErrorResponse(error, { logger, correlationId: () => crypto.randomUUID(), source: "node:http host" }));
      if (response) sendNodeResponse(res, response, req);
      else res.writeHead(404).end("not found");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
    };
  },
});
