// The Gateway's durable idempotency records: one SQLite file in the plugin's state
// directory, through Node's built-in `node:sqlite` (the Gateway runs on Node 24). Built in,
// so the self-contained plugin bundle needs no native module; loaded with
// `process.getBuiltinModule` at first use, so the bundle still loads on Node 20 (tests,
// older hosts), where `loadNodeSqlite()` answers undefined and the caller falls back.
// Same rules as the core's IdempotencyStore port; each call is one statement or one
// BEGIN IMMEDIATE transaction on a synchronous connection, WAL, synchronous = FULL.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { reservationOfRow, type IdempotencyRecordRow, type IdempotencyStore, type Reservation, type StoredAnswer } from "@taskflow-webhooks/core";

/** The slice of `node:sqlite` used here (typed structurally: @types/node 20 has none). */
interface StatementSync {
  run(...params: unknown[]): { changes: number | bigint };
  get(...params: unknown[]): unknown;
}
interface DatabaseSync {
  exec(sql: string): void;
  prepare(sql: string): StatementSync;
  close(): void;
  readonly isOpen?: boolean;
}
export interface NodeSqlite {
  DatabaseSync: new (path: string, options?: { timeout?: number }) => DatabaseSync;
}

/** `node:sqlite` when this Node has it (22.5+), else undefined. */
export function loadNodeSqlite(): NodeSqlite | undefined {
  const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  try {
    const sqlite = getBuiltin?.call(process, "node:sqlite") as NodeSqlite | undefined;
    return typeof sqlite?.DatabaseSync === "function" ? sqlite : undefined;
  } catch {
    return undefined;
  }
}

export interface DurableIdempotencyStore extends IdempotencyStore {
  reserve(scope: string, fingerprint: string, options: { now: number; lockMs: number }): Reservation;
  complete(scope: string, token: string, answer: StoredAnswer, options: { now: number; ttlMs: number }): boolean;
  release(scope: string, token: string): void;
  close(): void;
}

type RecordRow = IdempotencyRecordRow;

const PRUNE_EVERY = 256;

export function openDurableIdempotencyStore(
  sqlite: NodeSqlite,
  path: string,
  generateToken: () => string,
): DurableIdempotencyStore {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new sqlite.DatabaseSync(path, { timeout: 5_000 });
  try {
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
    db.exec(`CREATE TABLE IF NOT EXISTS idempotency (
      scope TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, token TEXT NOT NULL,
      status INTEGER, body TEXT, expires_at INTEGER NOT NULL
    ); CREATE INDEX IF NOT EXISTS idempotency_by_expiry ON idempotency (expires_at);`);
  } catch (error) {
    db.close();
    throw error;
  }
  const select = db.prepare("SELECT fingerprint, token, status, body, expires_at FROM idempotency WHERE scope = ?");
  const claim = db.prepare(
    `INSERT INTO idempotency (scope, fingerprint, token, status, body, expires_at) VALUES (?, ?, ?, NULL, NULL, ?)
     ON CONFLICT (scope) DO UPDATE SET fingerprint = excluded.fingerprint, token = excluded.token,
       status = NULL, body = NULL, expires_at = excluded.expires_at`,
  );
  const completeRow = db.prepare(
    "UPDATE idempotency SET status = ?, body = ?, expires_at = ? WHERE scope = ? AND token = ? AND status IS NULL",
  );
  const releaseRow = db.prepare("DELETE FROM idempotency WHERE scope = ? AND token = ? AND status IS NULL");
  const prune = db.prepare(
    "DELETE FROM idempotency WHERE rowid IN (SELECT rowid FROM idempotency WHERE expires_at <= ? LIMIT 1000)",
  );

  const inTransaction = <T>(work: () => T): T => {
    db.exec("BEGIN IMMEDIATE");
    try {
      const result = work();
      db.exec("COMMIT");
      return result;
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
  };

  let calls = 0;
  return {
    reserve(scope, fingerprint, { now, lockMs }) {
      return inTransaction((): Reservation => {
        if (++calls % PRUNE_EVERY === 0) prune.run(now);
        const live = reservationOfRow(select.get(scope) as RecordRow | undefined, fingerprint, now);
        if (live) return live;
        const token = generateToken();
        claim.run(scope, fingerprint, token, now + lockMs);
        return { state: "reserved", token };
      });
    },
    complete(scope, token, answer, { now, ttlMs }) {
      return Number(completeRow.run(answer.status, answer.body, now + ttlMs, scope, token).changes) === 1;
    },
    release(scope, token) {
      releaseRow.run(scope, token);
    },
    close() {
      if (db.isOpen !== false) db.close();
    },
  };
}
