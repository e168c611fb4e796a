// The protocol's transport cases through a real listening Express server (4 and 5).
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryTaskFlowRuntime, type WebhookHandler } from "@taskflow-webhooks/core";
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

const LIST = JSON.stringify({ action: "list_flows" });

async function until(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await sleep(5);
  }
}

describe.each(EXPRESS_VERSIONS)("%s: transport", (_name, express) => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("answers a non-POST with 405, Allow: POST and a JSON envelope", async () => {
    server = await startServer(express);
    const reply = await send(server.port, { method: "GET" });
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe("POST");
    expect(reply.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(reply.json).toEqual({ ok: false, code: "method_not_allowed", error: "Method not allowed. Use POST.", result: {} });
  });

  it("answers a non-JSON content type with 415", async () => {
    server = await startServer(express);
    const reply = await send(server.port, { headers: { ...jsonHeaders("x=1"), "content-type": "text/plain" }, body: "x=1" });
    expect(reply.status).toBe(415);
    expect(reply.json.code).toBe("unsupported_media_type");
  });

  it("refuses an announced oversize body (Content-Length) with 413 before reading it", async () => {
    server = await startServer(express);
    // Headers only: a 10 MB body is announced and never sent, so an answer proves nothing was awaited.
    const pending = startRequest(server.port, {
      headers: { ...jsonHeaders(""), "content-length": String(10 * 1024 * 1024) },
      hold: true,
    });
    const reply = await pending.reply;
    pending.request.destroy();
    expect(reply.status).toBe(413);
    expect(reply.headers.connection).toBe("close");
    expect(reply.json).toMatchObject({ ok: false, routeId: "demo", code: "payload_too_large" });
    expect(server.middleware.handler.inFlight()).toBe(0);
  });

  it("cuts off a chunked stream that grows past the route limit with 413", async () => {
    server = await startServer(express, { limits: { maxBodyBytes: 1024 } });
    const { "content-length": _omitted, ...headers } = jsonHeaders("");
    const pending = startRequest(server.port, { headers, hold: true });
    let answered = false;
    void pending.reply.then(() => (answered = true), () => (answered = true));
    pending.request.write('{"action":"create_flow","goal":"');
    let sent = 0;
    while (!answered && sent < 1_000_000) {
      pending.request.write("x".repeat(256));
      sent += 256;
      await sleep(2);
    }
    const reply = await pending.reply;
    pending.request.destroy();
    expect(reply.status).toBe(413);
    expect(reply.json.code).toBe("payload_too_large");
    expect(sent).toBeLessThan(256 * 1024); // answered soon after the limit, not at the end
    await until(() => server!.middleware.handler.inFlight() === 0);
  });

  it("answers 408 when the client stalls mid-body past bodyTimeoutMs", async () => {
    server = await startServer(express, { limits: { bodyTimeoutMs: 200 } });
    const body = JSON.stringify({ action: "create_flow", goal: "stalled" });
    const started = Date.now();
    const pending = startRequest(server.port, { headers: jsonHeaders(body), body: body.slice(0, 10), hold: true });
    const reply = await pending.reply;
    pending.request.destroy();
    expect(reply.status).toBe(408);
    expect(reply.json).toMatchObject({ ok: false, routeId: "demo", code: "body_timeout" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(server.middleware.handler.inFlight()).toBe(0);
  });

  it("answers 401 for a wrong or missing secret before reading any body byte", async () => {
    server = await startServer(express); // default 15 s body timeout: a prompt 401 proves no read
    const announced = { ...jsonHeaders(LIST), "content-length": "100" };
    for (const headers of [{ ...announced, authorization: "Bearer wrong" }, { ...announced, authorization: "" }]) {
      const pending = startRequest(server.port, { headers, hold: true });
      const reply = await pending.reply;
      pending.request.destroy();
      expect(reply.status).toBe(401);
      expect(reply.json).toEqual({ ok: false, code: "unauthorized", error: "Unauthorized.", result: {} });
    }
    const viaHeader = await post(server.port, { action: "list_flows" }, { authorization: "", "x-openclaw-webhook-secret": SECRET });
    expect(viaHeader.status).toBe(200);
  });

  it("answers 429 with Retry-After and RateLimit-* once the window is used up", async () => {
    server = await startServer(express, { limits: { rateLimit: { windowMs: 60_000, max: 2 } } });
    const first = await post(server.port, { action: "list_flows" });
    expect(first.status).toBe(200);
    expect(first.headers["ratelimit-limit"]).toBe("2");
    expect(first.headers["ratelimit-remaining"]).toBe("1");
    expect((await post(server.port, { action: "list_flows" })).headers["ratelimit-remaining"]).toBe("0");
    const limited = await post(server.port, { action: "list_flows" });
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({ ok: false, code: "rate_limited", error: "Too many requests.", result: {} });
    expect(Number(limited.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(limited.headers["ratelimit-limit"]).toBe("2");
    expect(limited.headers["ratelimit-remaining"]).toBe("0");
    expect(Number(limited.headers["ratelimit-reset"])).toBeGreaterThan(0);
  });

  it("answers 429 too_many_in_flight while the client's slots are taken, and frees them", async () => {
    server = await startServer(express, { limits: { maxInFlight: 1, bodyTimeoutMs: 5_000 } });
    const slow = startRequest(server.port, { headers: jsonHeaders(LIST), body: LIST.slice(0, 5), hold: true });
    await until(() => server!.middleware.handler.inFlight() === 1);
    const refused = await post(server.port, { action: "list_flows" });
    expect(refused.status).toBe(429);
    expect(refused.json.code).toBe("too_many_in_flight");
    expect(refused.headers["retry-after"]).toBe("1");
    slow.request.end(LIST.slice(5));
    expect((await slow.reply).status).toBe(200);
    expect(server.middleware.handler.inFlight()).toBe(0);
    expect((await post(server.port, { action: "list_flows" })).status).toBe(200);
  });
});

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

  it("turns an error inside the adapter into a JSON 500 with a logged correlation id", async () => {
    const logger = recordingLogger();
    const throwing: WebhookHandler = {
      handle: async () => {
        throw new Error("sensitive detail from deep inside");
      },
      matches: (path) => path.startsWith(PATH),
      routes: [],
      inFlight: () => 0,
    };
    const middleware = createWebhookMiddleware(throwing, { logger, correlationId: () => "corr-123" });
    server = await startServer(express, { middleware });
    const reply = await post(server.port, { action: "list_flows" });
    expect(reply.status).toBe(500);
    expect(reply.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(reply.json).toEqual({ ok: false, code: "internal_error", error: "Internal error.", result: {}, correlationId: "corr-123" });
    expect(reply.text).not.toContain("sensitive");
    expect(logger.lines).toEqual([
      { level: "error", message: expect.stringContaining("adapter failed"), fields: { correlationId: "corr-123", error: "Error" } },
    ]);
  });
});
