// The standalone server: one Hono app on @hono/node-server with the webhook routes, a
// health check and a request log, over a SQLite (default) or memory TaskFlow store.
// `close()` stops accepting, lets in-flight requests finish (bounded), then closes the store.
import { mkdirSync, statSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import { toHonoResponse, webhookApp } from "@taskflow-webhooks/adapter-hono";
import {
  createMemoryTaskFlowRuntime,
  internalErrorResponse,
  configWarnings,
  createNodeSecretResolver,
  loadWebhookHandler,
  type Clock,
  type LimiterStore,
  type Logger,
  type LogFields,
  type TaskFlowRuntime,
  type WebhookHandler,
} from "@taskflow-webhooks/core";
import {
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
  DEFAULT_REQUEST_TIMEOUT_MS,
  applyConnectionLimits,
  connectionServerOptions,
  type ConnectionLimits,
} from "./connection-limits.js";
import { parseServerConfig, ServerConfigError, type ServerConfig } from "./config-file.js";
import { isPostgresUrl, isRedisUrl, redactUrl } from "./connection-url.js";
import { createServerMetrics } from "./prometheus-metrics.js";
import { answerOf, rememberAnswer, requestLog, stdoutLogSink, type LogSink } from "./request-log.js";

export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_DB = "./.data/taskflows.sqlite";
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/** A TaskFlow store the server owns: closed on shutdown, asked by `/healthz`. */
export type ServerStore = TaskFlowRuntime & {
  close?(): void | Promise<void>;
  isHealthy?(): boolean | Promise<boolean>;
  /** Why the store is not usable, shown by `/healthz` (so it must name no path or secret); wins over isHealthy. */
  healthProblem?(): string | undefined;
};

export interface StartServerOptions {
  /** The config file's content (`{routes, server?}`), or an already validated ServerConfig. */
  config: unknown;
  /** Settings below win over `config.server`. */
  port?: number;
  host?: string;
  /** SQLite file (relative to the working directory); `:memory:` for a throwaway database; or a `postgres://…` URL. */
  db?: string;
  /** `"memory"`, `"sqlite"` or a `redis://…` URL; wins over `server.limiter`. */
  limiter?: string;
  store?: "sqlite" | "memory";
  /** Use this store instead of opening one (tests, custom backends). Closed on shutdown if it has `close()`. */
  taskFlow?: ServerStore;
  /** Environment for `env` secrets. Default: `process.env`. */
  env?: Record<string, string | undefined>;
  /** Receives every structured log line. Default: JSON lines on stdout. */
  log?: LogSink;
  clock?: Clock;
  shutdownTimeoutMs?: number;
  /** Serve this handler instead of building one from `config.routes` (tests, embedding). */
  handler?: WebhookHandler;
  /** Serve Prometheus metrics on `GET /metrics` (wins over `server.metrics`). */
  metrics?: boolean;
  /** Config warnings (a secret under 16 bytes, no enabled route) stop the start (`--strict`). */
  strict?: boolean;
}

export interface RunningServer {
  /** Base URL to reach the server (a wildcard host is shown as loopback). */
  url: string;
  port: number;
  host: string;
  handler: WebhookHandler;
  /** Graceful shutdown; idempotent. */
  close(): Promise<void>;
}

export class ServerStartError extends Error {
  override name = "ServerStartError";
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const config = isServerConfig(options.config) ? options.config : parseServerConfig(options.config);
  if (options.strict) {
    const warnings = configWarnings(config.webhooks);
    if (warnings.length > 0) throw new ServerConfigError(warnings.map((w) => ({ ...w, message: `${w.message} (refused by --strict)` })));
  }
  const settings = config.server;
  const log = options.log ?? stdoutLogSink;
  const logger = logSinkLogger(log);
  const host = options.host ?? settings.host ?? DEFAULT_HOST;
  const port = options.port ?? settings.port ?? DEFAULT_PORT;
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? settings.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;

  const db = options.db ?? settings.db ?? DEFAULT_DB;
  const { store, description } = options.taskFlow
    ? { store: options.taskFlow, description: { store: "custom" } }
    : isPostgresUrl(db) && (options.store ?? settings.store) !== "memory"
      ? await openPostgresStore(db, settings, options.clock)
      : await openStore(options.store ?? settings.store ?? "sqlite", db, settings.synchronous ?? "full", options.clock);
  const limiterSetting = options.limiter ?? settings.limiter ?? "memory";
  let handler: WebhookHandler;
  let server: Server;
  let limiter: SharedLimiter | undefined;
  try {
    if (limiterSetting === "sqlite") {
      if (isPostgresUrl(db)) throw new ServerStartError('server.limiter "sqlite" needs a SQLite database; with PostgreSQL use a redis:// limiter');
      limiter = await openSharedLimiter(db);
    } else if (isRedisUrl(limiterSetting)) {
      limiter = await openRedisLimiter(limiterSetting, settings, logger);
    } else if (limiterSetting !== "memory") {
      throw new ServerStartError(`limiter must be "memory", "sqlite" or a redis:// URL, not ${JSON.stringify(redactUrl(limiterSetting))}`);
    }
    handler = options.handler ?? await loadWebhookHandler({
      config: config.webhooks,
      taskFlow: store,
      secretResolver: createNodeSecretResolver({ env: options.env ?? process.env, providers: settings.secretProviders ?? {} }),
      logger,
      trustedProxies: settings.trustedProxies ?? [],
      ...(options.clock && { clock: options.clock }),
      ...(limiter && { limiterStore: limiter.store }),
      ...(settings.onLimiterError && { onLimiterError: settings.onLimiterError }),
    });
    const denyWithoutLimiter = settings.onLimiterError === "deny";
    const app = new Hono();
    // Whatever throws outside the webhook handler's own boundary (the request log, /healthz):
    // the JSON 500 envelope with a logged correlation id, never a stack on stderr.
    app.onError((error, c) =>
      toHonoResponse(c, internalErrorResponse(error, { logger, correlationId: () => crypto.randomUUID(), source: "server" })),
    );
    app.use(requestLog(handler, log, () => performance.now()));
    if (options.metrics ?? settings.metrics ?? false) {
      const { registry, middleware } = createServerMetrics(handler, () => performance.now());
      app.use(middleware(answerOf));
      app.get("/metrics", async (c) => c.body(await registry.metrics(), 200, { "content-type": registry.contentType }));
    }
    // Each dependency answers for itself. The instance is unhealthy (503) when its TaskFlow
    // store is, or when its limiter is down and requests are denied without it; a limiter
    // outage under onLimiterError "allow" is reported but keeps the instance in rotation.
    app.on(["GET", "HEAD"], "/healthz", async (c) => {
      const problem = store.healthProblem?.();
      const [taskFlowOk, limiterOk] = await Promise.all([
        store.healthProblem ? problem === undefined : Promise.resolve(store.isHealthy?.() ?? true).catch(() => false),
        limiter?.isHealthy ? limiter.isHealthy().catch(() => false) : Promise.resolve(true),
      ]);
      const ok = taskFlowOk && (limiterOk || !denyWithoutLimiter);
      const taskFlow = { store: description.store, ok: taskFlowOk, ...(problem !== undefined && { reason: problem }) };
      return c.json({ ok, taskFlow, limiter: { store: limiter?.kind ?? "memory", ok: limiterOk } }, ok ? 200 : 503);
    });
    app.route("/", webhookApp(handler, { onResponse: rememberAnswer, logger }));
    const limits = connectionLimitsOf(config);
    server = createAdaptorServer({ fetch: app.fetch, serverOptions: connectionServerOptions(limits) }) as Server;
    applyConnectionLimits(server, limits);
    await listen(server, port, host);
  } catch (error) {
    await limiter?.close();
    await store.close?.();
    throw error;
  }

  const bound = server.address() as AddressInfo;
  const actualPort = bound.port;
  const url = `http://${displayHost(host)}:${actualPort}`;
  log({
    ts: new Date().toISOString(),
    level: "info",
    msg: "listening",
    // The real bind address (0.0.0.0 listens on every interface), and a URL that reaches it.
    address: `${bound.family === "IPv6" ? `[${bound.address}]` : bound.address}:${actualPort}`,
    url,
    routes: handler.routes.map((r) => `${r.id} ${r.path}${r.cold ? " (cold: no secret)" : ""}`).join(", "),
    ...description,
    limiter: limiter ? `${limiter.kind} ${limiter.where}` : "memory",
  });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      log({ ts: new Date().toISOString(), level: "info", msg: "shutting down", inFlight: handler.inFlight() });
      await drain(server, shutdownTimeoutMs);
      await limiter?.close();
      await store.close?.();
      log({ ts: new Date().toISOString(), level: "info", msg: "stopped" });
    })());

  return { url, port: actualPort, host, handler, close };
}

