// SecretRef resolution outside the Gateway: env vars, files and exec providers, resolved
// once at start-up. Exec runs an absolute command without a shell, speaks JSON on
// stdin/stdout and is killed after a timeout.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
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
  let content: string;
  try {
    content = await readFile(provider.path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new SecretResolutionError(`secret file ${provider.path} could not be read (${code})`);
  }
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
    const child = spawn(provider.command, provider.args ?? [], { shell: false, stdio: ["pipe", "pipe", "ignore"] });
    const chunks: Buffer[] = [];
    let size = 0;
    let failure: string | undefined;
    const timer = setTimeout(() => {
      failure = `exec provider "${ref.provider}" timed out after ${timeoutMs} ms`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxOutput) {
        failure = `exec provider "${ref.provider}" printed more than ${maxOutput} bytes`;
        child.kill("SIGKILL");
      } else chunks.push(chunk);
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      failure ??= `exec provider "${ref.provider}" could not start (${error.code ?? "error"})`;
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (failure) return reject(new SecretResolutionError(failure));
      if (code !== 0) return reject(new SecretResolutionError(`exec provider "${ref.provider}" exited with code ${code}`));
      try {
        const reply = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          protocolVersion?: unknown;
          values?: Record<string, unknown>;
        };
        const value = reply.protocolVersion === 1 ? reply.values?.[ref.id] : undefined;
        if (typeof value !== "string") throw new Error();
        resolve(value);
      } catch {
        reject(new SecretResolutionError(`exec provider "${ref.provider}" gave no value for "${ref.id}"`));
      }
    });
    child.stdin.on("error", () => {});
    child.stdin.end(JSON.stringify({ protocolVersion: 1, provider: ref.provider, ids: [ref.id] }));
  });
}
