// taskflow-webhooks: the standalone server (Hono on Node, SQLite store) and its CLI.
export {
  DEFAULT_DB,
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  ServerStartError,
  startServer,
} from "./start-server.js";
export type { RunningServer, ServerStore, StartServerOptions } from "./start-server.js";
export {
  ConfigFileError,
  ServerConfigError,
  ServerConfigFileSchema,
  ServerSettingsSchema,
  loadServerConfig,
  parseServerConfig,
} from "./config-file.js";
export type { ServerConfig, ServerSettings } from "./config-file.js";
export { stdoutLogSink } from "./request-log.js";
export type { LogLine, LogSink } from "./request-log.js";
export { generateMissingEnvSecrets, quickStartMessage } from "./quick-start-secret.js";
export type { GeneratedSecret } from "./quick-start-secret.js";