async function openStore(kind: "sqlite" | "memory", db: string, synchronous: "full" | "normal", clock?: Clock) {
  if (kind === "memory") {
    return { store: createMemoryTaskFlowRuntime(clock ? { clock } : {}) as ServerStore, description: { store: "memory" } };
  }
  const path = db === ":memory:" ? db : resolve(db);
  // Flow data is private to the operator: a new directory is created owner-only.
  if (path !== ":memory:") prepareDatabaseDirectory(path);
  // Loaded only when used: the memory store needs no native module.
  const { openSqliteTaskFlowStore } = await import("@taskflow-webhooks/taskflow-sqlite");
  try {
    return {
      store: openSqliteTaskFlowStore({ path, synchronous, ...(clock && { clock }) }) as ServerStore,
      description: { store: "sqlite", db: path, synchronous },
    };
  } catch (error) {
    throw new ServerStartError(`could not open the SQLite database ${path}: ${(error as Error).message}`);
  }
}

interface SharedLimiter {
  kind: "sqlite" | "redis";
  store: LimiterStore;
  /** Where it lives, for the log (no password). */
  where: string;
  isHealthy?(): Promise<boolean>;
  close(): void | Promise<void>;
}

/** PostgreSQL: loaded only when used; migrations run at open (under an advisory lock). */
async function openPostgresStore(url: string, settings: ServerConfig["server"], clock?: Clock) {
  const { openPostgresTaskFlowStore } = await import("@taskflow-webhooks/taskflow-postgres");
  try {
    const store = await openPostgresTaskFlowStore({
      connectionString: url,
      ...(settings.dbQueryTimeoutMs !== undefined && { queryTimeoutMs: settings.dbQueryTimeoutMs }),
      ...(settings.dbSchema !== undefined && { schema: settings.dbSchema }),
      ...(clock && { clock }),
    });
    return { store: store as ServerStore, description: { store: "postgres", db: redactUrl(url), schema: store.schema } };
  } catch (error) {
    throw new ServerStartError(`could not open the PostgreSQL database ${redactUrl(url)}: ${(error as Error).message}`);
  }
}

