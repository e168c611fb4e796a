// Mounted before or after Express's body parsers: before keeps every core guarantee; after,
// the parser's result is used (its own limit applied) and one warning per process says so.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createMemoryTaskFlowRuntime } from "@taskflow-webhooks/core";
import {
  EXPRESS_VERSIONS,
  jsonHeaders,
  post,
  recordingLogger,
  send,
  startRequest,
  startServer,
  webhookConfig,
  type TestServer,
} from "./support.js";

const create = { action: "create_flow", goal: "parsed elsewhere" };

describe.each(EXPRESS_VERSIONS)("%s: body parser order", (_name, express) => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("mounted before express.json(): the core reads the stream, other routes still get parsed bodies", async () => {
    server = await startServer(express, {
      limits: { maxBodyBytes: 128 },
      mount: (app, middleware) => {
        app.use(middleware);
        app.use(express.json());
        app.post("/echo", (req, res) => void res.json({ echoed: req.body }));
      },
    });
    expect((await post(server.port, create)).json.result.flow.goal).toBe("parsed elsewhere");
    // The route's own limit (128 bytes) applies, not the parser's 100 kB.
    const { "content-length": _omitted, ...chunked } = jsonHeaders("");
    const pending = startRequest(server.port, { headers: chunked, body: JSON.stringify({ ...create, goal: "x".repeat(500) }) });
    expect((await pending.reply).status).toBe(413);
    expect((await send(server.port, { path: "/echo", headers: { "content-type": "application/json" }, body: "[1]" })).json).toEqual({ echoed: [1] });
    expect(server.logger.lines.filter((l) => l.level === "warn")).toEqual([]);
  });

  it("mounted after express.json(): uses req.body instead of hanging, auth still required", async () => {
    server = await startServer(express, {
      limits: { maxBodyBytes: 128 },
      mount: (app, middleware) => {
        app.use(express.json());
        app.use(middleware);
      },
    });
    const created = await post(server.port, create);
    expect(created.status).toBe(200);
    const flowId = created.json.result.flow.flowId;
    expect((await post(server.port, { action: "get_flow", flowId })).json.result.flow.flowId).toBe(flowId);
    expect((await post(server.port, create, { authorization: "Bearer wrong" })).status).toBe(401);
    expect((await post(server.port, { action: "create_flow" })).json.code).toBe("invalid_request");
    expect((await send(server.port, { method: "GET" })).status).toBe(405);
    // A Content-Length past the route limit is still refused by the core from the header...
    const tooBig = await post(server.port, { ...create, goal: "x".repeat(500) });
    expect(tooBig.status).toBe(413);
    expect(tooBig.json.code).toBe("payload_too_large");
    // ...but a chunked body was already read whole, under the parser's limit (the trade-off),
    const { "content-length": _omitted, ...chunked } = jsonHeaders("");
    const unannounced = startRequest(server.port, { headers: chunked, body: JSON.stringify({ ...create, goal: "x".repeat(500) }) });
    expect((await unannounced.reply).status).toBe(200);
    // and past the parser's own limit (100 kB) the parser answers through Express's error handler.
    const huge = startRequest(server.port, { headers: chunked, body: JSON.stringify({ ...create, goal: "x".repeat(200_000) }) });
    const parserReply = await huge.reply;
    expect(parserReply.status).toBe(413);
    expect(parserReply.json).toBeUndefined();
  });

  it("mounted after express.json(): a +json type the parser skipped is read from the stream", async () => {
    server = await startServer(express, {
      limits: { bodyTimeoutMs: 300 },
      mount: (app, middleware) => {
        app.use(express.json());
        app.use(middleware);
      },
    });
    const viaStream = await post(server.port, create, { "content-type": "application/vnd.example+json" });
    expect(viaStream.status).toBe(200);
    expect(viaStream.json.result.flow.goal).toBe("parsed elsewhere");
    // Still the core's stream reader: its timeout applies to a stalled client.
    const body = JSON.stringify(create);
    const stalled = startRequest(server.port, {
      headers: jsonHeaders(body, { "content-type": "application/vnd.example+json" }),
      body: body.slice(0, 5),
      hold: true,
    });
    expect((await stalled.reply).status).toBe(408);
    stalled.request.destroy();
    // A non-JSON type the parser skipped is refused unread.
    expect((await send(server.port, { headers: jsonHeaders("a=1", { "content-type": "text/plain" }), body: "a=1" })).status).toBe(415);
  });

  it("mounted after express.raw(): the buffered bytes go through the route's byte limit", async () => {
    server = await startServer(express, {
      limits: { maxBodyBytes: 128 },
      mount: (app, middleware) => {
        app.use(express.raw({ type: "application/json" }));
        app.use(middleware);
      },
    });
    expect((await post(server.port, create)).json.result.created).toBe(true);
    const { "content-length": _omitted, ...chunked } = jsonHeaders("");
    const big = startRequest(server.port, { headers: chunked, body: JSON.stringify({ ...create, goal: "x".repeat(500) }) });
    expect((await big.reply).status).toBe(413);
    expect((await send(server.port, { headers: jsonHeaders("{oops"), body: "{oops" })).json.code).toBe("invalid_json");
  });

  it("mounted after express.text(): the decoded text is parsed by the core", async () => {
    server = await startServer(express, {
      mount: (app, middleware) => {
        app.use(express.text({ type: "application/json" }));
        app.use(middleware);
      },
    });
    expect((await post(server.port, create)).json.result.created).toBe(true);
    expect((await send(server.port, { headers: jsonHeaders("{oops"), body: "{oops" })).json.code).toBe("invalid_json");
  });

  it("warns once per process, and only when a parser got there first", async () => {
    vi.resetModules();
    const fresh = await import("../src/index.js");
    const logger = recordingLogger();
    const make = () => fresh.createWebhookMiddleware({ config: webhookConfig(), taskFlow: createMemoryTaskFlowRuntime(), logger });

    server = await startServer(express, { middleware: make() });
    await post(server.port, create);
    expect(logger.lines).toEqual([]); // recommended order: no warning
    await server.close();
    server = undefined;

    for (let app = 0; app < 2; app++) {
      server = await startServer(express, {
        middleware: make(),
        mount: (a, middleware) => {
          a.use(express.json());
          a.use(middleware);
        },
      });
      for (let i = 0; i < 3; i++) expect((await post(server.port, create)).status).toBe(200);
      await server.close();
      server = undefined;
    }
    const warnings = logger.lines.filter((l) => l.level === "warn");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain("Mount the webhook middleware before express.json()");
  });

  it("answers a webhook path whose body a parser consumed without keeping it (no hang)", async () => {
    server = await startServer(express, {
      mount: (app, middleware) => {
        app.use((req, _res, next) => {
          req.resume();
          req.on("end", () => next());
        });
        app.use(middleware);
      },
    });
    const reply = await post(server.port, create);
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ routeId: "demo", code: "invalid_json" });
  });
});
