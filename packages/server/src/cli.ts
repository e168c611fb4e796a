// The `taskflow-webhooks` command. Exit codes: 0 clean shutdown, 1 runtime failure (missing
// file, port in use, database), 2 usage or configuration error.
import { parseArgs } from "node:util";
import { ConfigFileError, ServerConfigError, loadServerConfig } from "./config-file.js";
import { generateMissingEnvSecrets, quickStartMessage } from "./quick-start-secret.js";
import { ServerStartError, startServer, type RunningServer } from "./start-server.js";

const USAGE = `Usage: taskflow-webhooks serve --config <file> [options]

Options:
  -c, --config <file>              JSON or JSON5 config: { routes: {...}, server?: {...} }
  -p, --port <n>                   port (default: $PORT, server.port, 8787; 0 = any free port)
  -H, --host <host>                interface (default: $HOST, server.host, 127.0.0.1)
      --db <path>                  SQLite file (default: server.db, ./.data/taskflows.sqlite)
      --store <sqlite|memory>      TaskFlow store (default: server.store, sqlite)
      --generate-secret-if-missing quick start: a random secret for each unset env secret,
                                   printed once to stderr
  -h, --help                       this help
`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
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
        store: { type: "string" },
        "generate-secret-if-missing": { type: "boolean" },
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
  if (command !== "serve") return usageError(command ? `unknown command "${command}"` : "missing command");
  if (extra.length > 0) return usageError(`unexpected argument "${extra[0]}"`);
  if (!values.config) return usageError("--config <file> is required");

  let server: RunningServer;
  try {
    const port = portOf(values.port, "--port") ?? portOf(process.env.PORT, "PORT");
    const host = values.host ?? (process.env.HOST?.trim() || undefined);
    const store = values.store;
    if (store !== undefined && store !== "sqlite" && store !== "memory") {
      throw new UsageError(`--store must be sqlite or memory, not "${store}"`);
    }
    const config = await loadServerConfig(values.config);
    const generated = values["generate-secret-if-missing"] ? generateMissingEnvSecrets(config.webhooks) : [];
    server = await startServer({
      config,
      ...(port !== undefined && { port }),
      ...(host !== undefined && { host }),
      ...(values.db !== undefined && { db: values.db }),
      ...(store !== undefined && { store }),
    });
    for (const secret of generated) process.stderr.write(quickStartMessage(secret, server.url));
  } catch (error) {
    if (error instanceof UsageError) return usageError(error.message);
    if (error instanceof ServerConfigError) return fatal(error.message, 2);
    if (error instanceof ConfigFileError || error instanceof ServerStartError) return fatal(error.message, 1);
    return fatal(`could not start: ${(error as Error)?.message ?? String(error)}`, 1);
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`taskflow-webhooks: ${signal} again, exiting now\n`);
        process.exit(1);
      }
      stopping = true;
      server.close().then(
        () => resolve(0),
        (error: unknown) => resolve(fatal(`shutdown failed: ${(error as Error)?.message ?? String(error)}`, 1)),
      );
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
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
