// Hostile secret providers over real files and real processes: an exec command whose
// grandchild keeps stdout open, a command that never exits, a FIFO with no writer,
// /dev/zero, a directory and an oversize file. Each must leave its route cold with a
// warning naming the provider or path and the reason, and start-up must go on (the test
// timeouts, far below the commands' own run time, are the bound).
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, readdirSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createMemoryTaskFlowRuntime, createNodeSecretResolver, loadWebhookHandler } from "../../src/index.js";
import { FILE_MAX_BYTES } from "../../src/secrets/node-secret-resolver.js";
import { SESSION, checkLogsAfterAll, hostileLogger } from "./support.js";

checkLogsAfterAll();

const dir = mkdtempSync(join(tmpdir(), "tfw-hostile-secrets-"));
const script = (name: string, body: string) => {
  const path = join(dir, name);
  writeFileSync(path, body);
  chmodSync(path, 0o700);
  return path;
};

/** Live (not zombie) processes whose process group is `pgid`, read from /proc. */
function liveMembersOf(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp ...; comm may contain spaces, so split after ")".
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z" && state !== "X") members.push(Number(entry));
  }
  return members;
}

async function waitFor(condition: () => boolean) {
  while (!condition()) await new Promise((r) => setTimeout(r, 20));
}

const ref = (source: "exec" | "file", provider: string) => ({ source, provider, id: source === "file" ? "/hook" : "hook" });

describe("exec secret providers", () => {
  it("a shell script whose sleep keeps stdout open is killed as a group at the timeout", { timeout: 10_000 }, async () => {
    const pidFile = join(dir, "sh.pid");
    const command = script("sleeper.sh", `#!/bin/sh\necho $$ > ${pidFile}\nsleep 20\n`);
    const resolver = createNodeSecretResolver({ providers: { slow: { source: "exec", command, timeoutMs: 1000 } } });
    await expect(resolver.resolve(ref("exec", "slow"))).rejects.toThrow('exec provider "slow" timed out after 1000 ms');
    const pgid = Number(readFileSync(pidFile, "utf8"));
    // sh and its sleep both go: nothing of the group outlives the timeout.
    await waitFor(() => liveMembersOf(pgid).length === 0);
    expect(liveMembersOf(pgid)).toEqual([]);
  });

  it("a command that exits but leaves a background child holding stdout does not hold start-up", { timeout: 10_000 }, async () => {
    const command = script("forker.sh", `#!/bin/sh\nsleep 30 &\nexit 0\n`);
    const resolver = createNodeSecretResolver({ providers: { fork: { source: "exec", command, timeoutMs: 800 } } });
    await expect(resolver.resolve(ref("exec", "fork"))).rejects.toThrow(/timed out after 800 ms/);
  });

  it("stdout and stderr are capped: a command printing without end is stopped", { timeout: 10_000 }, async () => {
    const out = script("yes-out.sh", "#!/bin/sh\nexec cat /dev/zero\n");
    const err = script("yes-err.sh", "#!/bin/sh\nexec cat /dev/zero >&2\n");
    const resolver = createNodeSecretResolver({
      providers: {
        out: { source: "exec", command: out, maxOutputBytes: 4096, timeoutMs: 5000 },
        err: { source: "exec", command: err, maxOutputBytes: 4096, timeoutMs: 5000 },
      },
    });
    await expect(resolver.resolve(ref("exec", "out"))).rejects.toThrow("printed more than 4096 bytes");
    await expect(resolver.resolve(ref("exec", "err"))).rejects.toThrow("wrote more than 4096 bytes to stderr");
  });

  it("start-up goes on with the hung route cold and the other route hot", { timeout: 10_000 }, async () => {
    const command = script("hang.sh", "#!/bin/sh\nexec sleep 20\n");
    const logger = hostileLogger();
    const handler = await loadWebhookHandler({
      config: {
        routes: {
          hung: { sessionKey: SESSION, secret: ref("exec", "hang") },
          fine: { sessionKey: SESSION, secret: "a-plain-secret-of-enough-length" },
        },
      },
      taskFlow: createMemoryTaskFlowRuntime(),
      secretResolver: createNodeSecretResolver({ providers: { hang: { source: "exec", command, timeoutMs: 500 } } }),
      logger,
    });
    expect(handler.routes.map((r) => [r.id, r.cold])).toEqual([["hung", true], ["fine", false]]);
    expect(logger.lines).toContainEqual({
      level: "warn",
      message: "webhook route secret unavailable; route stays cold (401)",
      fields: { routeId: "hung", reason: 'exec provider "hang" timed out after 500 ms' },
    });
  });
});

