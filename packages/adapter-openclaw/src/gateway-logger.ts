// Core log calls (message + fields) → the Gateway's string logger, prefixed like other
// plugins' lines. Fields never carry secrets or session keys (the core guarantees it).
import type { LogFields, Logger } from "@taskflow-webhooks/core";
import type { GatewayLogger } from "./gateway-api.js";

const format = (message: string, fields?: LogFields) => {
  const parts = Object.entries(fields ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return `[webhooks] ${message}${parts.length > 0 ? ` ${parts.join(" ")}` : ""}`;
};

export function gatewayLogger(logger: GatewayLogger): Logger {
  return {
    info: (m, f) => logger.info?.(format(m, f)),
    warn: (m, f) => (logger.warn ?? logger.info)?.(format(m, f)),
    error: (m, f) => (logger.error ?? logger.warn ?? logger.info)?.(format(m, f)),
    debug: (m, f) => logger.debug?.(format(m, f)),
  };
}
