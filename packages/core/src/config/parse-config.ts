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
    return { ok: false, issues: toConfigIssues(parsed.issues) };
  }
  const issues: ConfigIssue[] = [];
  const routes: RouteConfig[] = [];
  const rawIds = new Map<string, string>();
  for (const [rawId, route] of Object.entries(parsed.output.routes)) {
    const id = rawId.trim();
    if (id.length === 0) {
      issues.push({ path: `routes.${rawId}`, message: "route id must be a non-empty string" });
      continue;
    }
    // `" x"` and `"x"` would both become route x: refuse rather than let one shadow the other.
    const other = rawIds.get(id);
    if (other !== undefined) {
      issues.push({ path: `routes.${rawId}`, message: `route ids ${JSON.stringify(other)} and ${JSON.stringify(rawId)} are both "${id}" once trimmed` });
      continue;
    }
    rawIds.set(id, rawId);
    if (route.path !== undefined) {
      const unreachable = unreachablePathReason(route.path);
      if (unreachable) issues.push({ path: `routes.${rawId}.path`, message: `no request can reach this path: it contains ${unreachable}` });
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

/**
 * Why no request target can ever match a route path, or undefined. A request's path ends
 * at `?` or `#`, and cannot hold a space or a control character (HTTP parsers refuse them).
 */
function unreachablePathReason(path: string): string | undefined {
  const match = /[?# \x00-\x1f\x7f]/.exec(path.trim());
  if (!match) return undefined;
  const c = match[0];
  if (c === "?" || c === "#") return `"${c}" (a request path ends there)`;
  if (c === " ") return "a space";
  return `the control character U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/**
 * valibot issues as config problems. A union that failed on a value of the right shape
 * (an object where a string or a SecretRef may go) names the field that was wrong
 * (`routes.demo.secret.provider: is required`) instead of listing what a secret may be.
 */
export function toConfigIssues(issues: readonly v.BaseIssue<unknown>[]): ConfigIssue[] {
  return issues.flatMap((issue) => {
    const deeper = issue.type === "union" ? deeperIssues(issue, issue.path ?? []) : [];
    return deeper.length > 0 ? deeper : [toConfigIssue(issue)];
  });
}

// Sub-issues of a union carry paths relative to the union's value: prefix them. Only the
// branch of the value's own kind counts (a list is not judged as a SecretRef object).
function deeperIssues(issue: v.BaseIssue<unknown>, prefix: readonly v.IssuePathItem[]): ConfigIssue[] {
  const kind = Array.isArray(issue.input) ? "array" : "object";
  const out: ConfigIssue[] = [];
  for (const sub of issue.issues ?? []) {
    const path = [...prefix, ...(sub.path ?? [])];
    if (sub.type === "union") out.push(...deeperIssues(sub, path));
    else if (sub.path?.[0]?.type === kind) out.push(toConfigIssue({ ...sub, path: path as [v.IssuePathItem, ...v.IssuePathItem[]] }));
  }
  return out;
}

/** One valibot issue as a config problem: dotted path, operator-friendly message. */
export function toConfigIssue(issue: v.BaseIssue<unknown>): ConfigIssue {
  const path = (issue.path ?? []).map((p) => String(p.key)).join(".");
  let message = issue.message;
  if (issue.type === "strict_object" && issue.expected === "never") message = "unknown key";
  else if (issue.received === "undefined" && issue.kind === "schema") message = "is required";
  return { path: path || "(root)", message };
}
