// The Gateway's `gateway.trustedProxies` decide whose forwarding headers count. Invalid
// entries are dropped with a warning rather than failing the whole plugin.
import { createTrustedProxies, type Logger } from "@taskflow-webhooks/core";
import type { GatewayConfig } from "./gateway-api.js";

export function trustedProxiesOf(config: GatewayConfig | undefined, logger: Logger): string[] {
  const entries = config?.gateway?.trustedProxies;
  if (!Array.isArray(entries)) return [];
  return entries.filter((entry): entry is string => {
    try {
      createTrustedProxies([entry]);
      return true;
    } catch {
      logger.warn("ignoring invalid gateway.trustedProxies entry", { entry: String(entry) });
      return false;
    }
  });
}
