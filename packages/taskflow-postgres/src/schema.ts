// The versioned schema, in a PostgreSQL schema of its own (default `taskflow_webhooks`).
// Migrations are append-only and recorded in `<schema>.taskflow_migrations`. `migrate`
// runs them in ONE transaction that first takes a transaction-scoped advisory lock on the
// schema's name, so two instances starting at once serialise: the second waits, then
// finds nothing left to do. DDL is transactional in PostgreSQL, so a failed migration
// leaves nothing half-applied.
import type { ClientBase } from "pg";

export interface Migration {
  version: number;
  description: string;
  sql(schema: string): string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "flows and tasks",
    sql: (s) => `
      CREATE TABLE ${s}.flows (
        seq                 bigint GENERATED ALWAYS AS IDENTITY,
        flow_id             text    PRIMARY KEY,
        sync_mode           text    NOT NULL,
        owner_key           text    NOT NULL,
        controller_id       text,
        revision            integer NOT NULL,
        status              text    NOT NULL,
        notify_policy       text    NOT NULL,
        goal                text    NOT NULL,
        current_step        text,
        blocked_task_id     text,
        blocked_summary     text,
        state_json          jsonb,
        wait_json           jsonb,
        cancel_requested_at bigint,
        created_at          bigint  NOT NULL,
        updated_at          bigint  NOT NULL,
        ended_at            bigint,
        null_fields         jsonb,
        extra_json          jsonb
      );
      CREATE INDEX flows_by_owner ON ${s}.flows (owner_key, created_at DESC, seq DESC);
      CREATE INDEX flows_by_owner_status ON ${s}.flows (owner_key, status, created_at DESC, seq DESC);

      CREATE TABLE ${s}.tasks (
        seq                   bigint GENERATED ALWAYS AS IDENTITY,
        task_id               text    PRIMARY KEY,
        runtime               text    NOT NULL,
        owner_key             text,
        requester_session_key text,
        requester_agent_id    text,
        task_kind             text,
        metadata              jsonb,
        scope_kind            text    NOT NULL,
        parent_flow_id        text,
        source_id             text,
        child_session_key     text,
        parent_task_id        text,
        agent_id              text,
        run_id                text,
        label                 text,
        task                  text    NOT NULL,
        status                text    NOT NULL,
        delivery_status       text    NOT NULL,
        notify_policy         text    NOT NULL,
        created_at            bigint  NOT NULL,
        started_at            bigint,
        last_event_at         bigint,
        ended_at              bigint,
        cleanup_after         bigint,
        error                 text,
        progress_summary      text,
        terminal_summary      text,
        terminal_outcome      text,
        null_fields           jsonb,
        extra_json            jsonb
      );
      CREATE INDEX tasks_by_flow ON ${s}.tasks (parent_flow_id, seq);
      CREATE INDEX tasks_by_run ON ${s}.tasks (parent_flow_id, runtime, run_id) WHERE run_id IS NOT NULL;
    `,
  },
  {
    version: 2,
    description: "idempotency records",
    sql: (s) => `
      CREATE TABLE ${s}.idempotency (
        scope       text    PRIMARY KEY,
        fingerprint text    NOT NULL,
        token       text    NOT NULL,
        status      integer,
        body        text,
        expires_at  bigint  NOT NULL
      );
      CREATE INDEX idempotency_by_expiry ON ${s}.idempotency (expires_at);
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
export const DEFAULT_SCHEMA = "taskflow_webhooks";

/** Thrown when a database cannot be used by this version of the store. */
export class PostgresTaskFlowSchemaError extends Error {
  override readonly name = "PostgresTaskFlowSchemaError";
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Schema names are plain lower-case identifiers, so they can go into SQL unquoted. */
export function checkSchemaName(schema: string): string {
  if (!IDENTIFIER.test(schema)) {
    throw new TypeError(`schema must be a lower-case identifier (a-z, 0-9, _; at most 63), not ${JSON.stringify(schema)}.`);
  }
  return schema;
}

// The advisory lock's first key names this package, the second the schema.
const LOCK_CLASS = 0x54467773; // "TFws"

async function appliedVersion(client: ClientBase, schema: string): Promise<number | undefined> {
  const table = await client.query<{ present: boolean }>(
    "SELECT to_regclass($1) IS NOT NULL AS present",
    [`${schema}.taskflow_migrations`],
  );
  if (!table.rows[0]!.present) return undefined;
  const { rows } = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${schema}.taskflow_migrations`);
  return rows[0]!.v ?? 0;
}

function assertKnown(schema: string, version: number): void {
  if (version > SCHEMA_VERSION) {
    throw new PostgresTaskFlowSchemaError(
      `schema ${schema}: version ${version} is newer than the newest this version of ` +
        `@taskflow-webhooks/taskflow-postgres knows (${SCHEMA_VERSION}). Upgrade the package; nothing was changed.`,
    );
  }
}

/** The schema's version without changing anything (0 when it has no tables yet). */
export async function readSchemaVersion(client: ClientBase, schema: string): Promise<number> {
  return (await appliedVersion(client, schema)) ?? 0;
}

/** Brings the schema to SCHEMA_VERSION; returns the versions it applied (empty if none). */
export async function migrate(client: ClientBase, schema: string): Promise<number[]> {
  checkSchemaName(schema);
  // Fast path: already current, no lock taken.
  const seen = await appliedVersion(client, schema);
  if (seen !== undefined) {
    assertKnown(schema, seen);
    if (seen === SCHEMA_VERSION) return [];
  }
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [LOCK_CLASS, schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.taskflow_migrations (
      version     integer     PRIMARY KEY,
      description text        NOT NULL,
      applied_at  timestamptz NOT NULL DEFAULT now()
    )`);
    // Re-read under the lock: another instance may have migrated meanwhile.
    const current = (await appliedVersion(client, schema)) ?? 0;
    assertKnown(schema, current);
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      await client.query(migration.sql(schema));
      await client.query(`INSERT INTO ${schema}.taskflow_migrations (version, description) VALUES ($1, $2)`, [
        migration.version,
        migration.description,
      ]);
      applied.push(migration.version);
    }
    await client.query("COMMIT");
    return applied;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
