// The route table is built once from config: paths normalised, secrets hashed, TaskFlow
// handles bound. The hot path only looks a path up (exact, then canonical variant).
import type { ActionContext } from "../actions/run-action.js";
import { createSecretMatcher, type SecretMatcher } from "../auth/secret-matcher.js";
import { canonicalRoutePath, requestPathOf, urlPathOf } from "../config/normalize-path.js";
import type { RouteConfig, RouteIdempotency, RouteLimits, WebhooksConfig } from "../config/parse-config.js";
import { createLimitKeys } from "../limits/limit-key.js";
import type { Logger } from "../ports/logger.js";
import type { ResolvedRouteSecrets } from "../secrets/resolve-route-secrets.js";
import type { BoundTaskFlow, TaskFlowRuntime } from "../taskflow/types.js";

export interface CompiledRoute {
  id: string;
  path: string;
  controllerId: string;
  limits: RouteLimits;
  idempotency: RouteIdempotency;
  matcher: SecretMatcher;
  flows: BoundTaskFlow;
  /** The rate and in-flight limit key of a resolved client address. */
  limitKey: (client: string) => string;
  /** What an action runs against (without an idempotency reservation), built once. */
  actionContext: ActionContext;
}

export type RouteTable = Map<string, CompiledRoute>;

export function buildRouteTable(
  config: WebhooksConfig,
  taskFlow: TaskFlowRuntime,
  resolved: ResolvedRouteSecrets | undefined,
  logger: Logger,
): RouteTable {
  const table: RouteTable = new Map();
  for (const route of config.routes) {
    if (!route.enabled) continue;
    const flows = taskFlow.bindSession({ sessionKey: route.sessionKey });
    table.set(route.path, {
      id: route.id,
      path: route.path,
      controllerId: route.controllerId,
      limits: route.limits,
      idempotency: route.idempotency,
      matcher: createSecretMatcher(secretsOf(route, resolved, logger)),
      flows,
      limitKey: createLimitKeys(route.id, route.limits.ipv6Prefix),
      actionContext: { routeId: route.id, controllerId: route.controllerId, flows },
    });
  }
  return table;
}

/**
 * The route a request target belongs to, found as the Gateway's bundled plugin finds it:
 * the exact normalised path, else its canonical variant (`/Main`, `/a//main`, `/%6Dain`,
 * `/./main`, `/main/` all reach `/main`). The caller keys limits by route id, so a
 * variant never opens a window of its own.
 */
export function lookupRoute(table: RouteTable, target: string): CompiledRoute | undefined {
  const exact = requestPathOf(target);
  const hit = table.get(exact);
  if (hit !== undefined) return hit;
  const parsed = urlPathOf(target);
  if (parsed !== exact) {
    const parsedHit = table.get(parsed);
    if (parsedHit !== undefined) return parsedHit;
  }
  const canonical = canonicalRoutePath(parsed);
  return canonical === parsed ? undefined : table.get(canonical);
}

/**
 * The plain secrets a route accepts. An entry that is still a SecretRef (the Gateway
 * could not resolve it) is dropped with one warning naming the route and its list index;
 * the route stays hot with the rest and goes cold (401) only when none is left.
 */
function secretsOf(route: RouteConfig, resolved: ResolvedRouteSecrets | undefined, logger: Logger): string[] {
  const entry = resolved?.get(route.id);
  if (entry) return "secrets" in entry ? entry.secrets : [];
  const plain = route.secrets.filter((s): s is string => typeof s === "string");
  if (plain.length === 0) {
    logger.warn("webhook route secret unavailable; route stays cold (401)", {
      routeId: route.id,
      reason: "SecretRef was not resolved",
    });
    return plain;
  }
  route.secrets.forEach((secret, index) => {
    if (typeof secret === "string") return;
    logger.warn("webhook route secret list entry unavailable; dropped, the route accepts the others", {
      routeId: route.id,
      index,
      reason: "SecretRef was not resolved",
    });
  });
  return plain;
}
