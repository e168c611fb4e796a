// @taskflow-webhooks/taskflow-postgres: the TaskFlow store on PostgreSQL, for many instances on one database.
export {
  DEFAULT_CONNECTION_TIMEOUT_MS,
  DEFAULT_QUERY_TIMEOUT_MS,
  openPostgresTaskFlowStore,
  type PostgresBoundTaskFlow,
  type PostgresTaskFlowStore,
  type PostgresTaskFlowStoreOptions,
} from "./postgres-store.js";
export { DEFAULT_SCHEMA, MIGRATIONS, PostgresTaskFlowSchemaError, SCHEMA_VERSION, migrate, readSchemaVersion } from "./schema.js";
export { OutcomeUnknownError } from "./storage-errors.js";
export type { PostgresIdempotencyStore } from "./postgres-idempotency.js";
