// The CLI's tools beside `serve`: --version, openapi, check, send, and the log flags.
// Needs `pnpm build` (`pnpm test` at the root builds first).
import { readFileSync, utimesSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../src/index.js";
import { stalePackages } from "../../../scripts/build-if-stale.mjs";
import { PATH, SECRET, SESSION, assertBuilt, demoRoutes, spawnCli, tempDir, type Cli } from "./support.js";

const tmp = tempDir();
const children: Cli[] = [];
const servers: RunningServer[] = [];
beforeAll(() => assertBuilt());
afterEach(async () => {
  for (const c of children.splice(0)) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill("SIGKILL");
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => tmp.remove());

async function run(args: string[], env: Record<string, string | undefined> = {}) {
  const c = spawnCli(args, env);
  children.push(c);
  const { code } = await c.exited;
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

async function server(): Promise<RunningServer> {
  const s = await startServer({ config: { routes: demoRoutes() }, port: 0, store: "memory", log: () => {} });
  servers.push(s);
  return s;
}

describe("--version and openapi", () => {
  it("prints the package version", async () => {
    const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    const { code, stdout } = await run(["--version"]);
    expect(code).toBe(0);
    expect(stdout).toBe(`taskflow-webhooks ${version}\n`);
  });

  it("prints the core's shipped OpenAPI document", async () => {
    const shipped = readFileSync(createRequire(import.meta.url).resolve("@taskflow-webhooks/core/openapi.json"), "utf8");
    const { code, stdout } = await run(["openapi"]);
    expect(code).toBe(0);
    expect(stdout).toBe(shipped);
    expect(JSON.parse(stdout).openapi).toBe("3.1.0");
  });
});

describe("check", () => {
  const routes = {
    demo: { sessionKey: SESSION, secret: { source: "env", provider: "default", id: "CHECK_SECRET" } },
    inline: { sessionKey: SESSION, secret: SECRET },
    off: { sessionKey: SESSION, secret: "x", enabled: false },
  };

  it("exit 0 when every enabled route is hot; the secret never appears", async () => {
    const file = tmp.file("check-ok.json", { routes });
    const { code, stdout, stderr } = await run(["check", "--config", file], { CHECK_SECRET: "env-secret-value-123456" });
    expect(code).toBe(0);
    expect(stdout).toContain(`${file}: valid`);
    expect(stdout).toMatch(/route demo\s+\/plugins\/webhooks\/demo\s+hot \(1 secret\)/);
    expect(stdout).toMatch(/route inline\s+\/plugins\/webhooks\/inline\s+hot/);
    expect(stdout).toMatch(/route off\s+\/plugins\/webhooks\/off\s+disabled/);
    expect(stdout + stderr).not.toContain("env-secret-value-123456");
    expect(stdout + stderr).not.toContain(SECRET);
  });

  it("exit 2 naming a cold route and why (the env var, not a value)", async () => {
    const file = tmp.file("check-cold.json", { routes });
    const { code, stdout } = await run(["check", "--config", file]);
    expect(code).toBe(2);
    expect(stdout).toMatch(/route demo\s+\/plugins\/webhooks\/demo\s+COLD: .*CHECK_SECRET/);
    expect(stdout).toMatch(/route inline .* hot/);
    expect(stdout).not.toContain(SECRET);
  });

  it("exit 2 with every problem's config path for an invalid file (server block included)", async () => {
    const file = tmp.file("check-bad.json5", `{ routes: { demo: { secret: "${SECRET}" } }, server: { port: "x" } }`);
    const { code, stderr, stdout } = await run(["check", "--config", file]);
    expect(code).toBe(2);
    expect(stderr).toContain("routes.demo.sessionKey: is required");
    expect(stderr).toContain("server.port");
    expect(stdout + stderr).not.toContain(SECRET);
  });
});

describe("send", () => {
  it("builds the action from --field (JSON where it parses), prints status, limit headers and the pretty body", async () => {
    const s = await server();
    const url = `${s.url}${PATH}`;
    const { code, stdout } = await run(
      ["send", "create_flow", "--field", "goal=Review inbound queue", "--field", 'stateJson={"n":1}', "--url", url, "--secret-env", "HOOK_SECRET"],
      { HOOK_SECRET: SECRET },
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/^HTTP 200 OK\n/);
    expect(stdout).toContain("ratelimit-limit: 1000000\n");
    const body = JSON.parse(stdout.slice(stdout.indexOf("\n\n") + 2));
    expect(body.result.flow).toMatchObject({ goal: "Review inbound queue", stateJson: { n: 1 } });
    expect(stdout).toContain('\n  "ok": true,\n'); // pretty-printed
    expect(stdout).not.toContain(SECRET);

    const flowId = body.result.flow.flowId as string;
    const stale = await run(
      ["send", "set_waiting", "-f", `flowId=${flowId}`, "-f", "expectedRevision=5", "--url", url, "--secret-env", "HOOK_SECRET"],
      { HOOK_SECRET: SECRET },
    );
    expect(stale.code).toBe(4);
    expect(stale.stdout).toMatch(/^HTTP 409 Conflict\n/);
    expect(stale.stdout).toContain('"code": "revision_conflict"');
  });

  it("exit 4 for a wrong secret, 2 when the secret variable is unset, 1 when nothing listens", async () => {
    const s = await server();
    const url = `${s.url}${PATH}`;
    const wrong = await run(["send", "list_flows", "--url", url, "--secret-env", "HOOK_SECRET"], { HOOK_SECRET: "not-the-secret" });
    expect(wrong.code).toBe(4);
    expect(wrong.stdout).toMatch(/^HTTP 401 Unauthorized\n/);
    expect(wrong.stdout).not.toContain("not-the-secret");

    const unset = await run(["send", "list_flows", "--url", url, "--secret-env", "HOOK_SECRET"]);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain("HOOK_SECRET is not set");

    await s.close();
    const down = await run(["send", "list_flows", "--url", url, "--secret-env", "HOOK_SECRET"], { HOOK_SECRET: SECRET });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("ECONNREFUSED");
  });

  it("sends Idempotency-Key and shows the replay header", async () => {
    const s = await server();
    const args = ["send", "create_flow", "-f", "goal=Once", "--idempotency-key", "order-1", "--url", `${s.url}${PATH}`, "--secret-env", "K"];
    const first = await run(args, { K: SECRET });
    const second = await run(args, { K: SECRET });
    expect(first.code).toBe(0);
    expect(first.stdout).not.toContain("idempotent-replayed");
    expect(second.stdout).toContain("idempotent-replayed: true\n");
    expect(second.stdout.slice(second.stdout.indexOf("\n\n"))).toBe(first.stdout.slice(first.stdout.indexOf("\n\n")));
  });
});

describe("serve log flags and the listening line", () => {
  it("--log-format pretty writes terminal lines; the listening line shows the real bind address", async () => {
    const file = tmp.file("pretty.json", { routes: demoRoutes() });
    const c = spawnCli(["serve", "--config", file, "--store", "memory", "--port", "0", "--host", "localhost", "--log-format", "pretty"]);
    children.push(c);
    await waitFor(() => c.stdout().includes(" listening "));
    const line = c.stdout().split("\n").find((l) => l.includes(" listening "))!;
    expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}listening address=(127\.0\.0\.1|\[::1\]):\d+ url=http:\/\/localhost:\d+ /);
    expect(c.stdout()).not.toContain("{");
    c.child.kill("SIGINT");
    expect((await c.exited).code).toBe(0);
  });

  it("--log-level warn drops info lines; a bad level is a usage error", async () => {
    const cold = tmp.file("quiet-cold.json", {
      routes: { demo: { sessionKey: SESSION, secret: { source: "env", provider: "default", id: "UNSET_FOR_TEST" } } },
    });
    const port = await freePort();
    const c = spawnCli(["serve", "--config", cold, "--store", "memory", "--port", String(port), "--log-level", "warn"]);
    children.push(c);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200);
    await fetch(`http://127.0.0.1:${port}${PATH}`, { method: "POST" });
    c.child.kill("SIGTERM");
    expect((await c.exited).code).toBe(0);
    const lines = c.stdout().trim().split("\n").map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.level === "warn")).toBe(true);
    expect(c.stdout()).toContain("UNSET_FOR_TEST");

    const bad = await run(["serve", "--config", cold, "--log-level", "loud"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--log-level must be one of debug, info, warn, error, not "loud"');
  });
});