/** Redis: the server starts even if Redis is not up yet (onLimiterError covers the gap), with a warning. */
async function openRedisLimiter(url: string, settings: ServerConfig["server"], logger: Logger): Promise<SharedLimiter> {
  const { openRedisLimiterStore } = await import("@taskflow-webhooks/limiter-redis");
  const store = openRedisLimiterStore({
    url,
    ...(settings.limiterTimeoutMs !== undefined && { timeoutMs: settings.limiterTimeoutMs }),
    ...(settings.limiterKeyPrefix !== undefined && { keyPrefix: settings.limiterKeyPrefix }),
  });
  const where = redactUrl(url);
  if (!(await store.ready())) logger.warn("Redis limiter not reachable yet; onLimiterError applies until it is", { limiter: where });
  return { kind: "redis", store, where, isHealthy: () => store.isHealthy(), close: () => store.close() };
}

/** The request timeout never cuts a body a route still allows (its bodyTimeoutMs). */
function connectionLimitsOf(config: ServerConfig): ConnectionLimits {
  const settings = config.server;
  const headersTimeoutMs = settings.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const slowestBody = Math.max(0, ...config.webhooks.routes.map((r) => r.limits.bodyTimeoutMs));
  const requestTimeoutMs = settings.requestTimeoutMs ?? Math.max(DEFAULT_REQUEST_TIMEOUT_MS, slowestBody + headersTimeoutMs);
  return {
    headersTimeoutMs: Math.min(headersTimeoutMs, requestTimeoutMs),
    requestTimeoutMs,
    maxConnectionsPerClient: settings.maxConnectionsPerClient ?? DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
    trustedProxies: settings.trustedProxies ?? [],
  };
}

/** The database's directory exists (created owner-only if not) and is a directory. */
function prepareDatabaseDirectory(path: string): void {
  const parent = dirname(path);
  try {
    const existing = statSync(parent, { throwIfNoEntry: false });
    if (existing && !existing.isDirectory()) {
      throw new ServerStartError(`cannot use the database ${path}: ${parent} is not a directory`);
    }
    mkdirSync(parent, { recursive: true, mode: 0o700 });
  } catch (error) {
    if (error instanceof ServerStartError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    const reason = code === "ENOTDIR" || code === "EEXIST" ? "a part of that path is a file, not a directory" : code;
    throw new ServerStartError(`cannot create the database directory ${parent}: ${reason}`);
  }
}

/** The limiter file sits beside the TaskFlow database: `flows.sqlite` → `flows.limits.sqlite`. */
async function openSharedLimiter(db: string): Promise<SharedLimiter> {
  const path = db === ":memory:" ? db : resolve(db).replace(/(\.sqlite)?$/, ".limits.sqlite");
  const { openSqliteLimiterStore } = await import("@taskflow-webhooks/taskflow-sqlite");
  try {
    const store = openSqliteLimiterStore({ path });
    return { kind: "sqlite", store, close: () => store.close(), where: path };
  } catch (error) {
    throw new ServerStartError(`could not open the limiter database ${path}: ${(error as Error).message}`);
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      const where = `${host}:${port}`;
      if (error.code === "EADDRINUSE") reject(new ServerStartError(`${where} is already in use (another server is listening there)`));
      else if (error.code === "EACCES") reject(new ServerStartError(`no permission to listen on ${where}`));
      else if (error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND") reject(new ServerStartError(`cannot listen on ${where}: address not available`));
      else reject(new ServerStartError(`cannot listen on ${where}: ${error.message}`));
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

/** Stops accepting; waits for open requests up to `timeoutMs`, then cuts what is left. */
function drain(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    // Keep-alive connections that finish a request while we wait are closed right away.
    server.prependListener("request", (_req, res) => {
      if (!res.headersSent) res.setHeader("connection", "close");
    });
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

function displayHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

function logSinkLogger(sink: LogSink): Logger {
  const line = (level: string) => (msg: string, fields?: LogFields) =>
    sink({ ts: new Date().toISOString(), level, msg, ...fields });
  return { info: line("info"), warn: line("warn"), error: line("error") };
}

function isServerConfig(config: unknown): config is ServerConfig {
  return typeof config === "object" && config !== null && "webhooks" in config && "server" in config;
}
