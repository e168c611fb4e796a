// The handler every transport conformance run mounts: one route per case, each set up so
// its case is reachable over plain HTTP (a tiny body limit, a short body timeout, a limiter
// store, runtime or logger that throws for that route only). Free of vitest and of Node
// APIs, so a Bun, Deno or workerd script can build the same handler as the Node suites.
import { createWebhookHandler, type WebhookHandler } from "../handler.js";
import { createMemoryLimiterStore } from "../limits/memory-limiter-store.js";
import type { LimiterStore } from "../ports/limiter-store.js";
import type { Logger } from "../ports/logger.js";
import { createMemoryTaskFlowRuntime } from "../taskflow/memory-runtime.js";
import type { TaskFlowRuntime } from "../taskflow/types.js";
import { requestPathOf } from "../config/normalize-path.js";

export const KIT_SECRET = "transport-kit-secret-0123456789";

/** Route ids (path `/plugins/webhooks/<id>`) by the case they serve. */
export const KIT_ROUTES = {
  plain: "kit",
  smallBody: "kit-small-body",
  slowBody: "kit-slow-body",
  rateLimited: "kit-rate-limited",
  oneSlot: "kit-one-slot",
  disconnect: "kit-disconnect",
  storeThrows: "kit-store-throws",
  runtimeThrows: "kit-runtime-throws",
  loggerThrows: "kit-logger-throws",
  adapterThrows: "kit-adapter-throws",
} as const;

export const kitPath = (id: string): string => `/plugins/webhooks/${id}`;

const RUNTIME_THROWS_SESSION = "agent:kit:runtime-throws";
const LOGGER_THROWS_SESSION = "agent:kit:logger-throws";
/** Long enough that a server waiting for a held body never answers within a test. */
const HOLD_MS = 120_000;
const plentiful = { rateLimit: { windowMs: 60_000, max: 100_000 }, maxInFlight: 1_000, bodyTimeoutMs: HOLD_MS };

export function transportKitConfig() {
  const route = (sessionKey: string, limits: Record<string, unknown> = {}) => ({
    sessionKey,
    secret: KIT_SECRET,
    limits: { ...plentiful, ...limits },
  });
  const main = "agent:kit:main";
  return {
    routes: {
      [KIT_ROUTES.plain]: route(main),
      [KIT_ROUTES.smallBody]: route(main, { maxBodyBytes: 1024 }),
      [KIT_ROUTES.slowBody]: route(main, { bodyTimeoutMs: 300 }),
      [KIT_ROUTES.rateLimited]: route(main, { rateLimit: { windowMs: 60_000, max: 2 } }),
      [KIT_ROUTES.oneSlot]: route(main, { maxInFlight: 1 }),
      [KIT_ROUTES.disconnect]: route(main, { maxInFlight: 1 }),
      [KIT_ROUTES.storeThrows]: route(main),
      [KIT_ROUTES.runtimeThrows]: route(RUNTIME_THROWS_SESSION),
      [KIT_ROUTES.loggerThrows]: route(LOGGER_THROWS_SESSION),
      [KIT_ROUTES.adapterThrows]: route(main),
    },
  };
}

/** A limiter store that throws for one route's keys (`<routeId>\n<client>`). */
function storeThrowingFor(routeId: string, inner: LimiterStore): LimiterStore {
  return {
    consume(key, options) {
      if (key.startsWith(`${routeId}\n`)) throw new Error("limiter store unreachable (kit)");
      return inner.consume(key, options);
    },
  };
}

/** A runtime whose bound handle throws on every call for the given sessions. */
function runtimeThrowingFor(sessions: readonly string[], inner: TaskFlowRuntime): TaskFlowRuntime {
  return {
    bindSession(params) {
      const bound = inner.bindSession(params);
      if (!sessions.includes(params.sessionKey)) return bound;
      return new Proxy(bound, {
        // Not thenable: only method calls throw.
        get: (_target, key) =>
          key === "then"
            ? undefined
            : () => {
                throw new Error("TaskFlow runtime exploded (kit) with flow data that must not leak");
              },
      });
    },
  };
}

/** Wraps a logger so its `error` throws for the logger-throws route's runtime failure. */
function loggerThrowingFor(routeId: string, inner: Logger): Logger {
  return {
    info: (m, f) => inner.info(m, f),
    warn: (m, f) => inner.warn(m, f),
    error: (m, f) => {
      if (f?.routeId === routeId) throw new Error("logger sink closed (kit)");
      inner.error(m, f);
    },
  };
}

/**
 * The kit's handler. Requests to the adapter-throws route reject inside `handle`, standing
 * in for anything that throws between an adapter and the core's own boundary.
 */
export function createTransportKitHandler(options: { logger: Logger }): WebhookHandler {
  const inner = createWebhookHandler({
    config: transportKitConfig(),
    taskFlow: runtimeThrowingFor([RUNTIME_THROWS_SESSION, LOGGER_THROWS_SESSION], createMemoryTaskFlowRuntime()),
    limiterStore: storeThrowingFor(KIT_ROUTES.storeThrows, createMemoryLimiterStore()),
    logger: loggerThrowingFor(KIT_ROUTES.loggerThrows, options.logger),
  });
  const adapterThrows = kitPath(KIT_ROUTES.adapterThrows);
  return {
    handle: (request) =>
      requestPathOf(request.path) === adapterThrows
        ? Promise.reject(new TypeError("adapter glue failed (kit)"))
        : inner.handle(request),
    matches: (path) => inner.matches(path),
    routes: inner.routes,
    inFlight: () => inner.inFlight(),
  };
}
