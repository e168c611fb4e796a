// Quick start: a route whose env secret is missing gets a fresh random one (never a fixed
// default), set in this process's environment before secrets are resolved. The caller
// prints it once, with a ready-to-paste curl command.
import { randomBytes } from "node:crypto";
import type { WebhooksConfig } from "@taskflow-webhooks/core";

export interface GeneratedSecret {
  envVar: string;
  secret: string;
  /** Routes that use it: id and path. */
  routes: Array<{ id: string; path: string }>;
}

export function generateMissingEnvSecrets(
  config: WebhooksConfig,
  env: Record<string, string | undefined> = process.env,
): GeneratedSecret[] {
  const generated = new Map<string, GeneratedSecret>();
  for (const route of config.routes) {
    if (!route.enabled) continue;
    for (const secret of route.secrets) {
      if (typeof secret === "string" || secret.source !== "env") continue;
      const envVar = secret.id;
      let entry = generated.get(envVar);
      if (!entry) {
        if ((env[envVar] ?? "").trim() !== "") continue;
        entry = { envVar, secret: randomBytes(32).toString("base64url"), routes: [] };
        env[envVar] = entry.secret;
        generated.set(envVar, entry);
      }
      entry.routes.push({ id: route.id, path: route.path });
    }
  }
  return [...generated.values()];
}

export function quickStartMessage(generated: GeneratedSecret, baseUrl: string): string {
  const route = generated.routes[0]!;
  return [
    "",
    `${generated.envVar} was not set: generated a random secret for this run (shown once):`,
    "",
    `  ${generated.envVar}=${generated.secret}`,
    "",
    `Used by route${generated.routes.length > 1 ? "s" : ""} ${generated.routes.map((r) => r.id).join(", ")}. Create a flow:`,
    "",
    `  curl -sS -X POST '${baseUrl}${route.path}' \\`,
    `    -H 'Authorization: Bearer ${generated.secret}' \\`,
    `    -H 'Content-Type: application/json' \\`,
    `    -d '{"action":"create_flow","goal":"Try taskflow-webhooks"}'`,
    "",
    `Set ${generated.envVar} yourself to keep the same secret across restarts.`,
    "",
  ].join("\n");
}
