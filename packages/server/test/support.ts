// Test helpers: temp directories, JSON posts, and a spawned CLI whose structured stdout is
// watched for the "listening" line.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const SECRET = "server-test-secret-0123456789";
export const PATH = "/plugins/webhooks/demo";
export const SESSION = "agent:main:main";

const here = dirname(fileURLToPath(import.meta.url));
export const CLI = join(here, "..", "dist", "cli.js");

/** A route with limits high enough for load tests from one client address. */
export const demoRoutes = (secret: unknown = SECRET) => ({
  demo: {
    sessionKey: SESSION,
    secret,
    limits: { rateLimit: { windowMs: 60_000, max: 1_000_000 }, maxInFlight: 10_000 },
  },
});

export function tempDir(): { dir: string; file(name: string, content?: unknown): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "taskflow-server-"));
  return {
    dir,
    file(name, content) {
      const path = join(dir, name);
      if (content !== undefined) writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

export async function post(url: string, body: unknown, secret = SECRET): Promise<Answer> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

export interface Cli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the server URL once the "listening" line is printed. */
  listening: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm build\` first (\`pnpm test\` does).`);
}

export function spawnCli(args: string[], env: Record<string, string | undefined> = {}): Cli {
  const merged: Record<string, string | undefined> = { ...process.env, PORT: undefined, HOST: undefined, WEBHOOK_SECRET: undefined, ...env };
  const childEnv = Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined));
  const child = spawn(process.execPath, [CLI, ...args], {
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8");
  child.stderr!.setEncoding("utf8");
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (chunk: string) => {
      out += chunk;
      for (const line of out.split("\n")) {
        if (!line.includes('"listening"')) continue;
        try {
          resolve((JSON.parse(line) as { url: string }).url);
        } catch {
          /* partial line */
        }
      }
    });
    exited.then(({ code, signal }) => reject(new Error(`CLI exited (${code ?? signal}) before listening:\n${err}`)));
  });
  listening.catch(() => {});
  child.stderr!.on("data", (chunk: string) => (err += chunk));
  return { child, stdout: () => out, stderr: () => err, listening, exited };
}

/** Structured stdout lines of a CLI run. */
export function logLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