describe("file secret providers", () => {
  const fifo = join(dir, "secret.fifo");
  execFileSync("mkfifo", [fifo]);
  const big = join(dir, "big.json");
  writeFileSync(big, "");
  truncateSync(big, 400 * 1024 * 1024); // sparse: 400 MB on paper, no disk used
  const justOver = join(dir, "over.json");
  writeFileSync(justOver, JSON.stringify({ hook: "x".repeat(FILE_MAX_BYTES) }));
  const atCap = join(dir, "at-cap.txt");
  writeFileSync(atCap, "s".repeat(FILE_MAX_BYTES));

  const providers = {
    fifo: { source: "file" as const, path: fifo },
    zero: { source: "file" as const, path: "/dev/zero" },
    dir: { source: "file" as const, path: dir },
    big: { source: "file" as const, path: big },
    over: { source: "file" as const, path: justOver },
    cap: { source: "file" as const, path: atCap, mode: "singleValue" as const },
  };
  const resolver = createNodeSecretResolver({ providers });

  it("refuses a FIFO without blocking on it", { timeout: 10_000 }, async () => {
    await expect(resolver.resolve(ref("file", "fifo"))).rejects.toThrow(`secret file ${fifo} is not a regular file (a FIFO)`);
  });

  it("refuses /dev/zero and a directory", async () => {
    await expect(resolver.resolve(ref("file", "zero"))).rejects.toThrow("secret file /dev/zero is not a regular file (a character device)");
    await expect(resolver.resolve(ref("file", "dir"))).rejects.toThrow(`secret file ${dir} is not a regular file (a directory)`);
  });

  it(`refuses files over ${FILE_MAX_BYTES} bytes, reading a file at the cap`, async () => {
    await expect(resolver.resolve(ref("file", "big"))).rejects.toThrow(`secret file ${big} is larger than 65536 bytes`);
    await expect(resolver.resolve(ref("file", "over"))).rejects.toThrow(`secret file ${justOver} is larger than 65536 bytes`);
    expect(await resolver.resolve({ source: "file", provider: "cap", id: "value" })).toHaveLength(FILE_MAX_BYTES);
  });

  it("each refused file leaves its route cold with a warning naming the path and the reason", { timeout: 10_000 }, async () => {
    const logger = hostileLogger();
    const handler = await loadWebhookHandler({
      config: {
        routes: {
          fifo: { sessionKey: SESSION, secret: ref("file", "fifo") },
          zero: { sessionKey: SESSION, secret: ref("file", "zero") },
          big: { sessionKey: SESSION, secret: ref("file", "big") },
        },
      },
      taskFlow: createMemoryTaskFlowRuntime(),
      secretResolver: resolver,
      logger,
    });
    expect(handler.routes.every((r) => r.cold)).toBe(true);
    const reasons = Object.fromEntries(logger.lines.map((l) => [l.fields?.routeId, l.fields?.reason]));
    expect(reasons).toEqual({
      fifo: `secret file ${fifo} is not a regular file (a FIFO)`,
      zero: "secret file /dev/zero is not a regular file (a character device)",
      big: `secret file ${big} is larger than 65536 bytes`,
    });
  });
});
