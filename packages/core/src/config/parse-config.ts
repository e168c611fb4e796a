// Validates and resolves operator config once, at start-up: defaults applied, paths
// normalised, duplicate paths refused. Errors name the exact config path.
import * as v from "valibot";
import { DEFAULT_IDEMPOTENCY, DEFAULT_LIMITS, WebhooksConfigSchema, type SecretInput } from "./schema.js";
import { normalizeRoutePath } from "./normalize-path.js";

export interface RouteLimits {
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  rateLimit: { windowMs: number; max: number };
  maxInFlight: number;
  /** How long one TaskFlow call may take before the caller gets 503 `taskflow_timeout`. */
  taskFlowTimeoutMs: number;
  /** IPv6 client addresses are keyed by this prefix (bits) for both limits. */
  ipv6Prefix: number;
}

export interface RouteIdempotency {
  ttlHours: number;
  required: boolean;
  acceptWebhookId: boolean;
}

export interface RouteConfig {
  id: string;
  enabled: boolean;
  path: string;
  sessionKey: string;
  /** Every accepted secret (a list when rotating). Strings or unresolved SecretRefs. */
  secrets: SecretInput[];
  controllerId: string;
  description?: string;
  limits: RouteLimits;
  idempotency: RouteIdempotency;
}

/**
 * The parsed config (defaults applied, routes as a list). To write a config, annotate it
 * with `WebhooksConfigInput`, the route record the schema accepts.
 */
export interface WebhooksConfig {
  routes: RouteConfig[];
}

/** The same parsed shape, under a name that says so. */
export type ParsedWebhooksConfig = WebhooksConfig;

export interface ConfigIssue {
  /** Dotted config path, e.g. `routes.zapier.sessionKey`. */
  path: string;
  message: string;
}

export type ConfigParseResult = { ok: true; config: WebhooksConfig } | { ok: false; issues: ConfigIssue[] };

export class WebhookConfigError extends Error {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[], prefix = "") {
    super(
      `Invalid webhooks config:\n${issues.map((i) => `  ${prefix}${i.path}: ${i.message}`).join("\n")}`,
    );
    this.name = "WebhookConfigError";
    this.issues = issues;
  }
}

export function parseWebhooksConfig(input: unknown): ConfigParseResult {
  const parsed = v.safeParse(WebhooksConfigSchema, input ?? {});
  if (!parsed.success) {
    return { ok: false, issues: parsed.issues.map(toConfigIssue) };
  }
  const issues: ConfigIssue[] = [];
  const routes: RouteConfig[] = [];
  for (const [rawId, route] of Object.entries(parsed.output.routes)) {
    const id = rawId.trim();
    if (id.length === 0) {
      issues.push({ path: `routes.${rawId}`, message: "route id must be a non-empty string" });
      continue;
    }
    const limits = route.limits ?? {};
    routes.push({
      id,
      enabled: route.enabled ?? true,
      path: normalizeRoutePath(route.path ?? `/plugins/webhooks/${id}`),
      sessionKey: route.sessionKey,
      secrets: Array.isArray(route.secret) ? route.secret : [route.secret],
      controllerId: route.controllerId ?? `webhooks/${id}`,
      ...(route.description !== undefined && { description: route.description }),
      limits: {
        maxBodyBytes: limits.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes,
        bodyTimeoutMs: limits.bodyTimeoutMs ?? DEFAULT_LIMITS.bodyTimeoutMs,
        rateLimit: {
          windowMs: limits.rateLimit?.windowMs ?? DEFAULT_LIMITS.rateLimit.windowMs,
          max: limits.rateLimit?.max ?? DEFAULT_LIMITS.rateLimit.max,
        },
        maxInFlight: limits.maxInFlight ?? DEFAULT_LIMITS.maxInFlight,
        taskFlowTimeoutMs: limits.taskFlowTimeoutMs ?? DEFAULT_LIMITS.taskFlowTimeoutMs,
        ipv6Prefix: limits.ipv6Prefix ?? DEFAULT_LIMITS.ipv6Prefix,
      },
      idempotency: {
        ttlHours: route.idempotency?.ttlHours ?? DEFAULT_IDEMPOTENCY.ttlHours,
        required: route.idempotency?.required ?? DEFAULT_IDEMPOTENCY.required,
        acceptWebhookId: route.idempotency?.acceptWebhookId ?? DEFAULT_IDEMPOTENCY.acceptWebhookId,
      },
    });
  }
  const byPath = new Map<string, string>();
  for (const route of routes) {
    if (!route.enabled) continue;
    const other = byPath.get(route.path);
    if (other !== undefined) {
      issues.push({
        path: `routes.${route.id}.path`,
        message: `routes "${other}" and "${route.id}" both use the path ${route.path}`,
      });
    } else byPath.set(route.path, route.id);
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, config: { routes } };
}

/** Like parseWebhooksConfig, but throws a WebhookConfigError listing every problem. */
export function assertWebhooksConfig(input: unknown, pathPrefix = ""): WebhooksConfig {
  const result = parseWebhooksConfig(input);
  if (!result.ok) throw new WebhookConfigError(result.issues, pathPrefix);
  return result.config;
}

/** One valibot issue as a config problem: dotted path, operator-friendly message. */
export function toConfigIssue(issue: v.BaseIssue<unknown>): ConfigIssue {
  const path = (issue.path ?? []).map((p) => String(p.key)).join(".");
  let message = issue.message;
  if (issue.type === "strict_object" && issue.expected === "never") message = "unknown key";
  else if (issue.received === "undefined" && issue.kind === "schema") message = "is required";
  return { path: path || "(root)", message };
}
