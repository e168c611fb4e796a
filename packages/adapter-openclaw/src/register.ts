// register(api): validates the plugin config, builds the route table once per call and
// registers one Gateway route per path. Synchronous and idempotent: the Gateway calls it
// several times per process (full and discovery loads, every config hot reload), and each
// call simply replaces the routes (`replaceExisting`). Nothing long-lived is started.
// The route list is logged once per process and again only when it changes.
import { assertWebhooksConfig, createWebhookHandler, type WebhookHandler } from "@taskflow-webhooks/core";
import type { OpenClawPluginApiLike } from "./gateway-api.js";
import { gatewayIdempotencyStore } from "./gateway-idempotency.js";
import { gatewayLogger } from "./gateway-logger.js";
import { gatewayRoute } from "./gateway-route.js";
import { gatewayTaskFlowRuntime } from "./gateway-taskflow.js";
import { gatewayClientAddress } from "./client-address.js";
import { logRoutesOnce } from "./route-log.js";

export function registerWebhookRoutes(api: OpenClawPluginApiLike): WebhookHandler | undefined {
  const logger = gatewayLogger(api.logger);
  // Throws a WebhookConfigError naming every bad path: the Gateway refuses the plugin.
  const config = assertWebhooksConfig(api.pluginConfig ?? {}, "plugins.entries.webhooks.config.");
  if (!config.routes.some((r) => r.enabled)) return undefined;

  // Secrets arrive resolved by the Gateway (configContracts.secretInputs); one it could
  // not resolve is still a SecretRef object: dropped from a rotation list, or the route is
  // cold. Those warnings, like the route list, are only worth saying once per process.
  const quiet = api.registrationMode !== undefined && api.registrationMode !== "full";
  const handler = createWebhookHandler({
    config,
    taskFlow: gatewayTaskFlowRuntime(api.runtime, api.config),
    logger: quiet ? { ...logger, warn: () => {} } : logger,
    idempotencyStore: gatewayIdempotencyStore(api.runtime, logger),
  });
  const clientAddressOf = gatewayClientAddress(api.config, logger);

  const route = gatewayRoute(handler, logger, { clientAddressOf });

  for (const { path } of handler.routes) {
    api.registerHttpRoute({ path, auth: "plugin", match: "exact", replaceExisting: true, handler: route });
  }
  if (!quiet) logRoutesOnce(handler.routes, logger);
  return handler;
}
