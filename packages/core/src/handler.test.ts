import { describe, expect, it } from "vitest";
import { createWebhookHandler, createMemoryTaskFlowRuntime } from "./index.js";
import { FakeStream, PATH, SECRET, parse, request, setup } from "../test/support.js";

const headers = (extra: Record<string, string | undefined> = {}) => ({
  "content-type": "application/json",
  authorization: `Bearer ${SECRET}`,
  ...extra,
});

describe("routing", () => {
  it("leaves paths that are not webhook routes to the host", async () => {
    const { send } = setup();
    expect(await send({ path: "/plugins/webhooks/other" })).toBeUndefined();
    expect(await send({ path: "/" })).toBeUndefined();
  });

  it("matches a trailing slash and ignores the query string", async () => {
    const { send } = setup();
    expect(parse(await send({ path: `${PATH}/?x=1`, json: { action: "list_flows" } })).status).toBe(200);
  });

  it("answers the path variants the Gateway routes to the plugin (case, %-encoding, dot segments, //)", async () => {
    const { send } = setup();
    for (const path of [PATH.toUpperCase(), "/plugins/webhooks/%64emo", "/plugins//webhooks/demo", "/plugins/webhooks/./demo", "/plugins/x/../webhooks/demo"]) {
      expect(parse(await send({ path, json: { action: "list_flows" } })).status, path).toBe(200);
    }
    expect(await send({ path: "/plugins/webhooks/demo2" })).toBeUndefined();
  });

  it("does not serve disabled routes", async () => {
    const handler = createWebhookHandler({
      config: { routes: { off: { sessionKey: "s", secret: "x", enabled: false } } },
      taskFlow: createMemoryTaskFlowRuntime(),
    });
    expect(handler.routes).toEqual([]);
    expect(handler.matches("/plugins/webhooks/off")).toBe(false);
  });
});

