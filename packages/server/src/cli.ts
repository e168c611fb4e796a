// The `taskflow-webhooks` command. Exit codes: 0 clean shutdown, 1 runtime failure (missing
// file, port in use, database), 2 usage or configuration error; `send` exits with the
// answer's status class (0 for 2xx, 4 for 4xx, 5 for 5xx).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { checkConfig, formatCheckReport } from "./check-config.js";
import { ConfigFileError, ServerConfigError, loadServerConfig } from "./config-file.js";
import { LOG_FORMATS, LOG_LEVELS, createLogSink } from "./log-sink.js";
import { SendUsageError, exitCodeOf, formatSendResult, sendAction } from "./send-action.js";
import { generateMissingEnvSecrets, quickStartMessage } from "./quick-start-secret.js";
import { isPostgresUrl, redactUrl } from "./connection-url.js";
import { ServerStartError, startServer, type RunningServer } from "./start-server.js";
import { watchStopSignals } from "./stop-signals.js";

const USAGE = `Usage:
  taskflow-webhooks serve --config <file> [options]   run the server
  taskflow-webhooks check --config <file>             validate a config, resolve its secrets
  taskflow-webhooks send <action> --url <url> --secret-env <NAME> [--field key=value ...]
  taskflow-webhooks openapi                           print the OpenAPI 3.1 document
  taskflow-webhooks migrate --db postgres://…             apply PostgreSQL migrations (or $DATABASE_URL)
  taskflow-webhooks --version

serve options:
  -c, --config <file>              JSON or JSON5 config: { routes: {...}, server?: {...} }
  -p, --port <n>                   port (default: $PORT, server.port, 8787; 0 = any free port)
  -H, --host <host>                interface (default: $HOST, server.host, 127.0.0.1)
      --db <path|url>              SQLite file, or postgres://… for PostgreSQL (default:
                                   $DATABASE_URL if a postgres:// URL, server.db,
                                   ./.data/taskflows.sqlite)
      --limiter <memory|sqlite|redis://…>
                                   rate-limit store (default: $REDIS_URL, server.limiter,
                                   memory)
      --store <sqlite|memory>      TaskFlow store (default: server.store, sqlite)
      --generate-secret-if-missing quick start: a random secret for each unset env secret,
                                   printed once to stderr
      --log-level <level>          debug, info (default), warn or error
      --log-format <json|pretty>   one JSON object per line (default) or a terminal line
      --metrics                    serve Prometheus metrics on GET /metrics (or server.metrics)
      --strict                     refuse to start on config warnings (a plain secret
                                   under 16 bytes, no enabled route) instead of logging them
  -h, --help                       this help

send options:
      --url <url>                  the route's URL, e.g. http://127.0.0.1:8787/plugins/webhooks/demo
      --secret-env <NAME>          environment variable holding the route's secret
  -f, --field <key=value>          an action field; the value is JSON when it parses
                                   (42, true, null, {"a":1}; '"42"' is the text 42),
                                   else text
      --idempotency-key <key>      send Idempotency-Key
      --timeout-ms <n>             give up after n ms (default 30000)
`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  switch (argv[0]) {
    case "--version":
    case "-v":
      process.stdout.write(`taskflow-webhooks ${packageVersion()}\n`);
      return 0;
    case "check":
      return check(argv.slice(1));
    case "send":
      return send(argv.slice(1));
    case "openapi":
      return openapi(argv.slice(1));
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: "string", short: "c" },
        port: { type: "string", short: "p" },
        host: { type: "string", short: "H" },
        db: { type: "string" },
        limiter: { type: "string" },
        store: { type: "string" },
        "generate-secret-if-missing": { type: "boolean" },
        "log-level": { type: "string" },
        "log-format": { type: "string" },
        metrics: { type: "boolean" },
        strict: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [command, ...extra] = positionals;
  if (command === "migrate") {
    if (extra.length > 0) return usageError(`unexpected argument "${extra[0]}"`);
    return migrateCommand(values.db ?? process.env.DATABASE_URL);
  }
  if (command !== "serve") return usageError(command ? `unknown command "${command}"` : "missing command");
  if (extra.length > 0) return usageError(`unexpected argument "${extra[0]}"`);
  if (!values.config) return usageError("--config <file> is required");

  let server: RunningServer;
  const signals = watchStopSignals((error) => fatal(`shutdown failed: ${(error as Error)?.message ?? String(error)}`, 1));
  try {
    const port = portOf(values.port, "--port") ?? portOf(process.env.PORT, "PORT");
    const host = values.host ?? (process.env.HOST?.trim() || undefined);
    const store = values.store;
    if (store !== undefined && store !== "sqlite" && store !== "memory") {
      throw new UsageError(`--store must be sqlite or memory, not "${store}"`);
    }
    const log = createLogSink({
      level: oneOf(values["log-level"], LOG_LEVELS, "--log-level") ?? "info",
      format: oneOf(values["log-format"], LOG_FORMATS, "--log-format") ?? "json",
    });
    // Connection strings from the environment, as platforms hand them out. DATABASE_URL
    // counts only when it names PostgreSQL, so an unrelated variable never moves the
    // quick start off SQLite.
    const envDb = isPostgresUrl(process.env.DATABASE_URL) ? process.env.DATABASE_URL : undefined;
    const db = values.db ?? envDb;
    const limiter = values.limiter ?? (process.env.REDIS_URL?.trim() || undefined);
    const config = await loadServerConfig(values.config);
    const generated = values["generate-secret-if-missing"] ? generateMissingEnvSecrets(config.webhooks) : [];
    server = await startServer({
      config,
      ...(port !== undefined && { port }),
      ...(host !== undefined && { host }),
      ...(db !== undefined && { db }),
      ...(limiter !== undefined && { limiter }),
      ...(store !== undefined && { store }),
      ...(values.metrics && { metrics: true }),
      log,
      ...(values.strict && { strict: true }),
    });
    for (const secret of generated) process.stderr.write(quickStartMessage(secret, server.url));
  } catch (error) {
    signals.dispose();
    if (error instanceof UsageError) return usageError(error.message);
    if (error instanceof ServerConfigError) return fatal(error.message, 2);
    if (error instanceof ConfigFileError || error instanceof ServerStartError) return fatal(error.message, 1);
    return fatal(`could not start: ${(error as Error)?.message ?? String(error)}`, 1);
  }

  return signals.closeOnSignal(server);
}

