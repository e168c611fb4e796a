// Builds openclaw.plugin.json from the core's valibot config schema, so the manifest the
// Gateway validates with and the schema the core parses with cannot drift.
// `node scripts/manifest.mjs --write` rewrites the file; the test suite checks it is current.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { toJsonSchema } from "@valibot/to-json-schema";
import { WebhooksConfigSchema } from "@taskflow-webhooks/core";

export const MANIFEST_PATH = fileURLToPath(new URL("../openclaw.plugin.json", import.meta.url));

export function buildManifest() {
  // trim() has no JSON Schema form; the Gateway's check is a superset and the core re-checks.
  const { $schema: _ignored, ...configSchema } = toJsonSchema(WebhooksConfigSchema, { errorMode: "ignore" });
  return {
    id: "webhooks",
    name: "Webhooks",
    description:
      "Authenticated inbound webhooks that bind external automation to OpenClaw TaskFlows (taskflow-webhooks).",
    activation: { onStartup: true },
    configContracts: {
      // `*` also walks array items (2026.9.6's contract matcher), so the second path lets the
      // Gateway resolve SecretRefs inside a rotation list. On a single SecretRef object it
      // only meets the plain `source`/`provider`/`id` strings, which are not refs.
      secretInputs: {
        paths: [
          { path: "routes.*.secret", expected: "string", ownerKind: "route" },
          { path: "routes.*.secret.*", expected: "string", ownerKind: "route" },
        ],
      },
    },
    configSchema,
  };
}

export const renderManifest = () => `${JSON.stringify(buildManifest(), null, 2)}\n`;

if (process.argv.includes("--write")) {
  writeFileSync(MANIFEST_PATH, renderManifest());
  console.log(`wrote ${MANIFEST_PATH}`);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = readFileSync(MANIFEST_PATH, "utf8") === renderManifest() ? 0 : 1;
}