describe("request steps in order", () => {
  it("405 with Allow: POST for other methods, before anything else", async () => {
    const { send } = setup();
    const r = parse(await send({ method: "GET", headers: {} }));
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe("POST");
    expect(r.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(r.body).toEqual({ ok: false, code: "method_not_allowed", error: expect.any(String), result: {} });
  });

  it("415 unless the media type is application/json or +json (parameters and case ignored)", async () => {
    const { send } = setup();
    const with_ = async (ct: string | undefined) =>
      parse(await send({ headers: headers({ "content-type": ct }), json: { action: "list_flows" } })).status;
    expect(await with_("text/plain")).toBe(415);
    expect(await with_(undefined)).toBe(415);
    expect(await with_("application/jsonx")).toBe(415);
    expect(await with_("Application/JSON; charset=UTF-8")).toBe(200);
    expect(await with_("application/vnd.api+json")).toBe(200);
    const r = parse(await send({ headers: headers({ "content-type": "text/plain" }) }));
    expect(r.body.code).toBe("unsupported_media_type");
    expect(r.body).not.toHaveProperty("routeId");
  });

  it("401 for a missing, wrong or empty secret, saying nothing about why", async () => {
    const { send } = setup();
    const bodies = await Promise.all(
      [undefined, "Bearer wrong", "Bearer ", `Basic ${SECRET}`].map(async (auth) =>
        parse(await send({ headers: headers({ authorization: auth }), json: { action: "list_flows" } })),
      ),
    );
    for (const r of bodies) {
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ ok: false, code: "unauthorized", error: "Unauthorized.", result: {} });
    }
  });

  it("accepts the x-openclaw-webhook-secret header (trimmed) when Authorization is not Bearer", async () => {
    const { send } = setup();
    const ok = (h: Record<string, string | undefined>) =>
      send({ headers: headers({ authorization: undefined, ...h }), json: { action: "list_flows" } }).then((r) => parse(r).status);
    expect(await ok({ "x-openclaw-webhook-secret": `  ${SECRET} ` })).toBe(200);
    expect(await ok({ authorization: "Basic abc", "x-openclaw-webhook-secret": SECRET })).toBe(200);
    // A bare "Bearer" is not a Bearer header: the dedicated header is used.
    expect(await ok({ authorization: "Bearer", "x-openclaw-webhook-secret": SECRET })).toBe(200);
    // A Bearer header wins even when its token is empty.
    expect(await ok({ authorization: "Bearer  ", "x-openclaw-webhook-secret": SECRET })).toBe(401);
    expect(await ok({ authorization: `bEaReR   ${SECRET}  ` })).toBe(200);
  });

  it("never reads a body byte before authentication succeeds", async () => {
    const { send } = setup();
    const stream = new FakeStream();
    const r = parse(await send({ headers: headers({ authorization: "Bearer nope" }), body: { kind: "node", stream } }));
    expect(r.status).toBe(401);
    expect(stream.reads).toBe(0);
  });

  it("rate limit runs before auth and content type; window resets on the clock", async () => {
    const { send, clock } = setup({ routeExtra: { limits: { rateLimit: { windowMs: 1000, max: 2 } } } });
    const bad = { headers: headers({ authorization: "Bearer wrong", "content-type": "text/plain" }) };
    expect(parse(await send(bad)).status).toBe(415);
    expect(parse(await send(bad)).status).toBe(415);
    const limited = parse(await send(bad));
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ ok: false, code: "rate_limited", error: "Too many requests.", result: {} });
    expect(limited.headers).toMatchObject({
      "retry-after": "1",
      "ratelimit-limit": "2",
      "ratelimit-remaining": "0",
      "ratelimit-reset": "1",
    });
    clock.advance(1000);
    expect(parse(await send({ json: { action: "list_flows" } })).status).toBe(200);
  });

  it("successful answers carry RateLimit-* headers", async () => {
    const { send } = setup();
    const r = parse(await send({ json: { action: "list_flows" } }));
    expect(r.headers).toMatchObject({ "ratelimit-limit": "120", "ratelimit-remaining": "119", "ratelimit-reset": "60" });
    expect(r.headers).not.toHaveProperty("retry-after");
  });

  it("rate limits per client: another address has its own window", async () => {
    const { send } = setup({ routeExtra: { limits: { rateLimit: { max: 1 } } } });
    expect(parse(await send({ json: { action: "list_flows" }, remoteAddress: "198.51.100.1" })).status).toBe(200);
    expect(parse(await send({ json: { action: "list_flows" }, remoteAddress: "198.51.100.1" })).status).toBe(429);
    expect(parse(await send({ json: { action: "list_flows" }, remoteAddress: "198.51.100.2" })).status).toBe(200);
  });

  it("forwarding headers count only from trusted proxies, and key both limits the same way", async () => {
    const { send } = setup({ trustedProxies: ["10.0.0.0/8"], routeExtra: { limits: { rateLimit: { max: 1 } } } });
    const via = (peer: string, xff: string) =>
      send({ remoteAddress: peer, headers: headers({ "x-forwarded-for": xff }), json: { action: "list_flows" } }).then((r) => parse(r).status);
    // Untrusted peer: its spoofed header is ignored, so the second request is limited.
    expect(await via("203.0.113.9", "1.1.1.1")).toBe(200);
    expect(await via("203.0.113.9", "2.2.2.2")).toBe(429);
    // Trusted proxy: each forwarded client has its own window.
    expect(await via("10.1.2.3", "198.51.100.5")).toBe(200);
    expect(await via("10.1.2.3", "198.51.100.6")).toBe(200);
    expect(await via("10.9.9.9", "198.51.100.5")).toBe(429);
  });

  it("429 too_many_in_flight beyond the concurrent limit, and every slot is released", async () => {
    const { send, handler } = setup({ routeExtra: { limits: { maxInFlight: 2 } } });
    const streams = [new FakeStream(), new FakeStream()];
    const pending = streams.map((stream) => send({ body: { kind: "node", stream } }));
    await new Promise((r) => setImmediate(r));
    expect(handler.inFlight()).toBe(2);
    const third = parse(await send({ json: { action: "list_flows" } }));
    expect(third.status).toBe(429);
    expect(third.body.code).toBe("too_many_in_flight");
    expect(third.headers["retry-after"]).toBe("1");
    for (const s of streams) {
      s.push('{"action":"list_flows"}');
      s.end();
    }
    expect((await Promise.all(pending)).map((r) => r!.status)).toEqual([200, 200]);
    expect(handler.inFlight()).toBe(0);
  });

  it("releases the in-flight slot on rejection, timeout, disconnect and runtime errors", async () => {
    const { send, handler, clock } = setup({ routeExtra: { limits: { bodyTimeoutMs: 100 } } });
    parse(await send({ headers: headers({ authorization: "Bearer x" }) }));
    parse(await send({ text: "{" }));
    const stalled = send({ body: { kind: "node", stream: new FakeStream() } });
    await new Promise((r) => setImmediate(r));
    clock.advance(100);
    expect((await stalled)!.status).toBe(408);
    const leaving = new FakeStream();
    const gone = send({ body: { kind: "node", stream: leaving } });
    await new Promise((r) => setImmediate(r));
    leaving.emit("close");
    expect((await gone)!.abandoned).toBe(true);
    expect(handler.inFlight()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("413 for an announced oversize body without reading it, with the connection closed", async () => {
    const { send } = setup({ routeExtra: { limits: { maxBodyBytes: 10 } } });
    const stream = new FakeStream();
    const r = parse(await send({ headers: headers({ "content-length": "11" }), body: { kind: "node", stream } }));
    expect(r.status).toBe(413);
    expect(r.body).toEqual({ ok: false, routeId: "demo", code: "payload_too_large", error: expect.any(String), result: {} });
    expect(r.response.closeConnection).toBe(true);
    expect(stream.reads).toBe(0);
  });

  it("413 when a stream grows past the limit, cut off while reading", async () => {
    const { send, clock } = setup({ routeExtra: { limits: { maxBodyBytes: 262_144 } } });
    const stream = new FakeStream();
    const pending = send({ headers: headers({ "transfer-encoding": "chunked" }), body: { kind: "node", stream } });
    await new Promise((r) => setImmediate(r));
    stream.push(Buffer.alloc(200_000, 0x20));
    stream.push(Buffer.alloc(62_145, 0x20));
    const r = parse(await pending);
    expect(r.status).toBe(413);
    expect(stream.paused).toBe(true);
    expect(stream.listenerCount("data")).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("accepts a body of exactly the limit", async () => {
    const { send } = setup({ routeExtra: { limits: { maxBodyBytes: 64 } } });
    const text = JSON.stringify({ action: "list_flows" }).padEnd(64, " ");
    expect(parse(await send({ text })).status).toBe(200);
    expect(parse(await send({ text: `${text} ` })).status).toBe(413);
  });

  it("408 when the body is not complete within the timeout", async () => {
    const { send, clock } = setup({ routeExtra: { limits: { bodyTimeoutMs: 15_000 } } });
    const stream = new FakeStream();
    const pending = send({ body: { kind: "node", stream } });
    await new Promise((r) => setImmediate(r));
    stream.push('{"action":');
    clock.advance(14_999);
    stream.push('"list_flows"');
    clock.advance(1);
    const r = parse(await pending);
    expect(r.status).toBe(408);
    expect(r.body).toMatchObject({ ok: false, routeId: "demo", code: "body_timeout" });
    expect(r.response.closeConnection).toBe(true);
  });

  it("reads Web streams with the same limits", async () => {
    const { send } = setup({ routeExtra: { limits: { maxBodyBytes: 100 } } });
    const web = (text: string) =>
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode(text));
          c.close();
        },
      });
    expect(parse(await send({ body: { kind: "web", stream: web('{"action":"list_flows"}') } })).status).toBe(200);
    expect(parse(await send({ body: { kind: "web", stream: web("x".repeat(101)) } })).status).toBe(413);
  });

  it("400 invalid_json for empty, malformed, non-UTF-8 and too deeply nested bodies", async () => {
    const { send } = setup();
    for (const text of ["", "   ", "{", "{'a':1}", "nope"]) {
      const r = parse(await send({ text }));
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ ok: false, routeId: "demo", code: "invalid_json" });
    }
    const bytes = parse(await send({ body: { kind: "bytes", bytes: new Uint8Array([0x7b, 0xff, 0x7d]) } }));
    expect(bytes.body.code).toBe("invalid_json");
    const deep = parse(await send({ text: `${"[".repeat(100_000)}${"]".repeat(100_000)}` }));
    expect(deep.status).toBe(400);
    expect(deep.body.code).toBe("invalid_json");
  });

  it("honours a body a framework already parsed", async () => {
    const { send } = setup();
    expect(parse(await send({ body: { kind: "parsed", value: { action: "list_flows" } } })).status).toBe(200);
  });

  it("a cold route (no usable secret) answers 401 to everything", async () => {
    const handler = createWebhookHandler({
      config: { routes: { cold: { sessionKey: "s", secret: { source: "env", provider: "default", id: "NOPE" } } } },
      taskFlow: createMemoryTaskFlowRuntime(),
    });
    expect(handler.routes).toEqual([{ id: "cold", path: "/plugins/webhooks/cold", cold: true }]);
    const r = await handler.handle(request({ path: "/plugins/webhooks/cold", json: { action: "list_flows" } }));
    expect(r!.status).toBe(401);
    const r2 = await handler.handle(
      request({ path: "/plugins/webhooks/cold", headers: headers({ authorization: "Bearer " }), json: { action: "list_flows" } }),
    );
    expect(r2!.status).toBe(401);
  });
});

