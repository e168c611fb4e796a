// The OpenClaw plugin entry: id `webhooks`, so loading this package overrides the bundled
// webhooks plugin while operators keep their `plugins.entries.webhooks.config` block.
// The object has the shape `definePluginEntry` produces; building it by hand keeps
// `openclaw` a type-level peer only.
import { parseWebhooksConfig } from "@taskflow-webhooks/core";
import type { OpenClawPluginApiLike } from "./gateway-api.js";
import { pluginConfigJsonSchema } from "./manifest.js";
import { registerWebhookRoutes } from "./register.js";

export const webhooksPlugin = {
  id: "webhooks",
  name: "Webhooks",
  description: "Authenticated inbound webhooks that bind external automation to OpenClaw TaskFlows (taskflow-webhooks).",
  configSchema: {
    safeParse(value: unknown) {
      const result = parseWebhooksConfig(value ?? {});
      return result.ok
        ? { success: true as const, data: value }
        : { success: false as const, error: { issues: result.issues.map((i) => ({ path: i.path.split("."), message: i.message })) } };
    },
    get jsonSchema() {
      return pluginConfigJsonSchema();
    },
  },
  register(api: OpenClawPluginApiLike): void {
    registerWebhookRoutes(api);
  },
};

export default webhooksPlugin;
export { registerWebhookRoutes } from "./register.js";
export { gatewayTaskFlowRuntime, TaskFlowUnavailableError } from "./gateway-taskflow.js";
export { pluginConfigJsonSchema, pluginManifest } from "./manifest.js";
export type * from "./gateway-api.js";
