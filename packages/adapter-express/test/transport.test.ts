// Express 4 and 5: the transport kit, then what only Express has (trust proxy, req.ip,
// mounting under a prefix, next()).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryTaskFlowRuntime } from "@taskflow-webhooks/core";
import { runTransportConformance } from "@taskflow-webhooks/core/testing";
import { createWebhookMiddleware } from "../src/index.js";
import {
  EXPRESS_VERSIONS,
  PATH,
  SECRET,
  jsonHeaders,
  post,
  recordingLogger,
  send,
  sleep,
  startRequest,
  startServer,
  webhookConfig,
  type TestServer,
} from "./support.js";

for (const [name, express] of EXPRESS_VERSIONS) {
  runTransportConformance({
    name,
    async start({ handler, logger }) {
      const app = express();
      app.use(createWebhookMiddleware(handler, { logger }));
      const server = http.createServer(app);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
      };
    },
  });
}

describe.each(EXPRESS_VERSIONS)("%s: client identity", (_name, express) => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const oneRequestPerWindow = { rateLimit: { windowMs: 60_000, max: 1 } };
  const from = (address: string) => ({ "x-forwarded-for": address });

  it("keys the limits by the socket address when trust proxy is off (forwarding headers ignored)", async () => {
    server = await startServer(express, { limits: oneRequestPerWindow });
    expect((await post(server.port, { action: "list_flows" }, from("198.51.100.1"))).status).toBe(200);
    expect((await post(server.port, { action: "list_flows" }, from("198.51.100.2"))).status).toBe(429);
  });

  it("keys the limits by req.ip when the app sets trust proxy", async () => {
    server = await startServer(express, {
      limits: oneRequestPerWindow,
      mount: (app, middleware) => {
        app.set("trust proxy", "loopback");
        app.use(middleware);
      },
    });
    expect((await post(server.port, { action: "list_flows" }, from("198.51.100.1"))).status).toBe(200);
    expect((await post(server.port, { action: "list_flows" }, from("198.51.100.2"))).status).toBe(200);
    expect((await post(server.port, { action: "list_flows" }, from("198.51.100.1"))).status).toBe(429);
  });

  it("falls back to the core's trustedProxies option when trust proxy is off", async () => {
    const middleware = createWebhookMiddleware({
      config: webhookConfig(oneRequestPerWindow),
      taskFlow: createMemoryTaskFlowRuntime(),
      trustedProxies: ["127.0.0.1"],
      logger: recordingLogger(),
    });
    server = await startServer(express, { middleware });
    expect((await post(server.port, { action: "list_flows" }, from("198.51.100.1"))).status).toBe(200);
    expect((await post(server.port, { action: "list_flows" }, from("198.51.100.2"))).status).toBe(200);
    expect((await post(server.port, { action: "list_flows" }, from("198.51.100.2"))).status).toBe(429);
  });
});

describe.each(EXPRESS_VERSIONS)("%s: routing and errors", (_name, express) => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("passes non-webhook paths to next() untouched", async () => {
    server = await startServer(express, {
      mount: (app, middleware) => {
        app.use(middleware);
        app.use(express.json());
        app.get("/health", (_req, res) => void res.json({ healthy: true }));
        app.post("/echo", (req, res) => void res.json({ echoed: req.body }));
      },
    });
    expect((await send(server.port, { method: "GET", path: "/health" })).json).toEqual({ healthy: true });
    const echo = await send(server.port, { path: "/echo", headers: { "content-type": "application/json" }, body: '{"a":1}' });
    expect(echo.json).toEqual({ echoed: { a: 1 } });
    const other = await send(server.port, { path: "/hooks/other", headers: { "content-type": "application/json" }, body: "{}" });
    expect(other.status).toBe(404); // Express's own 404, not ours
    expect(other.json).toBeUndefined();
    expect((await send(server.port, { method: "GET", path: `${PATH}?x=1` })).status).toBe(405);
  });

  it("matches the full original URL path when mounted under a prefix", async () => {
    server = await startServer(express, { mount: (app, middleware) => app.use("/hooks", middleware) });
    expect((await post(server.port, { action: "list_flows" })).status).toBe(200);
    expect((await post(server.port, { action: "list_flows" }, {}, `${PATH}/?q=1`)).status).toBe(200);
    expect((await post(server.port, { action: "list_flows" }, {}, "/hooks/hooks/demo")).status).toBe(404);
  });
});
