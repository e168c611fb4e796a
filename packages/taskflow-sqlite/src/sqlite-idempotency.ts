// Idempotency records in the TaskFlow database itself (table `idempotency`), so a record
// can commit in the same transaction as the flow or task write it answers for. Each port
// call is one write of the store's group commit (BEGIN IMMEDIATE holds the file's write
// lock), so processes sharing the file agree on who holds a key, and its answer settles
// only once durable. `expires_at` is the lock's end for a reservation and the replay
// window's end for an answer; expired rows are pruned in batches as keys arrive.
import { randomUUID } from "node:crypto";
import type Database from "better-sqlite3";
import { reservationOfRow, type IdempotencyRecordRow, type IdempotencyStore, type IdempotentWrite, type Reservation, type StoredAnswer } from "@taskflow-webhooks/core";
import type { GroupCommit } from "./group-commit.js";

export interface SqliteIdempotencyStore extends IdempotencyStore {
  reserve(scope: string, fingerprint: string, options: { now: number; lockMs: number }): Promise<Reservation>;
  complete(scope: string, token: string, answer: StoredAnswer, options: { now: number; ttlMs: number }): Promise<boolean>;
  release(scope: string, token: string): Promise<void>;
}

/** The store plus the hook the TaskFlow writes call inside their own transaction. */
export interface SqliteIdempotency {
  store: SqliteIdempotencyStore;
  /**
   * Inside a write (its savepoint): stores `write.answerFor(outcome)`, if any, for the
   * reservation, so the write and its record commit or roll back together.
   */
  recordInTransaction<O>(write: IdempotentWrite<O> | undefined, outcome: O): void;
}

type RecordRow = IdempotencyRecordRow;

const PRUNE_EVERY = 256;
const PRUNE_BATCH = 1_000;

export function createSqliteIdempotency(db: Database.Database, writes: GroupCommit): SqliteIdempotency {
  const select = db.prepare<[string], RecordRow>(
    "SELECT fingerprint, token, status, body, expires_at FROM idempotency WHERE scope = ?",
  );
  const claim = db.prepare<{ scope: string; fingerprint: string; token: string; expiresAt: number }>(
    `INSERT INTO idempotency (scope, fingerprint, token, status, body, expires_at)
     VALUES (@scope, @fingerprint, @token, NULL, NULL, @expiresAt)
     ON CONFLICT (scope) DO UPDATE SET fingerprint = excluded.fingerprint, token = excluded.token,
       status = NULL, body = NULL, expires_at = excluded.expires_at`,
  );
  const completeRow = db.prepare<{ scope: string; token: string; status: number; body: string; expiresAt: number }>(
    `UPDATE idempotency SET status = @status, body = @body, expires_at = @expiresAt
     WHERE scope = @scope AND token = @token AND status IS NULL`,
  );
  const releaseRow = db.prepare<[string, string]>("DELETE FROM idempotency WHERE scope = ? AND token = ? AND status IS NULL");
  const prune = db.prepare<[number, number]>(
    "DELETE FROM idempotency WHERE rowid IN (SELECT rowid FROM idempotency WHERE expires_at <= ? LIMIT ?)",
  );

  const complete = (scope: string, token: string, answer: StoredAnswer, now: number, ttlMs: number) =>
    completeRow.run({ scope, token, status: answer.status, body: answer.body, expiresAt: now + ttlMs }).changes === 1;
  // A storage failure rejects: the core answers 500 and a retry runs anew.
  const rethrow = (error: unknown): never => {
    throw error;
  };

  let calls = 0;
  const store: SqliteIdempotencyStore = {
    reserve: (scope, fingerprint, { now, lockMs }) =>
      writes.write({
        run: (): Reservation => {
          if (++calls % PRUNE_EVERY === 0) prune.run(now, PRUNE_BATCH);
          const live = reservationOfRow(select.get(scope), fingerprint, now);
          if (live) return live;
          const token = randomUUID();
          claim.run({ scope, fingerprint, token, expiresAt: now + lockMs });
          return { state: "reserved", token };
        },
        failed: rethrow,
      }),
    complete: (scope, token, answer, { now, ttlMs }) =>
      writes.write({ run: () => complete(scope, token, answer, now, ttlMs), failed: rethrow }),
    release: (scope, token) =>
      writes.write({
        run: () => {
          releaseRow.run(scope, token);
        },
        failed: rethrow,
      }),
  };
  return {
    store,
    recordInTransaction(write, outcome) {
      if (!write) return;
      const answer = write.answerFor(outcome);
      if (answer) complete(write.scope, write.token, answer, write.now, write.ttlMs);
    },
  };
}
