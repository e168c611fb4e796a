// "registered route ..." lines, once per Gateway process rather than once per register
// call: the Gateway registers on start, again for discovery (a separately loaded module
// instance, so module state would not do) and on every config hot reload. The last
// logged route list lives on globalThis; an unchanged list is not logged again.
import type { Logger, RouteInfo } from "@taskflow-webhooks/core";

const LAST_LOGGED = Symbol.for("taskflow-webhooks.adapter-openclaw.logged-routes");

type Holder = { [LAST_LOGGED]?: string };

export function logRoutesOnce(routes: readonly RouteInfo[], logger: Logger): void {
  const holder = globalThis as Holder;
  const fingerprint = JSON.stringify(routes.map(({ id, path, cold }) => [id, path, cold]));
  if (holder[LAST_LOGGED] === fingerprint) return;
  holder[LAST_LOGGED] = fingerprint;
  for (const { id, path, cold } of routes) {
    logger.info(`registered route ${id} on ${path}${cold ? " (cold: secret unavailable, answers 401)" : ""}`);
  }
}
