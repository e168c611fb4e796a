// The built CLI as operators run it: errors and exit codes, env/flag precedence, the
// quick-start secret, signals, kill -9 durability and two processes on one database.
// Needs `pnpm build` (`pnpm test` at the root builds first).
import { createServer, type Server } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PATH, SECRET, assertBuilt, demoRoutes, logLines, post, spawnCli, tempDir, type Cli } from "./support.js";

const tmp = tempDir();
const children: Cli[] = [];
beforeAll(() => assertBuilt());
afterEach(() => {
  for (const c of children.splice(0)) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill("SIGKILL");
});
afterAll(() => tmp.remove());

function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const c = spawnCli(args, env);
  children.push(c);
  return c;
}
const config = (name: string, content: unknown) => tmp.file(name, content);
let dbCount = 0;
const freshDb = () => tmp.file(`db-${++dbCount}/flows.sqlite`);

async function busyPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { port: (server.address() as { port: number }).port, server };
}

describe("errors", () => {
  it("bad config: exit 2 and a message naming the config path, no stack trace", async () => {
    const file = config("bad.json5", `{ routes: { demo: { secret: "x" } }, server: { prot: 1 } }`);
    const c = cli(["serve", "--config", file]);
    expect((await c.exited).code).toBe(2);
    expect(c.stderr()).toContain("routes.demo.sessionKey: is required");
    expect(c.stderr()).toContain("server.prot: unknown key");
    expect(c.stderr()).toContain(file);
    expect(c.stderr()).not.toMatch(/\n\s+at /);
  });

  it("unparsable JSON5: exit 2 with the parser's position", async () => {
    const c = cli(["serve", "--config", config("broken.json", "{ routes: ")]);
    expect((await c.exited).code).toBe(2);
    expect(c.stderr()).toMatch(/not valid JSON5: .*at 1:\d+/);
  });

  it("missing config file: exit 1 and a clear message", async () => {
    const c = cli(["serve", "--config", `${tmp.dir}/nope.json5`]);
    expect((await c.exited).code).toBe(1);
    expect(c.stderr()).toContain(`config file not found: ${tmp.dir}/nope.json5`);
  });

  it("usage errors: exit 2 with the usage text", async () => {
    const noConfig = cli(["serve"]);
    expect((await noConfig.exited).code).toBe(2);
    expect(noConfig.stderr()).toContain("--config <file> is required");
    const badPort = cli(["serve", "--config", config("ok.json", { routes: demoRoutes() }), "--port", "http"]);
    expect((await badPort.exited).code).toBe(2);
    expect(badPort.stderr()).toContain('--port must be an integer from 0 to 65535, not "http"');
  });

  it("port in use: exit 1 naming the address", async () => {
    const { port, server } = await busyPort();
    try {
      const c = cli(["serve", "--config", config("busy.json", { routes: demoRoutes() }), "--port", String(port), "--store", "memory"]);
      expect((await c.exited).code).toBe(1);
      expect(c.stderr()).toContain(`127.0.0.1:${port} is already in use`);
    } finally {
      server.close();
    }
  });
});

