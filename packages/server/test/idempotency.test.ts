// Idempotency-Key over real HTTP: concurrent deliveries on separate connections to two
// server processes sharing one SQLite file, a kill -9 between a delivery and its retry
// (the built CLI as a child process), and the per-route rules on an in-process server.
// Needs `pnpm build` (`pnpm test` at the root builds first).
import { request as httpRequest } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createManualClock } from "@taskflow-webhooks/core/testing";
import { startServer, type RunningServer } from "../src/index.js";
import { PATH, SECRET, assertBuilt, demoRoutes, post, spawnCli, tempDir, type Cli } from "./support.js";

const tmp = tempDir();
const children: Cli[] = [];
const servers: RunningServer[] = [];
beforeAll(() => assertBuilt());
afterEach(async () => {
  for (const c of children.splice(0)) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill("SIGKILL");
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => tmp.remove());

let dbCount = 0;
const freshDb = () => tmp.file(`idem-${++dbCount}/flows.sqlite`);
const cli = (args: string[]) => {
  const c = spawnCli(args);
  children.push(c);
  return c;
};

interface Delivery {
  status: number;
  replayed: string | undefined;
  retryAfter: string | undefined;
  text: string;
  body: any;
}

/** One POST on its own TCP connection (no keep-alive agent). */
function deliver(url: string, json: unknown, key?: string): Promise<Delivery> {
  const payload = JSON.stringify(json);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}${PATH}`,
      {
        method: "POST",
        agent: false,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(payload),
          authorization: `Bearer ${SECRET}`,
          connection: "close",
          ...(key !== undefined && { "idempotency-key": key }),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () =>
          resolve({
            status: res.statusCode!,
            replayed: res.headers["idempotent-replayed"] as string | undefined,
            retryAfter: res.headers["retry-after"] as string | undefined,
            text,
            body: JSON.parse(text),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

const create = { action: "create_flow", goal: "Review order 4711" };

describe("SQLite server processes (built CLI)", () => {
  it("20 concurrent deliveries of one create_flow with one key, to two processes on one file: one flow, one 200, the rest replays or 409", async () => {
    const db = freshDb();
    const file = tmp.file("race.json", { routes: demoRoutes() });
    const a = cli(["serve", "--config", file, "--port", "0", "--db", db]);
    const b = cli(["serve", "--config", file, "--port", "0", "--db", db]);
    const urls = await Promise.all([a.listening, b.listening]);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => deliver(urls[i % 2]!, create, "order-4711")));

    const firsts = answers.filter((r) => r.status === 200 && r.replayed === undefined);
    const replays = answers.filter((r) => r.status === 200 && r.replayed === "true");
    const busy = answers.filter((r) => r.status === 409);
    expect(firsts).toHaveLength(1);
    expect(replays.length + busy.length).toBe(19);
    for (const r of replays) expect(r.text).toBe(firsts[0]!.text);
    for (const r of busy) expect([r.body.code, r.retryAfter]).toEqual(["idempotency_in_progress", "1"]);

    const listed = await post(`${urls[1]}${PATH}`, { action: "list_flows" });
    expect(listed.body.result.flows.map((f: { flowId: string }) => f.flowId)).toEqual([firsts[0]!.body.result.flow.flowId]);
    // After the dust settles every retry is a replay, on either process.
    for (const url of urls) expect((await deliver(url, create, "order-4711")).text).toBe(firsts[0]!.text);
  });

  it("kill -9 after the first delivery: the retry to the restarted server replays the same flowId", async () => {
    const db = freshDb();
    const file = tmp.file("restart.json", { routes: demoRoutes() });
    const first = cli(["serve", "--config", file, "--port", "0", "--db", db]);
    const delivered = await deliver(await first.listening, create, "restart-1");
    expect(delivered.status).toBe(200);
    first.child.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");

    const second = cli(["serve", "--config", file, "--port", "0", "--db", db]);
    const url = await second.listening;
    const retry = await deliver(url, create, "restart-1");
    expect([retry.status, retry.replayed]).toEqual([200, "true"]);
    expect(retry.body.result.flow.flowId).toBe(delivered.body.result.flow.flowId);
    expect(retry.text).toBe(delivered.text);
    expect((await post(`${url}${PATH}`, { action: "list_flows" })).body.result.flows).toHaveLength(1);
  });
});

describe("per-route rules over HTTP (in-process server, SQLite)", () => {
  async function serve(idempotency?: Record<string, unknown>) {
    const clock = createManualClock();
    const routes = { demo: { ...demoRoutes().demo, ...(idempotency && { idempotency }) } };
    const s = await startServer({ config: { routes }, port: 0, db: freshDb(), clock, log: () => {} });
    servers.push(s);
    return { url: s.url, clock };
  }

  it("the same key with another body is 422 idempotency_key_reused; nothing is created", async () => {
    const { url } = await serve();
    await deliver(url, create, "k");
    const other = await deliver(url, { ...create, goal: "Something else" }, "k");
    expect([other.status, other.body.code]).toEqual([422, "idempotency_key_reused"]);
    expect((await post(`${url}${PATH}`, { action: "list_flows" })).body.result.flows).toHaveLength(1);
  });

  it("ttlHours on the manual clock: a replay inside the window, a new flow after it", async () => {
    const { url, clock } = await serve({ ttlHours: 2 });
    const first = await deliver(url, create, "ttl");
    clock.advance(2 * 3_600_000 - 1);
    expect((await deliver(url, create, "ttl")).replayed).toBe("true");
    clock.advance(1);
    const fresh = await deliver(url, create, "ttl");
    expect(fresh.replayed).toBeUndefined();
    expect(fresh.body.result.flow.flowId).not.toBe(first.body.result.flow.flowId);
  });

  it("required: a write without a key is 400 idempotency_key_required; a read is not", async () => {
    const { url } = await serve({ required: true });
    const missing = await deliver(url, create);
    expect([missing.status, missing.body.code]).toEqual([400, "idempotency_key_required"]);
    expect((await deliver(url, { action: "list_flows" })).status).toBe(200);
    expect((await deliver(url, create, "present")).status).toBe(200);
  });

  it("an invalid key is 400 invalid_idempotency_key; a quoted sf-string is the same key as its bare form", async () => {
    const { url } = await serve();
    for (const key of ["has space", "x".repeat(256), '"open']) {
      const r = await deliver(url, create, key);
      expect([r.status, r.body.code]).toEqual([400, "invalid_idempotency_key"]);
    }
    const quoted = await deliver(url, create, '"order-9"');
    const bare = await deliver(url, create, "order-9");
    expect(bare.replayed).toBe("true");
    expect(bare.text).toBe(quoted.text);
  });
});
