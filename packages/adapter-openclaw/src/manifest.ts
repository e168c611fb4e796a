// The shipped manifest (generated from the core's schema by scripts/manifest.mjs) is the
// single source of the plugin's JSON Schema at runtime too.
import manifest from "../openclaw.plugin.json";

export const pluginManifest = manifest;
export const pluginConfigJsonSchema = (): Record<string, unknown> => manifest.configSchema as Record<string, unknown>;
