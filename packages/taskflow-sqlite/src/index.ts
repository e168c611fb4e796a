// @taskflow-webhooks/taskflow-sqlite: the durable TaskFlow store on one SQLite file.
export {
  DEFAULT_BUSY_TIMEOUT_MS,
  DEFAULT_MAX_WRITES_PER_COMMIT,
  openSqliteTaskFlowStore,
  SqliteNotWritableError,
  SqliteStorageFaultError,
  type SqliteBoundTaskFlow,
  type SqliteTaskFlowStore,
  type SqliteTaskFlowStoreOptions,
} from "./sqlite-store.js";
export { SCHEMA_VERSION, SqliteTaskFlowSchemaError } from "./schema.js";
export {
  openSqliteLimiterStore,
  type SqliteLimiterStore,
  type SqliteLimiterStoreOptions,
} from "./sqlite-limiter-store.js";
export type { SqliteIdempotencyStore } from "./sqlite-idempotency.js";
