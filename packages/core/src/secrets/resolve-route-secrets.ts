// Resolves every route's secrets once, at start-up. A route with any unresolvable secret
// is kept cold (every request 401) and named in one warning with the reason: never the
// value. Other routes are unaffected.
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
        try {
          const secrets: string[] = [];
          for (const input of route.secrets) {
            secrets.push(typeof input === "string" ? input : await resolveRef(input, resolver));
          }
          resolved.set(route.id, { secrets });
        } catch (error) {
          const reason = describeFailure(error);
          resolved.set(route.id, { coldReason: reason });
          logger?.warn("webhook route secret unavailable; route stays cold (401)", { routeId: route.id, reason });
        }
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
