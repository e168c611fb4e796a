// `taskflow-webhooks check --config F`: the server's whole config validation plus secret
// resolution, without opening a database or a port. Reports each route hot (a usable
// secret) or cold (every request would be 401) with the reason. Never prints a secret:
// reasons name the env var, file or command, and warnings come from the same code that
// the server logs with.
import {
  createMemoryTaskFlowRuntime,
  createNodeSecretResolver,
  createWebhookHandler,
  resolveRouteSecrets,
  type LogFields,
  type Logger,
} from "@taskflow-webhooks/core";
import { loadServerConfig } from "./config-file.js";

export interface CheckReport {
  file: string;
  routes: Array<{ id: string; path: string; state: "hot" | "cold" | "disabled"; secrets?: number; reason?: string }>;
  warnings: Array<{ msg: string } & LogFields>;
}

/** Throws ConfigFileError / ServerConfigError as `serve` would. */
export async function checkConfig(file: string, env: Record<string, string | undefined> = process.env): Promise<CheckReport> {
  const config = await loadServerConfig(file);
  const warnings: CheckReport["warnings"] = [];
  const collect = (msg: string, fields?: LogFields) => warnings.push({ msg, ...fields });
  const logger: Logger = { info: () => {}, warn: collect, error: collect };
  const resolver = createNodeSecretResolver({ env, providers: config.server.secretProviders ?? {} });
  const secrets = await resolveRouteSecrets(config.webhooks, resolver, logger);
  // The handler the server would build: route table, limits, any config warnings it logs.
  createWebhookHandler({ config: config.webhooks, taskFlow: createMemoryTaskFlowRuntime(), secrets, logger });

  const routes: CheckReport["routes"] = config.webhooks.routes.map((route) => {
    if (!route.enabled) return { id: route.id, path: route.path, state: "disabled" };
    const resolved = secrets.get(route.id);
    if (resolved && "secrets" in resolved) return { id: route.id, path: route.path, state: "hot", secrets: resolved.secrets.length };
    return { id: route.id, path: route.path, state: "cold", reason: resolved?.coldReason ?? "no secret configured" };
  });
  // Cold routes are reported per route above; keep the other warnings once each.
  const seen = new Set<string>();
  const others = warnings.filter((w) => {
    const key = JSON.stringify(w);
    if (w.msg.includes("stays cold") || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { file, routes, warnings: others };
}

export function formatCheckReport(report: CheckReport): string {
  const width = Math.max(0, ...report.routes.map((r) => r.id.length));
  const lines = [`${report.file}: valid`];
  if (report.routes.length === 0) lines.push("no routes configured");
  for (const route of report.routes) {
    const state =
      route.state === "hot"
        ? `hot (${route.secrets} secret${route.secrets === 1 ? "" : "s"})`
        : route.state === "cold"
          ? `COLD: ${route.reason}; every request would be answered 401`
          : "disabled (not served)";
    lines.push(`route ${route.id.padEnd(width)}  ${route.path}  ${state}`);
  }
  for (const { msg, ...fields } of report.warnings) {
    const details = Object.entries(fields).map(([k, v]) => `${k}=${String(v)}`).join(" ");
    lines.push(`warning: ${msg}${details ? ` (${details})` : ""}`);
  }
  return `${lines.join("\n")}\n`;
}
