import { afterEach, describe, expect, it } from "vitest";
import { Hono } from "hono";
import { webhookApp, webhookHandler } from "@taskflow-webhooks/adapter-hono";
import { PATH, SECRET, demoHandler, jsonHeaders, listen, post, rawRequest, type Running } from "./support.js";

const running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});
async function start(app: Hono) {
  const r = await listen(app);
  running.push(r);
  return r;
}

function hostApp(mount: (app: Hono) => void): Hono {
  const app = new Hono();
  mount(app);
  app.get("/", (c) => c.text("home"));
  app.post("/plugins/webhooks/not-configured", (c) => c.text("host route"));
  return app;
}

describe("mounting", () => {
  it("as a sub-app: webhook routes answer, other paths fall through to the app's routes and 404", async () => {
    const handler = demoHandler();
    const { url } = await start(hostApp((app) => app.route("/", webhookApp(handler))));

    const created = await post(url + PATH, { action: "create_flow", goal: "ship" });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ ok: true, routeId: "demo", result: { created: true } });

    expect(await (await fetch(url + "/")).text()).toBe("home");
    const host = await post(url + "/plugins/webhooks/not-configured", {});
    expect(host.text).toBe("host route");
    const missing = await fetch(url + "/nowhere");
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe("404 Not Found");
  });

  it("as a handler for a single path (app.all, so other methods get 405)", async () => {
    const handler = demoHandler({ routes: { x: { path: "/hooks/x", sessionKey: "agent:main:main", secret: SECRET } } });
    const { url } = await start(hostApp((app) => app.all("/hooks/x", webhookHandler(handler))));

    const listed = await post(url + "/hooks/x", { action: "list_flows" });
    expect(listed.status).toBe(200);
    expect(listed.json).toEqual({ ok: true, routeId: "x", result: { flows: [] } });
    const get = await fetch(url + "/hooks/x");
    expect(get.status).toBe(405);
    expect(await (await fetch(url + "/")).text()).toBe("home");
  });

  it("a handler mounted on a path that is not configured falls through to 404", async () => {
    const handler = demoHandler();
    const app = new Hono();
    app.post("/hooks/unknown", webhookHandler(handler));
    const { url } = await start(app);
    const res = await post(url + "/hooks/unknown", { action: "list_flows" });
    expect(res.status).toBe(404);
    expect(res.text).toBe("404 Not Found");
  });

  it("as app.use middleware, in front of the app's own routes", async () => {
    const handler = demoHandler();
    const app = new Hono();
    app.use(webhookHandler(handler));
    app.get("/", (c) => c.text("home"));
    const { url } = await start(app);
    expect((await post(url + PATH, { action: "list_flows" })).status).toBe(200);
    expect(await (await fetch(url + "/")).text()).toBe("home");
  });
});

describe("a body an earlier middleware already read", () => {
  it("is taken from Hono's body cache (json, text or arrayBuffer), still under the byte limit", async () => {
    for (const read of ["json", "text", "arrayBuffer"] as const) {
      const app = new Hono();
      app.use(async (c, next) => {
        await c.req[read]();
        await next();
      });
      app.route("/", webhookApp(demoHandler({ routes: { demo: { sessionKey: "agent:main:main", secret: SECRET, limits: { maxBodyBytes: 100 } } } })));
      const { url } = await start(app);
      const created = await post(url + PATH, { action: "create_flow", goal: "read twice" });
      expect([read, created.status, created.json.result?.flow?.goal]).toEqual([read, 200, "read twice"]);
      const big = await post(url + PATH, { action: "create_flow", goal: "x".repeat(200) });
      expect([read, big.status]).toEqual([read, 413]);
    }
  });
});