async function check(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, strict: true, options: { config: { type: "string", short: "c" } } }));
  } catch (error) {
    return usageError((error as Error).message);
  }
  if (!values.config) return usageError("check: --config <file> is required");
  try {
    const report = await checkConfig(values.config);
    process.stdout.write(formatCheckReport(report));
    return report.routes.some((r) => r.state === "cold") ? 2 : 0;
  } catch (error) {
    if (error instanceof ServerConfigError) return fatal(error.message, 2);
    if (error instanceof ConfigFileError) return fatal(error.message, 2);
    return fatal(`check failed: ${(error as Error)?.message ?? String(error)}`, 2);
  }
}

async function send(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: "string" },
        "secret-env": { type: "string" },
        field: { type: "string", short: "f", multiple: true },
        "idempotency-key": { type: "string" },
        "timeout-ms": { type: "string" },
      },
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [action, ...extra] = positionals;
  if (!action) return usageError("send: the action is required (e.g. send create_flow --field goal=Review)");
  if (extra.length > 0) return usageError(`send: unexpected argument "${extra[0]}" (fields go in --field key=value)`);
  if (!values.url) return usageError("send: --url <url> is required");
  if (!values["secret-env"]) return usageError("send: --secret-env <NAME> is required (the secret is read from that variable)");
  const secret = process.env[values["secret-env"]]?.trim();
  if (!secret) return usageError(`send: environment variable ${values["secret-env"]} is not set or empty`);
  const timeout = values["timeout-ms"] === undefined ? undefined : Number(values["timeout-ms"]);
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) return usageError("send: --timeout-ms must be a positive integer");
  try {
    const result = await sendAction({
      action,
      fields: values.field ?? [],
      url: values.url,
      secret,
      ...(values["idempotency-key"] !== undefined && { idempotencyKey: values["idempotency-key"] }),
      ...(timeout !== undefined && { timeoutMs: timeout }),
    });
    process.stdout.write(formatSendResult(result));
    return exitCodeOf(result.status);
  } catch (error) {
    if (error instanceof SendUsageError) return usageError(`send: ${error.message}`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return fatal(`send: request to ${values.url} failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`, 1);
  }
}

function openapi(argv: string[]): number {
  if (argv.length > 0) return usageError(`openapi: unexpected argument "${argv[0]}"`);
  const file = createRequire(import.meta.url).resolve("@taskflow-webhooks/core/openapi.json");
  process.stdout.write(readFileSync(file, "utf8"));
  return 0;
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

function oneOf<T extends string>(raw: string | undefined, allowed: readonly T[], name: string): T | undefined {
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw)) throw new UsageError(`${name} must be one of ${allowed.join(", ")}, not "${raw}"`);
  return raw as T;
}

/** Applies pending PostgreSQL migrations (what `serve` does at start) and exits. */
async function migrateCommand(url: string | undefined): Promise<number> {
  if (!isPostgresUrl(url)) return usageError("migrate needs --db postgres://… or DATABASE_URL");
  const { openPostgresTaskFlowStore } = await import("@taskflow-webhooks/taskflow-postgres");
  try {
    const store = await openPostgresTaskFlowStore({ connectionString: url, maxConnections: 1 });
    process.stdout.write(`taskflow-webhooks: schema ${store.schema} of ${redactUrl(url)} is at version ${store.schemaVersion}\n`);
    await store.close();
    return 0;
  } catch (error) {
    return fatal(`migrate failed on ${redactUrl(url)}: ${(error as Error).message}`, 1);
  }
}

function portOf(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(`${name} must be an integer from 0 to 65535, not "${raw}"`);
  }
  return port;
}

function usageError(message: string): number {
  process.stderr.write(`taskflow-webhooks: ${message}\n\n${USAGE}`);
  return 2;
}

function fatal(message: string, code: number): number {
  process.stderr.write(`taskflow-webhooks: ${message}\n`);
  return code;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Nothing should be left running; make sure a stray handle cannot keep us alive.
    setTimeout(() => process.exit(code), 1_000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`taskflow-webhooks: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);
