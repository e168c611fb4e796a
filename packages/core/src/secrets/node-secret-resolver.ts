// SecretRef resolution outside the Gateway: env vars, files and exec providers, resolved
// once at start-up. Exec runs an absolute command without a shell in its own process
// group, speaks JSON on stdin/stdout and is killed as a group at the timeout; start-up never
// waits longer. Files are read only when they are regular files of at most 64 KiB.
import { spawn } from "node:child_process";
import { constants, type Stats } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { isAbsolute } from "node:path";
import type { SecretRef, SecretResolver } from "../ports/secret-resolver.js";
import { SecretResolutionError } from "./resolve-route-secrets.js";

export type SecretProviderConfig =
  | { source: "env" }
  /** `mode: "json"` (default): `id` is a JSON pointer into the file; `"singleValue"`: the whole file. */
  | { source: "file"; path: string; mode?: "json" | "singleValue" }
  | { source: "exec"; command: string; args?: string[]; timeoutMs?: number; maxOutputBytes?: number };

export interface NodeSecretResolverOptions {
  env?: Record<string, string | undefined>;
  /** Named providers; `env` works without one. */
  providers?: Record<string, SecretProviderConfig>;
}

const EXEC_TIMEOUT_MS = 10_000;
const EXEC_MAX_OUTPUT = 1024 * 1024;
/** File SecretRefs read at most this much (a secrets file, not a data file). */
export const FILE_MAX_BYTES = 64 * 1024;

export function createNodeSecretResolver(options: NodeSecretResolverOptions = {}): SecretResolver {
  const env = options.env ?? process.env;
  const providers = options.providers ?? {};
  return {
    async resolve(ref: SecretRef) {
      const provider = providers[ref.provider];
      if (provider && provider.source !== ref.source) {
        throw new SecretResolutionError(`provider "${ref.provider}" is a ${provider.source} provider, not ${ref.source}`);
      }
      switch (ref.source) {
        case "env":
          return fromEnv(env, ref.id);
        case "file":
          if (provider?.source !== "file") throw new SecretResolutionError(`file provider "${ref.provider}" is not configured`);
          return fromFile(provider, ref.id);
        case "exec":
          if (provider?.source !== "exec") throw new SecretResolutionError(`exec provider "${ref.provider}" is not configured`);
          return fromExec(provider, ref);
        default:
          throw new SecretResolutionError(`SecretRef source "${ref.source}" is only available inside the OpenClaw Gateway`);
      }
    },
  };
}

function fromEnv(env: Record<string, string | undefined>, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === "") throw new SecretResolutionError(`environment variable ${name} is not set`);
  return value;
}

async function fromFile(provider: { path: string; mode?: "json" | "singleValue" }, id: string): Promise<string> {
  const content = await readSecretFile(provider.path);
  if (provider.mode === "singleValue") return content.trim();
  let document: unknown;
  try {
    document = JSON.parse(content);
  } catch {
    throw new SecretResolutionError(`secret file ${provider.path} is not valid JSON`);
  }
  const value = jsonPointer(document, id);
  if (typeof value !== "string") throw new SecretResolutionError(`secret file ${provider.path} has no string at ${id}`);
  return value;
}

/**
 * Reads a regular file of at most FILE_MAX_BYTES. Opened non-blocking so a FIFO without a
 * writer cannot hang start-up (a blocking open would also pin a libuv thread for good);
 * the type is checked with fstat on the opened descriptor, so a path swapped between a
 * check and the open cannot slip a device or FIFO in; and at most cap + 1 bytes are read
 * even if the file grows after fstat.
 */