describe("running", () => {
  it("flags win over PORT, PORT wins over the config; SIGTERM shuts down cleanly (exit 0)", async () => {
    const { port, server } = await busyPort();
    try {
      const file = config("port.json", { routes: demoRoutes(), server: { port } });
      const envWins = cli(["serve", "--config", file, "--store", "memory"], { PORT: "0" });
      const url = await envWins.listening;
      expect(url).not.toContain(`:${port}`);
      const flagWins = cli(["serve", "--config", file, "--store", "memory", "--port", "0"], { PORT: String(port) });
      await flagWins.listening;

      expect((await post(url + PATH, { action: "list_flows" })).status).toBe(200);
      envWins.child.kill("SIGTERM");
      flagWins.child.kill("SIGINT");
      expect((await envWins.exited).code).toBe(0);
      expect((await flagWins.exited).code).toBe(0);
      const lines = logLines(envWins.stdout());
      expect(lines.map((l) => l.msg)).toEqual(["listening", "request", "shutting down", "stopped"]);
      expect(lines[1]).toMatchObject({ routeId: "demo", status: 200, path: PATH });
    } finally {
      server.close();
    }
  });

  it("--generate-secret-if-missing prints a random secret once, with a curl command that works", async () => {
    const file = config("quick.json5", {
      routes: { demo: { sessionKey: "agent:main:main", secret: { source: "env", provider: "default", id: "WEBHOOK_SECRET" } } },
    });
    const c = cli(["serve", "--config", file, "--port", "0", "--db", freshDb(), "--generate-secret-if-missing"]);
    const url = await c.listening;
    await new Promise((r) => setTimeout(r, 50));
    const secret = /WEBHOOK_SECRET=([A-Za-z0-9_-]{43})\n/.exec(c.stderr())?.[1];
    expect(secret).toBeDefined();
    expect(c.stderr().split(secret!).length - 1).toBe(2); // the env line and the curl command
    expect(c.stderr()).toContain(`curl -sS -X POST '${url}${PATH}'`);
    expect(c.stdout()).not.toContain(secret!);
    const created = await post(url + PATH, { action: "create_flow", goal: "Try taskflow-webhooks" }, secret);
    expect(created.status).toBe(200);

    // Without the flag an unset secret leaves the route cold: a warning, and 401.
    const cold = cli(["serve", "--config", file, "--port", "0", "--store", "memory"]);
    const coldUrl = await cold.listening;
    expect((await post(coldUrl + PATH, { action: "list_flows" }, secret)).status).toBe(401);
    expect(logLines(cold.stdout()).find((l) => l.level === "warn")).toMatchObject({ routeId: "demo" });
    // A secret given in the environment is used as is, and nothing is printed.
    const given = cli(["serve", "--config", file, "--port", "0", "--store", "memory", "--generate-secret-if-missing"], {
      WEBHOOK_SECRET: SECRET,
    });
    const givenUrl = await given.listening;
    expect((await post(givenUrl + PATH, { action: "list_flows" })).status).toBe(200);
    expect(given.stderr()).toBe("");
  });
});

describe("durability and concurrency on SQLite", () => {
  it("kill -9 mid-load: every flow that got a 200 is still there after a restart", async () => {
    const db = freshDb();
    const file = config("durable.json", { routes: demoRoutes() });
    const first = cli(["serve", "--config", file, "--port", "0", "--db", db]);
    const url = await first.listening;

    const acknowledged: string[] = [];
    let killed = false;
    const fire = async (i: number) => {
      try {
        const r = await post(url + PATH, { action: "create_flow", goal: `load ${i}` });
        if (r.status === 200) acknowledged.push(r.body.result.flow.flowId as string);
        if (acknowledged.length >= 100 && !killed) {
          killed = true;
          first.child.kill("SIGKILL");
        }
      } catch {
        /* connection cut by the kill */
      }
    };
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => fire(batch * 20 + i)));
    }
    const exit = await first.exited;
    if (!killed) first.child.kill("SIGKILL");
    expect(killed).toBe(true);
    expect(exit.signal).toBe("SIGKILL");
    expect(acknowledged.length).toBeGreaterThanOrEqual(100);
    expect(acknowledged.length).toBeLessThan(200);

    const second = cli(["serve", "--config", file, "--port", "0", "--db", db]);
    const url2 = await second.listening;
    const missing: string[] = [];
    for (let i = 0; i < acknowledged.length; i += 25) {
      const got = await Promise.all(acknowledged.slice(i, i + 25).map((flowId) => post(url2 + PATH, { action: "get_flow", flowId })));
      got.forEach((r, j) => {
        if (r.body.result.flow?.flowId !== acknowledged[i + j]) missing.push(acknowledged[i + j]!);
      });
    }
    expect(missing).toEqual([]);
    second.child.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);
  });

  it("two processes on one database: exactly one set_waiting applies per revision, the rest are 409", async () => {
    const db = freshDb();
    const file = config("race.json", { routes: demoRoutes() });
    const a = cli(["serve", "--config", file, "--port", "0", "--db", db]);
    const b = cli(["serve", "--config", file, "--port", "0", "--db", db]);
    const [urlA, urlB] = await Promise.all([a.listening, b.listening]);
    const flowId = (await post(urlA + PATH, { action: "create_flow", goal: "race" })).body.result.flow.flowId as string;

    const ROUNDS = 40;
    for (let revision = 0; revision < ROUNDS; revision++) {
      const body = { action: "set_waiting", flowId, expectedRevision: revision, currentStep: `r${revision}` };
      const answers = await Promise.all([urlA, urlB, urlA, urlB].map((url) => post(url + PATH, body)));
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses, `revision ${revision}`).toEqual([200, 409, 409, 409]);
      for (const r of answers.filter((x) => x.status === 409)) {
        expect(r.body).toMatchObject({ code: "revision_conflict", result: { current: { revision: revision + 1 } } });
      }
    }
    const final = await post(urlB + PATH, { action: "get_flow", flowId });
    expect(final.body.result.flow.revision).toBe(ROUNDS);
  });
});
