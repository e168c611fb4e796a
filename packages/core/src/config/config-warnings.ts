// Config that is valid but weak: worth a warning at start-up (an error with the server's
// `--strict`). Pure: the caller decides where the warnings go.
import type { ConfigIssue, WebhooksConfig } from "./parse-config.js";

/** Shorter plain secrets are guessable: a 1-byte secret fell in 81 guesses, inside the default rate limit. */
export const MIN_SECRET_BYTES = 16;

export function configWarnings(config: WebhooksConfig): ConfigIssue[] {
  const warnings: ConfigIssue[] = [];
  if (!config.routes.some((route) => route.enabled)) {
    warnings.push({ path: "routes", message: "no enabled routes: every request will be answered by the host (usually 404)" });
  }
  for (const route of config.routes) {
    if (!route.enabled) continue;
    route.secrets.forEach((secret, i) => {
      if (typeof secret === "string" && Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
        const path = route.secrets.length > 1 ? `routes.${route.id}.secret.${i}` : `routes.${route.id}.secret`;
        warnings.push({
          path,
          message: `secret is shorter than ${MIN_SECRET_BYTES} bytes; use at least 32 random bytes (e.g. openssl rand -base64 32)`,
        });
      }
    });
  }
  return warnings;
}