describe("pnpm start's build check", () => {
  it("builds a package whose dist is missing or older than a source file, and nothing else", () => {
    const root = join(tmp.dir, "packages");
    const pkg = (name: string, srcTime: number, distTime: number | undefined) => {
      mkdirSync(join(root, name, "src"), { recursive: true });
      writeFileSync(join(root, name, "package.json"), "{}");
      writeFileSync(join(root, name, "src", "index.ts"), "");
      utimesSync(join(root, name, "package.json"), 1_000, 1_000);
      utimesSync(join(root, name, "src", "index.ts"), srcTime, srcTime);
      if (distTime === undefined) return;
      mkdirSync(join(root, name, "dist"), { recursive: true });
      writeFileSync(join(root, name, "dist", "index.js"), "");
      utimesSync(join(root, name, "dist", "index.js"), distTime, distTime);
    };
    const now = Date.now() / 1000;
    pkg("fresh", now - 100, now - 10);
    pkg("edited", now - 5, now - 10);
    pkg("unbuilt", now - 100, undefined);
    // A test kept next to the sources is not built: editing it leaves the package fresh.
    pkg("test-edited", now - 100, now - 10);
    writeFileSync(join(root, "test-edited", "src", "index.test.ts"), "");
    expect(stalePackages(root).sort()).toEqual(["edited", "unbuilt"]);
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((r) => setTimeout(r, 20));
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  return port;
}
