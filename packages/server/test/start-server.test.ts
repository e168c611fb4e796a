// startServer behaviours around the protocol: store choice, health, errors, 202 wiring,
// config validation and graceful shutdown.
import { request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  createMemoryTaskFlowRuntime,
  type BoundTaskFlow,
  type TaskFlowRuntime,
} from "@taskflow-webhooks/core";
import { parseServerConfig, ServerConfigError, ServerStartError, startServer, type RunningServer } from "../src/index.js";
import { PATH, SECRET, demoRoutes, post, tempDir } from "./support.js";

const quiet = () => {};
const started: RunningServer[] = [];
const dirs: Array<{ remove(): void }> = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) d.remove();
});
async function start(options: Partial<Parameters<typeof startServer>[0]> = {}) {
  const s = await startServer({ config: { routes: demoRoutes() }, port: 0, store: "memory", log: quiet, ...options });
  started.push(s);
  return s;
}

/** Wraps a runtime so every bound handle's methods can be overridden. */
function overriding(base: TaskFlowRuntime, overrides: Partial<BoundTaskFlow>, extra: Record<string, unknown> = {}) {
  return {
    bindSession: (params: { sessionKey: string }) => ({ ...base.bindSession(params), ...overrides }) as BoundTaskFlow,
    ...extra,
  };
}

describe("stores", () => {
  it("creates the database directory and reopens the same data after a restart", async () => {
    const tmp = tempDir();
    dirs.push(tmp);
    const db = `${tmp.dir}/nested/dir/flows.sqlite`;
    const first = await startServer({ config: { routes: demoRoutes() }, port: 0, db, log: quiet });
    const flowId = (await post(first.url + PATH, { action: "create_flow", goal: "keep me" })).body.result.flow.flowId;
    await first.close();
    const second = await start({ store: "sqlite", db });
    expect((await post(second.url + PATH, { action: "get_flow", flowId })).body.result.flow).toMatchObject({ flowId, goal: "keep me" });
  });

  it("opens SQLite with the configured commit durability (full by default, normal on request)", async () => {
    const tmp = tempDir();
    dirs.push(tmp);
    const lines: Array<Record<string, unknown>> = [];
    const log = (line: Record<string, unknown>) => void lines.push(line);
    const full = await start({ store: "sqlite", db: `${tmp.dir}/a.sqlite`, log });
    await full.close();
    const normal = await start({ config: { routes: demoRoutes(), server: { synchronous: "normal" } }, store: "sqlite", db: `${tmp.dir}/b.sqlite`, log });
    expect((await post(normal.url + PATH, { action: "create_flow", goal: "g" })).status).toBe(200);
    expect(lines.filter((l) => l.msg === "listening").map((l) => l.synchronous)).toEqual(["full", "normal"]);
    expect(() => parseServerConfig({ routes: demoRoutes(), server: { synchronous: "off" } }, "/etc")).toThrow(/server\.synchronous: must be one of: full, normal/);
  });

  it("server.limiter: sqlite shares rate-limit windows between processes on one database", async () => {
    const tmp = tempDir();
    dirs.push(tmp);
    const routes = { demo: { ...demoRoutes().demo, limits: { rateLimit: { windowMs: 60_000, max: 2 } } } };
    const statuses = async (limiter: "memory" | "sqlite", db: string) => {
      const lines: Array<Record<string, unknown>> = [];
      const config = { routes, server: { limiter } };
      const a = await start({ config, store: "sqlite", db, log: (l) => void lines.push(l) });
      const b = await start({ config, store: "sqlite", db, log: quiet });
      const out: number[] = [];
      for (const s of [a, b, a, b]) out.push((await post(s.url + PATH, { action: "list_flows" })).status);
      return { out, limiterLine: lines.find((l) => l.msg === "listening")?.limiter };
    };
    const shared = await statuses("sqlite", `${tmp.dir}/shared/flows.sqlite`);
    expect(shared.out).toEqual([200, 200, 429, 429]);
    expect(shared.limiterLine).toBe(`sqlite ${tmp.dir}/shared/flows.limits.sqlite`);
    const separate = await statuses("memory", `${tmp.dir}/separate/flows.sqlite`);
    // Per-process windows: each server has seen only two of the four requests.
    expect(separate.out).toEqual([200, 200, 200, 200]);
    expect(separate.limiterLine).toBe("memory");
  });

  it("closes the store on shutdown; /healthz is 503 when the store is not usable", async () => {
    let healthy = true;
    let closed = 0;
    const s = await start({
      taskFlow: overriding(createMemoryTaskFlowRuntime(), {}, { isHealthy: () => healthy, close: () => void closed++ }),
    });
    expect((await fetch(s.url + "/healthz")).status).toBe(200);
    healthy = false;
    const res = await fetch(s.url + "/healthz");
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ok: false, taskFlow: { store: "custom", ok: false }, limiter: { store: "memory", ok: true } });
    await s.close();
    await s.close();
    expect(closed).toBe(1);
  });
});

