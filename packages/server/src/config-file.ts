// The standalone server's config file: the Gateway plugin's `routes` block (core schema,
// unchanged) plus an optional `server` block. JSON or JSON5. Every problem is reported with
// its exact config path; nothing starts until the whole file is valid.
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import JSON5 from "json5";
import * as v from "valibot";
import { isPostgresUrl } from "./connection-url.js";
import {
  toConfigIssues,
  WebhooksConfigSchema,
  createTrustedProxies,
  parseWebhooksConfig,
  type ConfigIssue,
  type SecretProviderConfig,
  type WebhooksConfig,
} from "@taskflow-webhooks/core";

const nonEmpty = v.pipe(v.string(), v.trim(), v.nonEmpty("must be a non-empty string"));
const integer = (min: number, max: number) =>
  v.pipe(v.number(), v.integer("must be an integer"), v.minValue(min, `must be >= ${min}`), v.maxValue(max, `must be <= ${max}`));

const SecretProviderSchema = v.variant(
  "source",
  [
    v.strictObject({ source: v.literal("env") }),
    v.strictObject({
      source: v.literal("file"),
      path: nonEmpty,
      mode: v.optional(v.picklist(["json", "singleValue"], "must be one of: json, singleValue")),
    }),
    v.strictObject({
      source: v.literal("exec"),
      command: nonEmpty,
      args: v.optional(v.array(v.string())),
      timeoutMs: v.optional(integer(1, 10 * 60_000)),
      maxOutputBytes: v.optional(integer(1, 64 * 1024 * 1024)),
    }),
  ],
  "must have source env, file or exec",
);

export const ServerSettingsSchema = v.strictObject({
  port: v.optional(integer(0, 65_535)),
  host: v.optional(nonEmpty),
  /**
   * SQLite file, relative to the config file's directory; `:memory:` for a throwaway store;
   * or a `postgres://…` connection string (PostgreSQL store, for several instances).
   */
  db: v.optional(nonEmpty),
  store: v.optional(v.picklist(["sqlite", "memory"], "must be one of: sqlite, memory")),
  /**
   * SQLite commit durability: "full" (default) survives power loss; "normal" survives a
   * process crash (kill -9) but may lose the last commits on power loss, and is faster.
   */
  synchronous: v.optional(v.picklist(["full", "normal"], "must be one of: full, normal")),
  /**
   * Where rate-limit windows live: "memory" (default, per process) or "sqlite" (a limiter
   * file beside the database, shared by every server process on this machine).
   */
  limiter: v.optional(
    v.union(
      [v.picklist(["memory", "sqlite"]), v.pipe(v.string(), v.trim(), v.regex(/^rediss?:\/\/\S+$/))],
      'must be "memory", "sqlite" or a redis:// / rediss:// URL',
    ),
  ),
  /** A shared limiter (Redis) that fails or times out: "allow" (default) or "deny" (503). */
  onLimiterError: v.optional(v.picklist(["allow", "deny"], "must be one of: allow, deny")),
  /** Longest a Redis limiter call may take (default 500 ms). */
  limiterTimeoutMs: v.optional(integer(1, 60_000)),
  /** PostgreSQL schema for the tables (default taskflow_webhooks): deployments can share a database. */
  dbSchema: v.optional(v.pipe(v.string(), v.regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lower-case identifier (a-z, 0-9, _)"))),
  /** Prefix of every Redis key (default taskflow-webhooks:rate:): deployments can share a Redis. */
  limiterKeyPrefix: v.optional(nonEmpty),
  /** Longest one PostgreSQL statement may take (default 5000 ms). */
  dbQueryTimeoutMs: v.optional(integer(1, 10 * 60_000)),
  trustedProxies: v.optional(v.array(nonEmpty)),
  secretProviders: v.optional(v.record(nonEmpty, SecretProviderSchema)),
  shutdownTimeoutMs: v.optional(integer(0, 10 * 60_000)),
  /** Serve Prometheus metrics on `GET /metrics` (off by default: it names the routes). */
  metrics: v.optional(v.boolean()),
  /** How long a client may take to send the request headers (default 10 000). */
  headersTimeoutMs: v.optional(integer(1_000, 10 * 60_000)),
  /** How long a whole request may take (default 30 000, or the largest bodyTimeoutMs + headersTimeoutMs). */
  requestTimeoutMs: v.optional(integer(1_000, 60 * 60_000)),
  /** Open connections per client (IPv6 /64, loopback as one; trusted proxies exempt); default 64. */
  maxConnectionsPerClient: v.optional(integer(1, 100_000)),
});

export const ServerConfigFileSchema = v.strictObject({
  ...WebhooksConfigSchema.entries,
  server: v.optional(ServerSettingsSchema),
});

export type ServerSettings = v.InferOutput<typeof ServerSettingsSchema>;

export interface ServerConfig {
  webhooks: WebhooksConfig;
  server: ServerSettings & { secretProviders?: Record<string, SecretProviderConfig> };
}

export class ServerConfigError extends Error {
  override name = "ServerConfigError";
  constructor(
    readonly issues: ConfigIssue[],
    readonly file?: string,
  ) {
    super(`Invalid config${file ? ` in ${file}` : ""}:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join("\n")}`);
  }
}

/**
 * Validates a parsed config file. Relative `server.db` and file-provider paths resolve
 * against `baseDir` (the config file's directory).
 */
export function parseServerConfig(input: unknown, baseDir = process.cwd(), file?: string): ServerConfig {
  const parsed = v.safeParse(ServerConfigFileSchema, input ?? {});
  if (!parsed.success) throw new ServerConfigError(toConfigIssues(parsed.issues), file);
  const { server = {}, ...routes } = parsed.output;
  const webhooks = parseWebhooksConfig(routes);
  if (!webhooks.ok) throw new ServerConfigError(webhooks.issues, file);
  try {
    createTrustedProxies(server.trustedProxies);
  } catch (error) {
    throw new ServerConfigError([{ path: "server.trustedProxies", message: (error as Error).message }], file);
  }
  if (server.db !== undefined && server.db !== ":memory:" && !isPostgresUrl(server.db)) server.db = resolve(baseDir, server.db);
  for (const provider of Object.values(server.secretProviders ?? {})) {
    if (provider.source === "file") provider.path = resolve(baseDir, provider.path);
  }
  return { webhooks: webhooks.config, server };
}

export class ConfigFileError extends Error {
  override name = "ConfigFileError";
}

/** Reads and validates a JSON/JSON5 config file. */
export async function loadServerConfig(file: string): Promise<ServerConfig> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigFileError(
      code === "ENOENT" ? `config file not found: ${path}` : `config file ${path} could not be read (${code ?? "error"})`,
    );
  }
  let content: unknown;
  try {
    content = JSON5.parse(text);
  } catch (error) {
    throw new ServerConfigError([{ path: "(file)", message: `not valid JSON5: ${(error as Error).message}` }], path);
  }
  return parseServerConfig(content, dirname(path), path);
}
