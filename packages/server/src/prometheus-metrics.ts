// Prometheus metrics for the standalone server (opt-in: `server.metrics: true` or
// `--metrics`), in a registry of its own so embedding apps' metrics never mix in. Counted
// per webhook answer from the same middleware position as the request log; labels are
// route ids, action names, statuses and codes only (bounded by the config and the code table).
import type { MiddlewareHandler } from "hono";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { WebhookHandler, WebhookResponse } from "@taskflow-webhooks/core";

const LIMITER_CODES = new Set(["rate_limited", "too_many_in_flight", "limiter_unavailable"]);

export interface ServerMetrics {
  registry: Registry;
  /** Counts webhook requests; put it before the webhook routes. */
  middleware(answerOf: (c: Parameters<MiddlewareHandler>[0]) => WebhookResponse | undefined): MiddlewareHandler;
}

export function createServerMetrics(handler: WebhookHandler, now: () => number): ServerMetrics {
  const registry = new Registry();
  const requests = new Counter({
    name: "taskflow_webhooks_requests_total",
    help: "Webhook requests answered, by route, action, status and code.",
    labelNames: ["route", "action", "status", "code"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "taskflow_webhooks_request_duration_seconds",
    help: "Time to answer a webhook request.",
    labelNames: ["route", "action", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: "taskflow_webhooks_requests_in_flight",
    help: "Webhook requests holding an in-flight slot right now.",
    registers: [registry],
    collect() {
      this.set(handler.inFlight());
    },
  });
  const rejections = new Counter({
    name: "taskflow_webhooks_limiter_rejections_total",
    help: "Requests refused by the rate or in-flight limit (or an unavailable limiter), by route and code.",
    labelNames: ["route", "code"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "taskflow_webhooks_cold_routes",
    help: "Enabled routes with no usable secret (every request answered 401).",
    registers: [registry],
    collect() {
      this.set(handler.routes.filter((r) => r.cold).length);
    },
  });
  const routeCold = new Gauge({
    name: "taskflow_webhooks_route_cold",
    help: "1 when the route has no usable secret, else 0.",
    labelNames: ["route"] as const,
    registers: [registry],
  });
  for (const route of handler.routes) routeCold.set({ route: route.id }, route.cold ? 1 : 0);
  for (const code of LIMITER_CODES) for (const route of handler.routes) rejections.inc({ route: route.id, code }, 0);

  return {
    registry,
    middleware: (answerOf) => async (c, next) => {
      const started = now();
      await next();
      const answer = answerOf(c);
      const route = answer?.meta?.routeId ?? routeIdOf(handler, c.req.path);
      if (!answer || answer.abandoned || route === undefined) return;
      const status = String(answer.status);
      const action = answer.meta?.action ?? "";
      const code = answer.meta?.code ?? "";
      requests.inc({ route, action, status, code });
      duration.observe({ route, action, status }, (now() - started) / 1000);
      if (LIMITER_CODES.has(code)) rejections.inc({ route, code });
    },
  };
}

// Answers before authentication (401, 429 …) carry no routeId in their meta.
function routeIdOf(handler: WebhookHandler, path: string): string | undefined {
  return handler.routes.find((r) => r.path === path || `${r.path}/` === path)?.id;
}