describe("answers that need a special runtime", () => {
  it("202 cancel_pending when the runtime cannot settle a child yet", async () => {
    const runtime = createMemoryTaskFlowRuntime();
    const s = await start({
      taskFlow: overriding(runtime, {
        cancel: () => ({ found: true, cancelled: false, reason: "One or more child tasks are still active.", tasks: [] }),
      }),
    });
    const flowId = (await post(s.url + PATH, { action: "create_flow", goal: "g" })).body.result.flow.flowId;
    const r = await post(s.url + PATH, { action: "cancel_flow", flowId });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ ok: true, routeId: "demo", code: "cancel_pending" });
  });

  it("500 internal_error with a correlation id that is also logged; no error text leaks", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const s = await start({
      log: (l) => lines.push(l),
      taskFlow: overriding(createMemoryTaskFlowRuntime(), {
        // list_flows reads through listPage when the store has it (the memory runtime does).
        listPage: () => {
          throw new Error(`secret detail ${SECRET}`);
        },
      }),
    });
    const r = await post(s.url + PATH, { action: "list_flows" });
    expect(r.status).toBe(500);
    expect(r.body).toMatchObject({ ok: false, code: "internal_error", correlationId: expect.any(String) });
    const logged = lines.filter((l) => l.correlationId === r.body.correlationId);
    expect(logged.map((l) => l.level)).toEqual(["error", "info"]); // the runtime error, then the request line
    expect(JSON.stringify(lines)).not.toContain(SECRET);
  });

  it("a route whose env secret is missing stays cold (401) with one warning; others keep working", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const s = await start({
      env: {},
      log: (l) => lines.push(l),
      config: {
        routes: {
          ...demoRoutes(),
          cold: { sessionKey: "s", secret: { source: "env", provider: "default", id: "NOT_SET_ANYWHERE" } },
        },
      },
    });
    expect((await post(s.url + "/plugins/webhooks/cold", { action: "list_flows" }, "")).status).toBe(401);
    expect((await post(s.url + PATH, { action: "list_flows" })).status).toBe(200);
    expect(lines.filter((l) => l.level === "warn")).toEqual([
      expect.objectContaining({ routeId: "cold", reason: "environment variable NOT_SET_ANYWHERE is not set" }),
    ]);
  });
});

describe("config", () => {
  const issues = (input: unknown) => {
    try {
      parseServerConfig(input);
    } catch (error) {
      expect(error).toBeInstanceOf(ServerConfigError);
      return (error as ServerConfigError).issues;
    }
    throw new Error("config was accepted");
  };

  it("reports every problem with its config path", () => {
    expect(issues({ routes: { demo: { secret: "x" } } })).toEqual([{ path: "routes.demo.sessionKey", message: "is required" }]);
    expect(issues({ routes: {}, server: { prot: 1 } })).toEqual([{ path: "server.prot", message: "unknown key" }]);
    expect(issues({ routes: {}, extra: true })).toEqual([{ path: "extra", message: "unknown key" }]);
    expect(issues({ server: { port: 70000 } })).toEqual([{ path: "server.port", message: "must be <= 65535" }]);
    expect(issues({ server: { trustedProxies: ["nope"] } })).toEqual([
      { path: "server.trustedProxies", message: "Invalid trusted proxy address: nope" },
    ]);
    expect(issues({ server: { secretProviders: { vault: { source: "file" } } } })[0]).toMatchObject({
      path: "server.secretProviders.vault.path",
    });
    const dup = issues({ routes: { a: { path: "/x", sessionKey: "s", secret: "1" }, b: { path: "/x/", sessionKey: "s", secret: "2" } } });
    expect(dup).toEqual([{ path: "routes.b.path", message: 'routes "a" and "b" both use the path /x' }]);
  });

  it("resolves relative db and secret-file paths against the config file's directory", () => {
    const config = parseServerConfig(
      { server: { db: "data/f.sqlite", secretProviders: { files: { source: "file", path: "secrets.json" } } } },
      "/etc/taskflow",
    );
    expect(config.server.db).toBe("/etc/taskflow/data/f.sqlite");
    expect(config.server.secretProviders?.files).toEqual({ source: "file", path: "/etc/taskflow/secrets.json" });
  });

  it("a port in use is a ServerStartError naming the address", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(start({ port })).rejects.toThrow(ServerStartError);
      await expect(start({ port })).rejects.toThrow(`127.0.0.1:${port} is already in use`);
    } finally {
      blocker.close();
    }
  });
});

describe("graceful shutdown", () => {
  /** Starts a request whose body arrives in two parts; resolves with its status. */
  function slowRequest(url: string, body: string, gapMs: number) {
    return new Promise<number>((resolve, reject) => {
      const req = httpRequest(url + PATH, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}`, "content-length": String(Buffer.byteLength(body)) },
      });
      req.on("error", reject);
      req.on("response", (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode!));
      });
      req.write(body.slice(0, 10));
      setTimeout(() => req.end(body.slice(10)), gapMs);
    });
  }

  it("stops accepting, lets the in-flight request finish, then closes", async () => {
    const s = await start();
    const inFlight = slowRequest(s.url, JSON.stringify({ action: "create_flow", goal: "finishing" }), 200);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    const closing = s.close();
    await new Promise((r) => setTimeout(r, 20));
    await expect(fetch(s.url + "/healthz")).rejects.toThrow(); // no longer accepting
    expect(await inFlight).toBe(200);
    await closing;
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it("waits at most shutdownTimeoutMs for a request that never finishes", async () => {
    const s = await start({ shutdownTimeoutMs: 300 });
    const stuck = slowRequest(s.url, JSON.stringify({ action: "list_flows" }), 60_000).catch(() => "cut");
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await s.close();
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(2_000);
    expect(await stuck).toBe("cut");
  });
});