describe("the answer", () => {
  it("carries the core's headers and a Content-Length, whether it is the only handler or behind middleware", async () => {
    const alone = new Hono().all(PATH, webhookHandler(demoHandler()));
    const behind = new Hono().use(async (_c, next) => next()).all(PATH, webhookHandler(demoHandler()));
    const seen: Array<{ status: number; headers: Record<string, unknown>; body: string }> = [];
    for (const app of [alone, behind]) {
      const { url } = await start(app);
      const body = JSON.stringify({ action: "list_flows" });
      const res = await rawRequest(url + PATH, { headers: jsonHeaders(), write: (req) => req.end(body) });
      // The clock-dependent ones aside.
      const { date: _date, "ratelimit-reset": _reset, ...headers } = res.headers;
      seen.push({ status: res.status, headers, body: res.body });
    }
    expect(seen[0]).toEqual(seen[1]);
    expect(seen[0]!.headers).toMatchObject({
      "content-type": "application/json; charset=utf-8",
      "content-length": String(Buffer.byteLength(seen[0]!.body)),
      "ratelimit-limit": expect.any(String),
    });
    expect(seen[0]!.headers["transfer-encoding"]).toBeUndefined();
  });

  it("keeps headers set on the context before it: by middleware, or by code that calls the handler itself", async () => {
    const handler = demoHandler();
    const mounted = webhookHandler(handler);
    const byMiddleware = new Hono()
      .use(async (c, next) => {
        c.header("x-request-id", "from-middleware");
        c.header("content-type", "text/plain"); // the core's own header wins, as with c.body()
        await next();
      })
      .all(PATH, mounted);
    const byCaller = new Hono().all(PATH, (c, next) => {
      c.header("x-request-id", "from-caller");
      return mounted(c, next);
    });
    for (const [app, id] of [[byMiddleware, "from-middleware"], [byCaller, "from-caller"]] as const) {
      const { url } = await start(app);
      const res = await post(url + PATH, { action: "list_flows" });
      expect([res.status, res.headers.get("x-request-id"), res.headers.get("content-type")]).toEqual([
        200,
        id,
        "application/json; charset=utf-8",
      ]);
    }
  });

  it("keeps every cookie and appended header set before it, and lets middleware after it add headers", async () => {
    for (const cookies of [["a=1", "b=2"], []]) {
      const app = new Hono()
        .use(async (c, next) => {
          await next();
          c.header("x-after", "yes");
        })
        .use(async (c, next) => {
          for (const cookie of cookies) c.header("set-cookie", cookie, { append: true });
          c.header("vary", "accept", { append: true });
          c.header("vary", "origin", { append: true });
          await next();
        })
        .all(PATH, webhookHandler(demoHandler()));
      const { url } = await start(app);
      const body = JSON.stringify({ action: "list_flows" });
      const res = await rawRequest(url + PATH, { headers: jsonHeaders(), write: (req) => req.end(body) });
      expect(res.status).toBe(200);
      expect(res.headers["set-cookie"]).toEqual(cookies.length > 0 ? cookies : undefined);
      expect(res.headers).toMatchObject({
        vary: "accept, origin",
        "x-after": "yes",
        "content-type": "application/json; charset=utf-8",
        "content-length": String(Buffer.byteLength(res.body)),
        "ratelimit-limit": expect.any(String),
      });
      expect(JSON.parse(res.body)).toMatchObject({ ok: true, routeId: "demo" });
    }
  });
});

describe("actions over HTTP", () => {
  it("create → get → set_waiting → finish", async () => {
    const { url } = await start(hostApp((app) => app.route("/", webhookApp(demoHandler()))));
    const hook = url + PATH;
    const created = await post(hook, { action: "create_flow", goal: "Ship it", currentStep: "start" });
    expect(created.status).toBe(200);
    const flow = created.json.result.flow;
    expect(flow).toMatchObject({ goal: "Ship it", status: "queued", revision: 0, controllerId: "webhooks/demo" });
    expect(flow).not.toHaveProperty("ownerKey");

    const got = await post(hook, { action: "get_flow", flowId: flow.flowId });
    expect(got.json.result.flow).toEqual(flow);

    const waiting = await post(hook, {
      action: "set_waiting",
      flowId: flow.flowId,
      expectedRevision: 0,
      waitJson: { for: "approval" },
    });
    expect(waiting.status).toBe(200);
    expect(waiting.json.result).toMatchObject({ applied: true, flow: { status: "waiting", revision: 1, waitJson: { for: "approval" } } });

    const stale = await post(hook, { action: "finish_flow", flowId: flow.flowId, expectedRevision: 0 });
    expect(stale.status).toBe(409);
    expect(stale.json).toMatchObject({ code: "revision_conflict", result: { applied: false, current: { revision: 1 } } });

    const finished = await post(hook, { action: "finish_flow", flowId: flow.flowId, expectedRevision: 1, stateJson: { done: true } });
    expect(finished.status).toBe(200);
    expect(finished.json.result.flow).toMatchObject({ status: "succeeded", revision: 2, stateJson: { done: true } });
    expect(finished.text).not.toContain("agent:main:main");
    expect(finished.text).not.toContain(SECRET);
  });
});

describe("client address", () => {
  const limited = { demo: { sessionKey: "agent:main:main", secret: SECRET, limits: { rateLimit: { max: 1 } } } };
  const fromClient = (url: string, address: string) =>
    post(url + PATH, { action: "list_flows" }, jsonHeaders({ "x-forwarded-for": address }));

  it("X-Forwarded-For keys the limits when the socket peer is a trusted proxy", async () => {
    const handler = demoHandler({ routes: limited, trustedProxies: ["127.0.0.1"] });
    const { url } = await start(hostApp((app) => app.route("/", webhookApp(handler))));
    expect((await fromClient(url, "203.0.113.1")).status).toBe(200);
    expect((await fromClient(url, "203.0.113.2")).status).toBe(200);
    expect((await fromClient(url, "203.0.113.1")).status).toBe(429);
  });

  it("X-Forwarded-For is ignored from an untrusted peer", async () => {
    const handler = demoHandler({ routes: limited, trustedProxies: ["10.0.0.0/8"] });
    const { url } = await start(hostApp((app) => app.route("/", webhookApp(handler))));
    expect((await fromClient(url, "203.0.113.1")).status).toBe(200);
    expect((await fromClient(url, "203.0.113.2")).status).toBe(429);
  });
});
