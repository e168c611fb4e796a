import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createNodeSecretResolver } from "./node-secret-resolver.js";
import { resolveRouteSecrets } from "./resolve-route-secrets.js";
import { assertWebhooksConfig } from "../config/parse-config.js";
import { recordingLogger } from "../../test/support.js";

const dir = mkdtempSync(join(tmpdir(), "tfw-secrets-"));
const file = (name: string, content: string, mode = 0o600) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
};
const script = (name: string, body: string) => file(name, `#!/usr/bin/env node\n${body}\n`, 0o700);

describe("node secret resolver", () => {
  it("env: reads the variable; unset or blank fails", async () => {
    const r = createNodeSecretResolver({ env: { A: "alpha", B: "  " } });
    expect(await r.resolve({ source: "env", provider: "default", id: "A" })).toBe("alpha");
    await expect(r.resolve({ source: "env", provider: "default", id: "B" })).rejects.toThrow("environment variable B is not set");
    await expect(r.resolve({ source: "env", provider: "default", id: "C" })).rejects.toThrow("environment variable C is not set");
  });

  it("file: JSON pointer into a JSON file, or the whole file in singleValue mode", async () => {
    const json = file("s.json", JSON.stringify({ hooks: { "a/b": "ptr-secret", n: 1 } }));
    const single = file("s.txt", "whole-file-secret\n");
    const r = createNodeSecretResolver({
      providers: { vault: { source: "file", path: json }, one: { source: "file", path: single, mode: "singleValue" } },
    });
    expect(await r.resolve({ source: "file", provider: "vault", id: "/hooks/a~1b" })).toBe("ptr-secret");
    expect(await r.resolve({ source: "file", provider: "one", id: "value" })).toBe("whole-file-secret");
    await expect(r.resolve({ source: "file", provider: "vault", id: "/hooks/n" })).rejects.toThrow(/no string at \/hooks\/n/);
    await expect(r.resolve({ source: "file", provider: "vault", id: "hooks" })).rejects.toThrow(/JSON pointer/);
    await expect(r.resolve({ source: "file", provider: "nope", id: "/x" })).rejects.toThrow(/not configured/);
  });

  it("file: an unreadable or invalid file fails without echoing its content", async () => {
    const bad = file("bad.json", "not json: hunter2");
    const r = createNodeSecretResolver({
      providers: { bad: { source: "file", path: bad }, missing: { source: "file", path: join(dir, "none.json") } },
    });
    await expect(r.resolve({ source: "file", provider: "bad", id: "/x" })).rejects.toThrow(/is not valid JSON/);
    await expect(r.resolve({ source: "file", provider: "bad", id: "/x" })).rejects.not.toThrow(/hunter2/);
    await expect(r.resolve({ source: "file", provider: "missing", id: "/x" })).rejects.toThrow(/ENOENT/);
  });

  it("exec: speaks the JSON protocol on stdin/stdout without a shell", async () => {
    const cmd = script(
      "exec-ok.js",
      `let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const q=JSON.parse(s);process.stdout.write(JSON.stringify({protocolVersion:1,values:Object.fromEntries(q.ids.map(i=>[i,q.provider+":"+i]))}))})`,
    );
    const r = createNodeSecretResolver({ providers: { vault: { source: "exec", command: cmd } } });
    expect(await r.resolve({ source: "exec", provider: "vault", id: "hook" })).toBe("vault:hook");
  });

  it("exec: relative command, non-zero exit, bad output and timeouts fail", async () => {
    const fails = script("exec-fail.js", "process.exit(3)");
    const junk = script("exec-junk.js", "process.stdout.write('{nope')");
    const slow = script("exec-slow.js", "setTimeout(()=>{}, 60000)");
    const r = createNodeSecretResolver({
      providers: {
        rel: { source: "exec", command: "node" },
        fails: { source: "exec", command: fails },
        junk: { source: "exec", command: junk },
        slow: { source: "exec", command: slow, timeoutMs: 200 },
      },
    });
    const ref = (provider: string) => ({ source: "exec" as const, provider, id: "x" });
    await expect(r.resolve(ref("rel"))).rejects.toThrow(/absolute path/);
    await expect(r.resolve(ref("fails"))).rejects.toThrow(/exited with code 3/);
    await expect(r.resolve(ref("junk"))).rejects.toThrow(/gave no value/);
    await expect(r.resolve(ref("slow"))).rejects.toThrow(/timed out after 200 ms/);
  });

  it("store refs are Gateway-only", async () => {
    await expect(createNodeSecretResolver().resolve({ source: "store", provider: "p", id: "i" })).rejects.toThrow(/Gateway/);
  });
});

describe("resolveRouteSecrets", () => {
  it("keeps a route with an unresolvable secret cold, with one warning naming route and reason but never a value", async () => {
    const config = assertWebhooksConfig({
      routes: {
        good: { sessionKey: "s", secret: [{ source: "env", provider: "default", id: "GOOD" }, "plain-secret"] },
        cold: { sessionKey: "s", secret: { source: "env", provider: "default", id: "MISSING" } },
      },
    });
    const logger = recordingLogger();
    const resolved = await resolveRouteSecrets(config, createNodeSecretResolver({ env: { GOOD: "env-secret" } }), logger);
    expect(resolved.get("good")).toEqual({ secrets: ["env-secret", "plain-secret"] });
    expect(resolved.get("cold")).toEqual({ coldReason: "environment variable MISSING is not set" });
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]!.fields).toEqual({ routeId: "cold", reason: "environment variable MISSING is not set" });
    expect(JSON.stringify(logger.lines)).not.toMatch(/env-secret|plain-secret/);
  });
});
