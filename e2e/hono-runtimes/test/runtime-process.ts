// Starts one runtime (Bun, Deno, or Node driving workerd through Miniflare) as a child
// process serving app/, and hands the transport kit what it needs of a server in another
// process: the URL, the app's log lines and in-flight count (read over HTTP), its stderr.
// A runtime whose npm package did not install fails with what is missing, not a skip.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer, type AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TransportKitServer, TransportLogLine } from "@taskflow-webhooks/core/testing";

export const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
const requireHere = createRequire(join(PACKAGE_DIR, "package.json"));
const STATE_PATH = "/__kit/state";
const START_BOUND_MS = 45_000;

/** The version e2e/hono-runtimes/package.json pins for an npm package. */
export const pinned = (name: string): string => manifest.devDependencies[name]!;

/** Where an installed npm package lives (from e2e/hono-runtimes, or from `from`'s package). */
export function packageDir(name: string, from = requireHere): string {
  return dirname(from.resolve(`${name}/package.json`));
}

/**
 * The runtime binary's `--version` output; throws naming the npm package and the
 * install step when the binary is missing or does not run (a postinstall not allowed).
 */
export function binaryVersion(runtime: string, binary: string): string {
  const fix =
    `${runtime} comes from the npm package devDependency of e2e/hono-runtimes; its postinstall must run ` +
    "(pnpm-workspace.yaml onlyBuiltDependencies), then `pnpm install` again";
  if (!existsSync(binary)) throw new Error(`${runtime} binary missing at ${binary}: ${fix}`);
  try {
    return execFileSync(binary, ["--version"], { encoding: "utf8", timeout: 20_000 }).trim();
  } catch (error) {
    throw new Error(`${runtime} binary at ${binary} does not run (${(error as Error).message.split("\n")[0]}): ${fix}`);
  }
}

export interface RuntimeServer extends TransportKitServer {
  /** The app's log lines and in-flight count as it reports them now. */
  state(): Promise<{ logs: TransportLogLine[]; inFlight: number }>;
  /** Everything the child wrote to stderr so far. */
  stderr(): string;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Where it will listen, for a program that prints no `listening <url>` line: polled instead. */
  url?: string;
}

/**
 * Spawns `command args` in e2e/hono-runtimes and waits for its `listening <url>` line (or
 * for `options.url` to answer).
 */
export async function startRuntime(name: string, command: string, args: string[], options: StartOptions = {}): Promise<RuntimeServer> {
  // Its own process group, so stopping it also stops what it started (workerd under Miniflare).
  const child = spawn(command, args, {
    cwd: PACKAGE_DIR,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
    env: { ...process.env, ...options.env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const bound = setTimeout(() => fail(`not ${options.url ? `answering at ${options.url}` : `a "listening" line`} within ${START_BOUND_MS} ms`), START_BOUND_MS);
    const fail = (why: string) => {
      clearTimeout(bound);
      stop(child);
      reject(new Error(`${name} did not start (${command} ${args.join(" ")}): ${why}\nstdout: ${stdout}\nstderr: ${stderr}`));
    };
    child.once("error", (error) => fail(error.message));
    child.once("exit", (code, signal) => fail(`exited (${code ?? signal})`));
    const ready = (at: string) => {
      clearTimeout(bound);
      child.removeAllListeners("exit");
      resolve(at);
    };
    if (options.url) void answering(options.url, () => child.exitCode === null).then((up) => up && ready(options.url!));
    else
      child.stdout!.on("data", () => {
        const found = /^listening (http:\/\/\S+)$/m.exec(stdout);
        if (found) ready(found[1]!);
      });
  });
  const state = async () => {
    const res = await fetch(`${url}${STATE_PATH}`);
    if (!res.ok) throw new Error(`${name}: ${STATE_PATH} answered ${res.status}`);
    return (await res.json()) as { logs: TransportLogLine[]; inFlight: number };
  };
  return {
    url,
    state,
    logs: async () => (await state()).logs,
    inFlight: async () => (await state()).inFlight,
    stderr: () => stderr,
    close: () => stop(child),
  };
}

/** Polls `url` until it answers at all (true), or `alive()` turns false. */
async function answering(url: string, alive: () => boolean): Promise<boolean> {
  while (alive()) {
    try {
      await fetch(url);
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return false;
}

/** A loopback port nothing listens on right now (for a program that takes PORT). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** SIGTERM to the child's process group, SIGKILL if it is still there after 5 s. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  const group = -child.pid;
  return new Promise((resolve) => {
    const hard = setTimeout(() => signal(group, "SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(hard);
      signal(group, "SIGKILL"); // anything the runtime left behind in its group
      resolve();
    });
    signal(group, "SIGTERM");
  });
}

function signal(group: number, name: NodeJS.Signals): void {
  try {
    process.kill(group, name);
  } catch {
    // already gone
  }
}
