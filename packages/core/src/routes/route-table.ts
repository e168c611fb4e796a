// The route table is built once from config: paths normalised, secrets hashed, TaskFlow
// handles bound. The hot path only looks a path up.
import { createSecretMatcher, type SecretMatcher } from "../auth/secret-matcher.js";
import type { RouteConfig, RouteLimits, WebhooksConfig } from "../config/parse-config.js";
import type { Logger } from "../ports/logger.js";
import type { ResolvedRouteSecrets } from "../secrets/resolve-route-secrets.js";
import type { BoundTaskFlow, TaskFlowRuntime } from "../taskflow/types.js";

export interface CompiledRoute {
  id: string;
  path: string;
  controllerId: string;
  limits: RouteLimits;
  matcher: SecretMatcher;
  flows: BoundTaskFlow;
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
    table.set(route.path, {
      id: route.id,
      path: route.path,
      controllerId: route.controllerId,
      limits: route.limits,
      matcher: createSecretMatcher(secretsOf(route, resolved, logger)),
      flows: taskFlow.bindSession({ sessionKey: route.sessionKey }),
    });
  }
  return table;
}

function secretsOf(route: RouteConfig, resolved: ResolvedRouteSecrets | undefined, logger: Logger): string[] {
  const entry = resolved?.get(route.id);
  if (entry) return "secrets" in entry ? entry.secrets : [];
  const plain = route.secrets.filter((s): s is string => typeof s === "string");
  if (plain.length !== route.secrets.length) {
    // An unresolved SecretRef (e.g. the Gateway could not resolve it): cold, never open.
    logger.warn("webhook route secret unavailable; route stays cold (401)", {
      routeId: route.id,
      reason: "SecretRef was not resolved",
    });
    return [];
  }
  return plain;
}
