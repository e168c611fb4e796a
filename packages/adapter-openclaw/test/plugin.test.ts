import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import plugin, { gatewayTaskFlowRuntime, registerWebhookRoutes } from "../src/index.js";
import { createFakeGateway, gatewayRuntimeOver } from "./fake-gateway.js";
import { createMemoryTaskFlowRuntime } from "@taskflow-webhooks/core";
// @ts-expect-error plain .mjs script without types
import { renderManifest } from "../scripts/manifest.mjs";

const SECRET = "gateway-route-secret-1234";
const config = {
  routes: {
    zapier: {
      path: "/plugins/webhooks/zapier",
      sessionKey: "agent:main:main",
      secret: SECRET,
      controllerId: "webhooks/zapier",
      description: "Zapier TaskFlow bridge",
    },
    cold: { sessionKey: "agent:main:main", secret: { source: "env", provider: "default", id: "UNRESOLVED" } },
    off: { sessionKey: "agent:main:main", secret: "x", enabled: false },
  },
};

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function serve(pluginConfig: unknown = config, options = {}) {
  const gw = createFakeGateway(pluginConfig, options);
  plugin.register(gw.api);
  const server = await gw.listen();
  closers.push(server.close);
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}`, ...headers },
      body: JSON.stringify(body),
    });
  return { gw, url: server.url, post };
}

describe("plugin entry", () => {
  it("has the bundled plugin's id, so it overrides it", () => {
    expect(plugin.id).toBe("webhooks");
    expect(typeof plugin.register).toBe("function");
  });

  it("ships a manifest generated from the core schema (fails when they drift)", () => {
    const shipped = readFileSync(new URL("../openclaw.plugin.json", import.meta.url), "utf8");
    expect(shipped).toBe(renderManifest());
    const manifest = JSON.parse(shipped);
    expect(manifest).toMatchObject({
      id: "webhooks",
      activation: { onStartup: true },
      configContracts: {
        secretInputs: {
          paths: [
            { path: "routes.*.secret", expected: "string", ownerKind: "route" },
            { path: "routes.*.secret.*", expected: "string", ownerKind: "route" },
          ],
        },
      },
    });
    expect(plugin.configSchema.jsonSchema).toEqual(manifest.configSchema);
  });

  it("validates config with exact paths", () => {
    expect(plugin.configSchema.safeParse(config).success).toBe(true);
    const bad = plugin.configSchema.safeParse({ routes: { a: { secret: "s" } } });
    expect(bad).toEqual({ success: false, error: { issues: [{ path: ["routes", "a", "sessionKey"], message: "is required" }] } });
  });
});

describe("register(api)", () => {
  it("registers exact, plugin-auth, replaceable routes for enabled routes only", () => {
    const gw = createFakeGateway(config);
    plugin.register(gw.api);
    expect([...gw.routes.values()].map(({ handler: _h, ...r }) => r)).toEqual([
      { path: "/plugins/webhooks/zapier", auth: "plugin", match: "exact", replaceExisting: true },
      { path: "/plugins/webhooks/cold", auth: "plugin", match: "exact", replaceExisting: true },
    ]);
  });

  it("is idempotent across repeated calls (full, discovery, hot reload) and logs its routes once per process", async () => {
    const routes = { routes: { once: { sessionKey: "agent:main:main", secret: SECRET } } };
    const gw = createFakeGateway(routes, { registrationMode: "full" });
    const discovery = createFakeGateway(routes, { registrationMode: "discovery" });
    for (let i = 0; i < 3; i++) plugin.register(gw.api);
    plugin.register(discovery.api);
    expect(gw.routes.size).toBe(1);
    expect(discovery.routes.size).toBe(1);
    const registered = [...gw.logs, ...discovery.logs].filter((l) => l.message.includes("registered route once"));
    expect(registered).toEqual([{ level: "info", message: "[webhooks] registered route once on /plugins/webhooks/once" }]);
    // A hot reload that changes the routes says so.
    const reloaded = createFakeGateway({ routes: { ...routes.routes, two: { sessionKey: "agent:main:main", secret: SECRET } } });
    plugin.register(reloaded.api);
    expect(reloaded.logs.map((l) => l.message)).toEqual([
      "[webhooks] registered route once on /plugins/webhooks/once",
      "[webhooks] registered route two on /plugins/webhooks/two",
    ]);
  });

  it("refuses an invalid config, naming the path", () => {
    const gw = createFakeGateway({ routes: { a: { sessionKey: "s", secret: "x", bogus: 1 } } });
    expect(() => plugin.register(gw.api)).toThrow(/plugins\.entries\.webhooks\.config\.routes\.a\.bogus: unknown key/);
    const dup = createFakeGateway({ routes: { a: { sessionKey: "s", secret: "x", path: "/x" }, b: { sessionKey: "s", secret: "y", path: "/x/" } } });
    expect(() => plugin.register(dup.api)).toThrow(/routes "a" and "b" both use the path \/x/);
  });

  it("registers nothing for an empty config", () => {
    const gw = createFakeGateway(undefined);
    expect(registerWebhookRoutes(gw.api)).toBeUndefined();
    expect(gw.routes.size).toBe(0);
  });

  it("keeps a route whose SecretRef the Gateway could not resolve cold, with one warning and no secret", async () => {
    const { gw, post } = await serve();
    const r = await post("/plugins/webhooks/cold", { action: "list_flows" }, { authorization: "Bearer anything" });
    expect(r.status).toBe(401);
    expect(await r.json()).toEqual({ ok: false, code: "unauthorized", error: "Unauthorized.", result: {} });
    const warnings = gw.logs.filter((l) => l.level === "warn");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('routeId="cold"');
    expect(JSON.stringify(gw.logs)).not.toContain(SECRET);
    expect(JSON.stringify(gw.logs)).not.toContain("agent:main:main");
  });
});

describe("over HTTP through the Gateway route", () => {
  it("drives a flow lifecycle against the Gateway's TaskFlow runtime, cancel getting the Gateway config", async () => {
    const seenCfg: unknown[] = [];
    const memory = createMemoryTaskFlowRuntime();
    const { post } = await serve(config, { runtime: gatewayRuntimeOver(memory, seenCfg) });
    const path = "/plugins/webhooks/zapier";
    const created = (await (await post(path, { action: "create_flow", goal: "Review inbound queue" })).json()) as any;
    expect(created).toMatchObject({ ok: true, routeId: "zapier", result: { created: true, flow: { controllerId: "webhooks/zapier", revision: 0 } } });
    expect(JSON.stringify(created)).not.toContain("agent:main:main");
    const { flowId } = created.result.flow;
    const waiting = await post(path, { action: "set_waiting", flowId, expectedRevision: 0 });
    expect(waiting.status).toBe(200);
    const stale = await post(path, { action: "finish_flow", flowId, expectedRevision: 0 });
    expect(stale.status).toBe(409);
    const task = await post(path, { action: "run_task", flowId, runtime: "subagent", task: "t" });
    expect(task.status).toBe(200);
    const cancelled = await post(path, { action: "cancel_flow", flowId });
    expect(cancelled.status).toBe(200);
    expect(seenCfg).toHaveLength(1);
    expect(seenCfg[0]).toEqual({ gateway: { trustedProxies: [] } });
    expect((await post(path, { action: "cancel_flow", flowId })).status).toBe(409);
    expect((await post(path, { action: "get_flow", flowId: "nope" })).status).toBe(200);
  });

  it("keys both limits by the Gateway's trusted-proxy client address", async () => {
    const { post } = await serve(
      { routes: { r: { sessionKey: "agent:main:main", secret: SECRET, limits: { rateLimit: { max: 1 } } } } },
      { trustedProxies: ["127.0.0.1"] },
    );
    const from = (ip: string) => post("/plugins/webhooks/r", { action: "list_flows" }, { "x-forwarded-for": ip }).then((r) => r.status);
    expect(await from("198.51.100.1")).toBe(200);
    expect(await from("198.51.100.2")).toBe(200);
    expect(await from("198.51.100.1")).toBe(429);
  });

  it("believes X-Real-IP from a trusted proxy only with gateway.allowRealIpFallback, and only without a usable X-Forwarded-For", async () => {
    const routes = { routes: { r: { sessionKey: "agent:main:main", secret: SECRET, limits: { rateLimit: { max: 1 } } } } };
    const statuses = async (options: { allowRealIpFallback?: boolean }, sends: Array<Record<string, string>>) => {
      const { post } = await serve(routes, { trustedProxies: ["127.0.0.1"], ...options });
      const out = [];
      for (const headers of sends) out.push((await post("/plugins/webhooks/r", { action: "list_flows" }, headers)).status);
      return out;
    };
    const realIps = [{ "x-real-ip": "198.51.100.1" }, { "x-real-ip": "198.51.100.2" }];
    // Off (the default): X-Real-IP is ignored, both requests are the proxy's: the second is limited.
    expect(await statuses({}, realIps)).toEqual([200, 429]);
    // On: two clients.
    expect(await statuses({ allowRealIpFallback: true }, realIps)).toEqual([200, 200]);
    // X-Forwarded-For wins over X-Real-IP; loopback hops are skipped; Forwarded is never read.
    expect(
      await statuses({ allowRealIpFallback: true }, [
        { "x-forwarded-for": "198.51.100.7, 127.0.0.1", "x-real-ip": "198.51.100.8" },
        { "x-forwarded-for": "198.51.100.7", "x-real-ip": "198.51.100.9" },
        { forwarded: "for=198.51.100.10" },
        { forwarded: "for=198.51.100.11" },
      ]),
    ).toEqual([200, 429, 200, 429]);
  });

  it("turns an outcome-unknown rejection into a 500 with a correlation id in the log", async () => {
    const memory = createMemoryTaskFlowRuntime();
    const runtime = gatewayRuntimeOver(memory);
    const original = runtime.tasks!.async!.managedFlows!.bindSession;
    runtime.tasks!.async!.managedFlows!.bindSession = (p) => ({
      ...original(p),
      tryCreateManaged: async () => {
        throw new AggregateError([Object.assign(new Error("lost"), { code: "outcome-unknown" })]);
      },
    });
    const { gw, post } = await serve(config, { runtime });
    const r = await post("/plugins/webhooks/zapier", { action: "create_flow", goal: "g" });
    expect(r.status).toBe(500);
    const body = (await r.json()) as any;
    expect(body).toMatchObject({ ok: false, routeId: "zapier", code: "internal_error", correlationId: expect.any(String) });
    const line = gw.logs.find((l) => l.level === "error")!;
    expect(line.message).toMatch(/outcome unknown/);
    expect(line.message).toContain(body.correlationId);
  });
});

describe("TaskFlow runtime detection", () => {
  it("falls back to api.runtime.taskFlow on older hosts", async () => {
    const memory = createMemoryTaskFlowRuntime();
    const runtime = gatewayTaskFlowRuntime({ taskFlow: memory as never }, {});
    const bound = runtime.bindSession({ sessionKey: "agent:main:main" });
    const flow = await bound.createManaged({ controllerId: "c", goal: "g" });
    expect((await bound.cancel({ flowId: flow.flowId })).cancelled).toBe(true);
  });

  it("says clearly when the host has no TaskFlow runtime", () => {
    expect(() => gatewayTaskFlowRuntime({}, {})).toThrow(/no TaskFlow runtime/);
  });
});