async function readSecretFile(path: string): Promise<string> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new SecretResolutionError(`secret file ${path} could not be read (${errorCode(error)})`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new SecretResolutionError(`secret file ${path} is not a regular file (${fileKind(stat)})`);
    if (stat.size > FILE_MAX_BYTES) {
      throw new SecretResolutionError(`secret file ${path} is larger than ${FILE_MAX_BYTES} bytes`);
    }
    const buffer = Buffer.alloc(FILE_MAX_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > FILE_MAX_BYTES) throw new SecretResolutionError(`secret file ${path} is larger than ${FILE_MAX_BYTES} bytes`);
    return buffer.toString("utf8", 0, length);
  } catch (error) {
    if (error instanceof SecretResolutionError) throw error;
    throw new SecretResolutionError(`secret file ${path} could not be read (${errorCode(error)})`);
  } finally {
    await handle.close().catch(() => {});
  }
}

function fileKind(stat: Stats): string {
  if (stat.isDirectory()) return "a directory";
  if (stat.isFIFO()) return "a FIFO";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  if (stat.isSocket()) return "a socket";
  return "not a file";
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException)?.code ?? "error";
}

/** RFC 6901 JSON pointer (`/a/b~1c`). */
function jsonPointer(document: unknown, pointer: string): unknown {
  if (pointer === "") return document;
  if (!pointer.startsWith("/")) throw new SecretResolutionError(`file secret id must be a JSON pointer starting with "/"`);
  let node: unknown = document;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function fromExec(
  provider: { command: string; args?: string[]; timeoutMs?: number; maxOutputBytes?: number },
  ref: SecretRef,
): Promise<string> {
  if (!isAbsolute(provider.command)) {
    return Promise.reject(new SecretResolutionError(`exec provider "${ref.provider}" command must be an absolute path`));
  }
  const timeoutMs = provider.timeoutMs ?? EXEC_TIMEOUT_MS;
  const maxOutput = provider.maxOutputBytes ?? EXEC_MAX_OUTPUT;
  return new Promise((resolve, reject) => {
    // Its own process group (detached), so the timeout can kill the command and everything
    // it started: killing only `sh` left a `sleep` holding stdout open for its full run.
    const child = spawn(provider.command, provider.args ?? [], { shell: false, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderrSize = 0;
    let settled = false;
    let failure: string | undefined;

    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // The group is already gone.
      }
    };
    // Settles once. A failure does not wait for "close": a grandchild may keep the pipes
    // open after the kill, so the pipes are destroyed and start-up moves on.
    const finish = (error: string | undefined, value?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error !== undefined) {
        killGroup();
        child.stdout.destroy();
        child.stderr.destroy();
        child.stdin.destroy();
        child.unref();
        reject(new SecretResolutionError(error));
      } else resolve(value!);
    };

    const timer = setTimeout(() => finish(`exec provider "${ref.provider}" timed out after ${timeoutMs} ms`), timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxOutput) finish(`exec provider "${ref.provider}" printed more than ${maxOutput} bytes`);
      else chunks.push(chunk);
    });
    // stderr is drained (a full pipe would stall the command) but never kept or logged: it
    // may echo the secret. Past the cap the command is stopped.
    child.stderr.on("data", (chunk: Buffer) => {
      stderrSize += chunk.byteLength;
      if (stderrSize > maxOutput) finish(`exec provider "${ref.provider}" wrote more than ${maxOutput} bytes to stderr`);
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      failure ??= `exec provider "${ref.provider}" could not start (${error.code ?? "error"})`;
      finish(failure);
    });
    child.on("close", (code) => {
      if (failure) return finish(failure);
      if (code !== 0) return finish(`exec provider "${ref.provider}" exited with code ${code}`);
      try {
        const reply = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          protocolVersion?: unknown;
          values?: Record<string, unknown>;
        };
        const value = reply.protocolVersion === 1 ? reply.values?.[ref.id] : undefined;
        if (typeof value !== "string") throw new Error();
        finish(undefined, value);
      } catch {
        finish(`exec provider "${ref.provider}" gave no value for "${ref.id}"`);
      }
    });
    child.stdin.on("error", () => {});
    child.stdin.end(JSON.stringify({ protocolVersion: 1, provider: ref.provider, ids: [ref.id] }));
  });
}
