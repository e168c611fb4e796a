// Resolves every route's secrets once, at start-up. In a rotation list an entry that
// cannot be resolved is dropped with one warning naming the route, the list index and the
// reason (never a value); the route keeps the others. A route left with no secret is
// cold (every request 401), named in one warning. Other routes are unaffected.
import type { Logger } from "../ports/logger.js";
import type { SecretRef, SecretResolver } from "../ports/secret-resolver.js";
import type { WebhooksConfig } from "../config/parse-config.js";

/** Route id → the plain secrets it accepts, or the reason it is cold. */
export type ResolvedRouteSecrets = Map<string, { secrets: string[] } | { coldReason: string }>;

export async function resolveRouteSecrets(
  config: WebhooksConfig,
  resolver: SecretResolver | undefined,
  logger?: Logger,
): Promise<ResolvedRouteSecrets> {
  const resolved: ResolvedRouteSecrets = new Map();
  await Promise.all(
    config.routes
      .filter((route) => route.enabled)
      .map(async (route) => {
        const outcomes = await Promise.all(
          route.secrets.map(async (input): Promise<{ secret: string } | { failure: string }> => {
            if (typeof input === "string") return { secret: input };
            try {
              return { secret: await resolveRef(input, resolver) };
            } catch (error) {
              return { failure: describeFailure(error) };
            }
          }),
        );
        const secrets = outcomes.flatMap((o) => ("secret" in o ? [o.secret] : []));
        const failures = outcomes.flatMap((o) => ("failure" in o ? [o.failure] : []));
        if (secrets.length === 0) {
          const reason = failures[0] ?? "no secret configured";
          resolved.set(route.id, { coldReason: reason });
          logger?.warn("webhook route secret unavailable; route stays cold (401)", { routeId: route.id, reason });
          return;
        }
        outcomes.forEach((o, index) => {
          if (!("failure" in o)) return;
          logger?.warn("webhook route secret list entry unavailable; dropped, the route accepts the others", {
            routeId: route.id,
            index,
            reason: o.failure,
          });
        });
        resolved.set(route.id, { secrets });
      }),
  );
  return resolved;
}

async function resolveRef(ref: SecretRef, resolver: SecretResolver | undefined): Promise<string> {
  if (!resolver) throw new SecretResolutionError(`no resolver for SecretRef source "${ref.source}"`);
  const value = await resolver.resolve(ref);
  if (typeof value !== "string" || value.trim().length === 0) {
    throw new SecretResolutionError(`${ref.source} secret "${ref.id}" resolved to an empty value`);
  }
  return value.trim();
}

/** Errors whose message is safe to log: it names the reference, never a value. */
export class SecretResolutionError extends Error {
  override name = "SecretResolutionError";
}

function describeFailure(error: unknown): string {
  // Only our own messages are logged verbatim; anything else might echo file contents.
  return error instanceof SecretResolutionError ? error.message : "secret could not be resolved";
}
