// Issue 14 regressions over real sockets and real files: list_flows answers stay bounded
// however big the flows are, and storage faults never produce a false 200 (a database
// removed while running, a database that cannot be written at start-up).
// The CLI cases need `pnpm build`; chattr needs root (as on the project's machines and CI).
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../src/index.js";
import { PATH, SECRET, SESSION, assertBuilt, demoRoutes, post, spawnCli, tempDir, type Cli } from "./support.js";

const quiet = () => {};
const tmp = tempDir();
const started: RunningServer[] = [];
const children: Cli[] = [];
const immutable: string[] = [];
let dbCount = 0;
const freshDb = () => {
  const dir = join(tmp.dir, `db-${++dbCount}`);
  mkdirSync(dir);
  return join(dir, "flows.sqlite");
};

beforeAll(() => assertBuilt());
afterEach(async () => {
  for (const c of children.splice(0)) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill("SIGKILL");
  await Promise.all(started.splice(0).map((s) => s.close()));
  for (const path of immutable.splice(0)) execFileSync("chattr", ["-i", path]);
});
afterAll(() => tmp.remove());

async function serve(db: string) {
  const server = await startServer({ config: { routes: demoRoutes() }, port: 0, db, log: quiet });
  started.push(server);
  return server;
}

describe("list_flows over HTTP", () => {
  it("flows with a 250 kB stateJson: each answer stays under 8 MiB with nextCursor, and the walk sees every flow", async () => {
    const server = await serve(freshDb());
    const state = { blob: "s".repeat(250_000) };
    const created: string[] = [];
    for (let i = 0; i < 40; i++) {
      const answer = await post(server.url + PATH, { action: "create_flow", goal: `big ${i}`, stateJson: state });
      created.push(answer.body.result.flow.flowId);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await fetch(server.url + PATH, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}` },
        body: JSON.stringify({ action: "list_flows", ...(cursor && { cursor }) }),
      });
      const body = Buffer.from(await res.arrayBuffer());
      expect(res.status).toBe(200);
      expect(body.length).toBeLessThan(8 * 1024 * 1024);
      const result = JSON.parse(body.toString("utf8")).result as { flows: Array<{ flowId: string }>; nextCursor?: string };
      seen.push(...result.flows.map((f) => f.flowId));
      cursor = result.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(2);
    expect(seen).toEqual([...created].reverse());
  });
});

describe("storage faults", () => {
  it("database directory removed while running: writes 503 persist_failed, /healthz 503 says why, nothing false acknowledged", async () => {
    const db = freshDb();
    const server = await serve(db);
    expect((await post(server.url + PATH, { action: "create_flow", goal: "before" })).status).toBe(200);
    rmSync(join(db, ".."), { recursive: true, force: true });

    for (let i = 0; i < 10; i++) {
      const answer = await post(server.url + PATH, { action: "create_flow", goal: `after ${i}` });
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ ok: false, code: "persist_failed" });
    }
    const read = await post(server.url + PATH, { action: "list_flows" });
    expect(read.status).toBe(503);
    expect(read.body).toMatchObject({ ok: false, code: "persist_failed" });
    const health = await fetch(server.url + "/healthz");
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({
      ok: false,
      taskFlow: { store: "sqlite", ok: false, reason: "the database file was removed while the store had it open" },
    });
    expect(JSON.stringify(read.body)).not.toContain(SESSION);
  });

  it("/healthz is 200 on a usable database, with no reason", async () => {
    const server = await serve(freshDb());
    const health = await fetch(server.url + "/healthz");
    expect(health.status).toBe(200);
    const body = (await health.json()) as { ok: boolean; taskFlow: Record<string, unknown> };
    expect(body).toMatchObject({ ok: true, taskFlow: { store: "sqlite", ok: true } });
    expect(body.taskFlow).not.toHaveProperty("reason");
  });

  it("a database file that cannot be written: the CLI refuses to start, exit 1, naming the file", async () => {
    const db = freshDb();
    await (await serve(db)).close();
    execFileSync("chattr", ["+i", db]);
    immutable.push(db);
    const configFile = join(tmp.dir, `config-${dbCount}.json`);
    writeFileSync(configFile, JSON.stringify({ routes: demoRoutes() }));
    const c = spawnCli(["serve", "--config", configFile, "--port", "0", "--db", db]);
    children.push(c);
    expect((await c.exited).code).toBe(1);
    expect(c.stderr()).toContain(`could not open the SQLite database ${db}`);
    expect(c.stderr()).toContain("the database cannot be written");
    expect(c.stdout()).not.toContain('"listening"');
  });

  it("a database directory that cannot be written: the CLI refuses to start, exit 1, naming the file", async () => {
    const db = freshDb();
    const dir = join(db, "..");
    execFileSync("chattr", ["+i", dir]);
    immutable.push(dir);
    const configFile = join(tmp.dir, `config-${dbCount}.json`);
    writeFileSync(configFile, JSON.stringify({ routes: demoRoutes() }));
    const c = spawnCli(["serve", "--config", configFile, "--port", "0", "--db", db]);
    children.push(c);
    expect((await c.exited).code).toBe(1);
    expect(c.stderr()).toContain(db);
    expect(c.stdout()).not.toContain('"listening"');
  });
});
