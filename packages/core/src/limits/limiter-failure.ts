// What a request gets when the limiter store fails (a shared store that is down, slow past
// its timeout, or refusing): `allow` lets it through without a rate limit (the in-flight
// limit and authentication still apply), `deny` refuses it with 503 limiter_unavailable.
// Either way an operator hears about it, but at most once per `logIntervalMs` with the
// number of failures in between, so an outage under load cannot flood the log.
import type { Clock } from "../ports/clock.js";
import type { Logger } from "../ports/logger.js";

export type LimiterErrorPolicy = "allow" | "deny";

export const DEFAULT_LIMITER_ERROR_POLICY: LimiterErrorPolicy = "allow";
export const LIMITER_FAILURE_LOG_INTERVAL_MS = 60_000;

export interface LimiterFailureOptions {
  policy: LimiterErrorPolicy;
  logger: Logger;
  clock: Clock;
  logIntervalMs?: number;
}

/** Returns the policy for one failed `consume`, logging a rate-limited warning. */
export type LimiterFailureHandler = (error: unknown, routeId: string) => LimiterErrorPolicy;

export function createLimiterFailureHandler(options: LimiterFailureOptions): LimiterFailureHandler {
  const { policy, logger, clock } = options;
  if (policy !== "allow" && policy !== "deny") {
    throw new TypeError(`onLimiterError must be "allow" or "deny", not ${JSON.stringify(policy)}.`);
  }
  const interval = options.logIntervalMs ?? LIMITER_FAILURE_LOG_INTERVAL_MS;
  let lastLoggedAt = -Infinity;
  let unlogged = 0;
  return (error, routeId) => {
    const now = clock.now();
    if (now - lastLoggedAt < interval) {
      unlogged += 1;
      return policy;
    }
    logger.warn(
      policy === "allow"
        ? "Rate limiter store failed: requests pass without a rate limit until it answers again"
        : "Rate limiter store failed: requests are refused (503 limiter_unavailable) until it answers again",
      { routeId, policy, error: errorText(error), failuresSinceLastWarning: unlogged },
    );
    lastLoggedAt = now;
    unlogged = 0;
    return policy;
  };
}

// Store errors name the store's own problem (refused connection, timeout); bounded anyway.
function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
