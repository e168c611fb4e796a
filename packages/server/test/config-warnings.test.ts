// The built CLI on weak or mistaken config (issue 13's "config warnings", issue 14 item 7):
// a short plain secret and a config without enabled routes are warned about (refused with
// --strict, exit 2), a SecretRef missing a field names it, unreachable route paths and
// route ids colliding after trimming stop the start, and a --db under a file is a clear
// start-up error. Needs `pnpm build`.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SESSION, assertBuilt, demoRoutes, logLines, spawnCli, tempDir, type Cli } from "./support.js";

const tmp = tempDir();
const children: Cli[] = [];
beforeAll(() => assertBuilt());
afterEach(() => {
  for (const c of children.splice(0)) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill("SIGKILL");
});
afterAll(() => tmp.remove());

function serve(config: unknown, ...args: string[]) {
  const file = tmp.file(`config-${children.length}-${Math.random().toString(36).slice(2)}.json`, config);
  const c = spawnCli(["serve", "--config", file, "--port", "0", "--store", "memory", ...args]);
  children.push(c);
  return c;
}

describe("config warnings and checks at start-up", () => {
  it("a plain secret shorter than 16 bytes is a warning naming the route; --strict refuses it (exit 2)", async () => {
    const warned = serve({ routes: demoRoutes("short-secret") });
    await warned.listening;
    const warning = logLines(warned.stdout()).find((l) => l.msg === "webhook config warning");
    expect(warning).toMatchObject({ level: "warn", path: "routes.demo.secret" });
    expect(String(warning!.warning)).toContain("shorter than 16 bytes");
    expect(warned.stdout()).not.toContain("short-secret");
    warned.child.kill("SIGTERM");
    await warned.exited;

    const strict = serve({ routes: demoRoutes("short-secret") }, "--strict");
    expect((await strict.exited).code).toBe(2);
    expect(strict.stderr()).toContain("routes.demo.secret: secret is shorter than 16 bytes");
    expect(strict.stderr()).toContain("--strict");
    expect(strict.stderr()).not.toContain("short-secret");
  });

  it("a config with no enabled route is a warning", async () => {
    const c = serve({ routes: { demo: { ...demoRoutes().demo, enabled: false } } });
    await c.listening;
    expect(logLines(c.stdout()).find((l) => l.msg === "webhook config warning")).toMatchObject({ path: "routes" });
    c.child.kill("SIGTERM");
    await c.exited;
  });

  it("a SecretRef missing a field names the field (exit 2)", async () => {
    const c = serve({ routes: { demo: { sessionKey: SESSION, secret: { source: "env", id: "WEBHOOK_SECRET" } } } });
    expect((await c.exited).code).toBe(2);
    expect(c.stderr()).toContain("routes.demo.secret.provider: is required");
  });

  it("unreachable route paths and route ids colliding after trimming stop the start, naming both", async () => {
    const c = serve({
      routes: {
        q: { ...demoRoutes().demo, path: "/hooks?token=1" },
        x: { ...demoRoutes().demo, path: "/x" },
        " x": { ...demoRoutes().demo, path: "/y" },
      },
    });
    expect((await c.exited).code).toBe(2);
    expect(c.stderr()).toContain('routes.q.path: no request can reach this path: it contains "?"');
    expect(c.stderr()).toContain('route ids "x" and " x" are both "x" once trimmed');
  });

  it("a --db whose parent is a file is a clear start-up error (exit 1)", async () => {
    const file = join(tmp.dir, "not-a-dir");
    writeFileSync(file, "");
    const c = spawnCli(["serve", "--config", tmp.file("db.json", { routes: demoRoutes() }), "--port", "0", "--db", join(file, "flows.sqlite")]);
    children.push(c);
    expect((await c.exited).code).toBe(1);
    expect(c.stderr()).toContain(`cannot use the database ${join(file, "flows.sqlite")}: ${file} is not a directory`);
    const deeper = spawnCli(["serve", "--config", tmp.file("db2.json", { routes: demoRoutes() }), "--port", "0", "--db", join(file, "a", "flows.sqlite")]);
    children.push(deeper);
    expect((await deeper.exited).code).toBe(1);
    expect(deeper.stderr()).toContain(`cannot create the database directory ${join(file, "a")}: a part of that path is a file, not a directory`);
  });
});