describe("secret rotation", () => {
  it("accepts every secret in a list and nothing else", async () => {
    const handler = createWebhookHandler({
      config: { routes: { demo: { sessionKey: "s", secret: ["old-secret", "new-secret"] } } },
      taskFlow: createMemoryTaskFlowRuntime(),
    });
    const status = async (secret: string) =>
      (await handler.handle(request({ headers: headers({ authorization: `Bearer ${secret}` }), json: { action: "list_flows" } })))!.status;
    expect(await status("old-secret")).toBe(200);
    expect(await status("new-secret")).toBe(200);
    expect(await status("other")).toBe(401);
    expect(await status("old-secretnew-secret")).toBe(401);
  });
});

describe("unexpected runtime errors", () => {
  const throwing = (error: unknown) => ({
    bindSession: () =>
      new Proxy({} as any, {
        get: (_t, prop) => (prop === "sessionKey" ? "s" : () => Promise.reject(error)),
      }),
  });

  it("become a 500 internal_error with a correlation id that is also logged; no message leaks", async () => {
    const { send, logger } = setup({
      taskFlow: throwing(new Error(`boom ${SECRET} agent:main:main /srv/app/secret.ts:1`)),
      correlationId: () => "corr-1",
    });
    const r = parse(await send({ json: { action: "list_flows" } }));
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ ok: false, routeId: "demo", code: "internal_error", error: "Internal error.", result: {}, correlationId: "corr-1" });
    const line = logger.lines.find((l) => l.level === "error")!;
    expect(line.fields).toMatchObject({ correlationId: "corr-1", routeId: "demo", action: "list_flows" });
    expect(JSON.stringify(logger.lines)).not.toContain(SECRET);
    expect(JSON.stringify(logger.lines)).not.toContain("agent:main:main");
  });

  it("flags outcome-unknown errors (direct, cause, AggregateError) in the log", async () => {
    const unknownErrors = [
      Object.assign(new Error("x"), { code: "outcome-unknown" }),
      new Error("x", { cause: { code: "outcome-unknown" } }),
      new AggregateError([new Error("a"), Object.assign(new Error("b"), { code: "outcome-unknown" })]),
    ];
    for (const error of unknownErrors) {
      const { send, logger } = setup({ taskFlow: throwing(error) });
      expect(parse(await send({ json: { action: "create_flow", goal: "g" } })).status).toBe(500);
      expect(logger.lines.find((l) => l.level === "error")!.message).toMatch(/outcome unknown/i);
    }
  });
});

describe("response meta (for host log lines)", () => {
  it("names route, action, code and flow, and nothing secret", async () => {
    const { send } = setup();
    const created = await send({ json: { action: "create_flow", goal: "g" } });
    const flowId = JSON.parse(created!.body).result.flow.flowId;
    expect(created!.meta).toEqual({ routeId: "demo", action: "create_flow", flowId });
    const stale = await send({ json: { action: "finish_flow", flowId, expectedRevision: 9 } });
    expect(stale!.meta).toEqual({ routeId: "demo", action: "finish_flow", flowId, code: "revision_conflict" });
    const denied = await send({ headers: headers({ authorization: "Bearer x" }) });
    expect(denied!.meta).toEqual({ code: "unauthorized" });
    expect(JSON.stringify(denied!.meta)).not.toContain(SECRET);
  });
});
