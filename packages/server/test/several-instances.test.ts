// Three server processes (the built CLI) on one PostgreSQL and one Redis, as behind a load
// balancer: one rate window per client across them, one winner per revision, no
// acknowledged flow lost when an instance is killed (-9) or when PostgreSQL goes away
// mid-load. PostgreSQL is reached through a TCP proxy this file controls, so the outage
// is ours and the shared cluster keeps running. Request counts and loops are bounded.
import type pg from "pg";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectTestDatabase, dropSchema, testSchemaName, TEST_DATABASE_URL } from "../../taskflow-postgres/test/database-url.js";
import { startTcpProxy, type TcpProxy } from "../../taskflow-postgres/test/tcp-proxy.js";
import { connectTestRedis, dropKeyPrefix, testKeyPrefix, TEST_REDIS_URL } from "../../limiter-redis/test/redis-url.js";
import { SECRET, SESSION, assertBuilt, post, spawnCli, tempDir, type Cli } from "./support.js";

const LIMITED_MAX = 10;
const schema = testSchemaName();
const keyPrefix = testKeyPrefix();
const dir = tempDir();
let admin: pg.Pool;
let redis: Redis;
let proxy: TcpProxy;
let running: Cli[] = [];

beforeAll(async () => {
  assertBuilt();
  admin = await connectTestDatabase();
  redis = await connectTestRedis();
  const target = new URL(TEST_DATABASE_URL);
  proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  dir.file("config.json", {
    routes: {
      demo: { sessionKey: SESSION, secret: SECRET, limits: { rateLimit: { windowMs: 60_000, max: 1_000_000 }, maxInFlight: 10_000 } },
      limited: { sessionKey: SESSION, secret: SECRET, limits: { rateLimit: { windowMs: 60_000, max: LIMITED_MAX } } },
    },
    // Generous timeouts: a loaded test machine must not turn a slow answer into a failure.
    server: { dbSchema: schema, limiterKeyPrefix: keyPrefix, limiterTimeoutMs: 5_000, dbQueryTimeoutMs: 2_000, onLimiterError: "deny" },
  });
});
afterEach(async () => {
  await proxy.restore();
  await stopAll();
});
afterAll(async () => {
  await proxy?.close();
  await dropSchema(admin, schema);
  await dropKeyPrefix(redis, keyPrefix);
  await admin.end();
  redis.disconnect();
  dir.remove();
});

async function startInstances(n: number): Promise<string[]> {
  const env = { DATABASE_URL: proxy.url(TEST_DATABASE_URL), REDIS_URL: TEST_REDIS_URL };
  const started = Array.from({ length: n }, () => spawnCli(["serve", "--config", dir.file("config.json"), "--port", "0"], env));
  running.push(...started);
  return Promise.all(started.map((c) => c.listening));
}
async function stopAll() {
  const stopping = running;
  running = [];
  for (const c of stopping) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill("SIGTERM");
  await Promise.all(stopping.map((c) => c.exited));
}
const demo = (url: string) => `${url}/plugins/webhooks/demo`;

