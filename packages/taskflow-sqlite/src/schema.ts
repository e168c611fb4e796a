// The versioned schema: `PRAGMA user_version` holds the version of the newest migration
// applied. Migrations are append-only; each runs once, in order, inside one
// `BEGIN IMMEDIATE` transaction together with the version bump, so a crash or a second
// process opening the same file never sees a half-migrated database.
import type Database from "better-sqlite3";

export interface Migration {
  version: number;
  description: string;
  up(db: Database.Database): void;
}

/** Identifies a TaskFlow database file (`PRAGMA application_id`): "TFws". */
export const APPLICATION_ID = 0x54467773;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "flows and tasks",
    up(db) {
      db.exec(`
        CREATE TABLE flows (
          seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
          flow_id             TEXT    NOT NULL UNIQUE,
          sync_mode           TEXT    NOT NULL,
          owner_key           TEXT    NOT NULL,
          controller_id       TEXT,
          revision            INTEGER NOT NULL,
          status              TEXT    NOT NULL,
          notify_policy       TEXT    NOT NULL,
          goal                TEXT    NOT NULL,
          current_step        TEXT,
          blocked_task_id     TEXT,
          blocked_summary     TEXT,
          state_json          TEXT,
          wait_json           TEXT,
          cancel_requested_at INTEGER,
          created_at          INTEGER NOT NULL,
          updated_at          INTEGER NOT NULL,
          ended_at            INTEGER,
          null_fields         TEXT,
          extra_json          TEXT
        );
        CREATE INDEX flows_by_owner ON flows (owner_key, created_at DESC, seq DESC);

        CREATE TABLE tasks (
          seq                   INTEGER PRIMARY KEY AUTOINCREMENT,
          task_id               TEXT    NOT NULL UNIQUE,
          runtime               TEXT    NOT NULL,
          owner_key             TEXT,
          requester_session_key TEXT,
          requester_agent_id    TEXT,
          task_kind             TEXT,
          metadata              TEXT,
          scope_kind            TEXT    NOT NULL,
          parent_flow_id        TEXT,
          source_id             TEXT,
          child_session_key     TEXT,
          parent_task_id        TEXT,
          agent_id              TEXT,
          run_id                TEXT,
          label                 TEXT,
          task                  TEXT    NOT NULL,
          status                TEXT    NOT NULL,
          delivery_status       TEXT    NOT NULL,
          notify_policy         TEXT    NOT NULL,
          created_at            INTEGER NOT NULL,
          started_at            INTEGER,
          last_event_at         INTEGER,
          ended_at              INTEGER,
          cleanup_after         INTEGER,
          error                 TEXT,
          progress_summary      TEXT,
          terminal_summary      TEXT,
          terminal_outcome      TEXT,
          null_fields           TEXT,
          extra_json            TEXT
        );
        CREATE INDEX tasks_by_flow ON tasks (parent_flow_id);  -- rowid (seq) order within a flow
        CREATE INDEX tasks_by_owner ON tasks (owner_key, created_at DESC, seq DESC);
        CREATE INDEX tasks_by_run ON tasks (parent_flow_id, runtime, run_id) WHERE run_id IS NOT NULL;
      `);
      db.pragma(`application_id = ${APPLICATION_ID}`);
    },
  },
  {
    version: 2,
    description: "list_flows pages filtered by status",
    up(db) {
      // flows_by_owner serves unfiltered pages; this one serves `status` pages the same way.
      db.exec("CREATE INDEX flows_by_owner_status ON flows (owner_key, status, created_at DESC, seq DESC)");
    },
  },
  {
    version: 3,
    description: "idempotency records",
    up(db) {
      // status/body NULL: a reservation whose lock ends at expires_at; else a stored answer
      // replayed until expires_at.
      db.exec(`
        CREATE TABLE idempotency (
          scope       TEXT    PRIMARY KEY,
          fingerprint TEXT    NOT NULL,
          token       TEXT    NOT NULL,
          status      INTEGER,
          body        TEXT,
          expires_at  INTEGER NOT NULL
        );
        CREATE INDEX idempotency_by_expiry ON idempotency (expires_at);
      `);
    },
  },
  {
    version: 4,
    description: "owner indexes in ascending order",
    up(db) {
      // Lists are newest first; SQLite walks an ascending index backwards for that just as
      // well, with no sort. New rows then land at the end of an owner's range instead of its
      // start, where SQLite's page splits kept the index about half empty and touched more
      // pages per insert (36.6 → 33 WAL frames per commit of 19 creates; 15 % smaller file).
      db.exec(`
        DROP INDEX flows_by_owner;
        CREATE INDEX flows_by_owner ON flows (owner_key, created_at, seq);
        DROP INDEX flows_by_owner_status;
        CREATE INDEX flows_by_owner_status ON flows (owner_key, status, created_at, seq);
        DROP INDEX tasks_by_owner;
        CREATE INDEX tasks_by_owner ON tasks (owner_key, created_at, seq);
      `);
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Thrown when a file cannot be used by this version of the store. */
export class SqliteTaskFlowSchemaError extends Error {
  override readonly name = "SqliteTaskFlowSchemaError";
}

function readVersion(db: Database.Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

function assertUsable(db: Database.Database, version: number): void {
  if (version > SCHEMA_VERSION) {
    throw new SqliteTaskFlowSchemaError(
      `${db.name}: schema version ${version} is newer than the newest this version of ` +
        `@taskflow-webhooks/taskflow-sqlite knows (${SCHEMA_VERSION}). Upgrade the package; the file was left untouched.`,
    );
  }
  const applicationId = db.pragma("application_id", { simple: true }) as number;
  if (applicationId !== 0 && applicationId !== APPLICATION_ID) {
    throw new SqliteTaskFlowSchemaError(
      `${db.name}: not a TaskFlow database (application_id ${applicationId}); the file was left untouched.`,
    );
  }
}

/** Brings the file to SCHEMA_VERSION and returns it; throws SqliteTaskFlowSchemaError if it cannot. */
export function migrate(db: Database.Database): number {
  const seen = readVersion(db);
  assertUsable(db, seen);
  if (seen === SCHEMA_VERSION) return seen;

  db.transaction(() => {
    // Re-read under the write lock: another process may have migrated meanwhile.
    const current = readVersion(db);
    assertUsable(db, current);
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }
  }).immediate();
  return readVersion(db);
}