describe("three instances on one PostgreSQL and one Redis", () => {
  it("report both dependencies on /healthz", async () => {
    const [url] = await startInstances(1);
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, taskFlow: { store: "postgres", ok: true }, limiter: { store: "redis", ok: true } });
  });

  it("share one rate window: 3 × max requests round-robin get exactly max 200s", async () => {
    const urls = await startInstances(3);
    const statuses: number[] = [];
    for (let i = 0; i < 3 * LIMITED_MAX; i++) {
      statuses.push((await post(`${urls[i % 3]}/plugins/webhooks/limited`, { action: "list_flows" })).status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(LIMITED_MAX);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2 * LIMITED_MAX);
  });

  it("16 writers racing each revision across instances: exactly one 200 per revision", async () => {
    const urls = await startInstances(3);
    const created = await post(demo(urls[0]!), { action: "create_flow", goal: "race across instances" });
    const flowId = created.body.result.flow.flowId as string;
    for (let revision = 0; revision < 4; revision++) {
      const answers = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          post(demo(urls[i % 3]!), { action: "set_waiting", flowId, expectedRevision: revision, stateJson: { writer: i } }),
        ),
      );
      expect(answers.filter((a) => a.status === 200), `revision ${revision}`).toHaveLength(1);
      expect(answers.filter((a) => a.status === 409 && a.body.code === "revision_conflict")).toHaveLength(15);
    }
    const flow = (await post(demo(urls[2]!), { action: "get_flow", flowId })).body.result.flow;
    expect(flow.revision).toBe(4);
  });

  it("kill -9 of one instance under load loses no acknowledged flow", async () => {
    const urls = await startInstances(3);
    const acknowledged: string[] = [];
    let victimAcks = 0;
    const victim = running[0]!;
    // Four clients, each creating flows round-robin until 150 are acknowledged in total.
    const client = async (offset: number) => {
      for (let i = offset; acknowledged.length < 150; i += 4) {
        const target = i % 3;
        const answer = await post(demo(urls[target]!), { action: "create_flow", goal: `load ${i}` }).catch(() => undefined);
        if (answer?.status !== 200) continue; // the killed instance's refused or cut requests
        acknowledged.push(answer.body.result.flow.flowId);
        if (target === 0 && ++victimAcks === 20) victim.child.kill("SIGKILL");
      }
    };
    await Promise.all([0, 1, 2, 3].map(client));
    expect((await victim.exited).signal).toBe("SIGKILL");
    expect(victimAcks).toBeGreaterThanOrEqual(20);
    const { rows } = await admin.query(`SELECT flow_id FROM ${schema}.flows WHERE flow_id = ANY($1)`, [acknowledged]);
    expect(rows).toHaveLength(acknowledged.length);
  });

  it("PostgreSQL gone mid-load: 503 persist_failed (never a hang), then recovery without restart, no acknowledged write lost", async () => {
    const urls = await startInstances(3);
    const acknowledged: string[] = [];
    const statuses: Array<{ phase: string; status: number; code?: string }> = [];
    let phase = "before";
    const load = async (offset: number) => {
      for (let i = offset; phase !== "done"; i += 3) {
        const answer = await post(demo(urls[i % 3]!), { action: "create_flow", goal: `outage ${i}` });
        statuses.push({ phase, status: answer.status, code: answer.body?.code });
        if (answer.status === 200) acknowledged.push(answer.body.result.flow.flowId);
      }
    };
    const loaders = [0, 1, 2].map(load);
    const until = async (predicate: () => boolean) => {
      while (!predicate()) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    await until(() => acknowledged.length >= 20);
    await proxy.cut();
    phase = "down";
    await until(() => statuses.filter((s) => s.phase === "down" && s.status === 503).length >= 10);
    const health = await fetch(`${urls[1]}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ ok: false, taskFlow: { store: "postgres", ok: false } });
    await proxy.restore();
    phase = "after";
    const ackedBeforeRecovery = acknowledged.length;
    await until(() => acknowledged.length >= ackedBeforeRecovery + 30);
    phase = "done";
    await Promise.all(loaders);

    const down = statuses.filter((s) => s.phase === "down");
    // While the database is unreachable every answer is a storage failure: 503
    // persist_failed, or (for a write whose connection died after it was sent) 500
    // "outcome unknown". Nothing else, and no request hung past the timeouts.
    expect(down.filter((s) => s.status === 503).every((s) => s.code === "persist_failed")).toBe(true);
    expect(down.every((s) => s.status === 503 || s.status === 500 || s.status === 200)).toBe(true);
    expect(statuses.filter((s) => s.phase === "after" && s.status === 200).length).toBeGreaterThanOrEqual(30);
    const { rows } = await admin.query(`SELECT flow_id FROM ${schema}.flows WHERE flow_id = ANY($1)`, [acknowledged]);
    expect(rows).toHaveLength(acknowledged.length);
  });
});

describe("choosing the stores", () => {
  it("migrate applies pending migrations and exits 0", async () => {
    // `migrate` works on the default schema (taskflow_webhooks), which no test uses otherwise.
    const c = spawnCli(["migrate", "--db", TEST_DATABASE_URL], { DATABASE_URL: undefined });
    running.push(c);
    expect((await c.exited).code).toBe(0);
    expect(c.stdout()).toMatch(/schema taskflow_webhooks of postgres:\/\/\S+ is at version [1-9]/);
    await dropSchema(admin, "taskflow_webhooks");
  });

  it("a DATABASE_URL that is not postgres:// leaves the store on SQLite; an unreachable PostgreSQL stops the start (exit 1, no password shown)", async () => {
    const sqlite = spawnCli(["serve", "--config", dir.file("config.json"), "--port", "0", "--db", dir.file("flows.sqlite")], {
      DATABASE_URL: "mysql://elsewhere/db",
    });
    running.push(sqlite);
    await sqlite.listening;
    expect(sqlite.stdout()).toContain('"store":"sqlite"');
    const refused = spawnCli(["serve", "--config", dir.file("config.json"), "--port", "0"], {
      DATABASE_URL: "postgres://postgres:hunter2-secret@127.0.0.1:1/test",
      REDIS_URL: undefined,
    });
    running.push(refused);
    expect((await refused.exited).code).toBe(1);
    expect(refused.stderr()).toContain("could not open the PostgreSQL database postgres://postgres:***@127.0.0.1:1/test");
    expect(refused.stderr()).not.toContain("hunter2");
  });
});
