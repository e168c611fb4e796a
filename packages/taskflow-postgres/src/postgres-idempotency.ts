// Idempotency records in the TaskFlow database (`<schema>.idempotency`), so a record can
// commit in the same transaction as the flow or task write it answers for. `reserve` is
// one upsert whose DO UPDATE only fires on an expired row: two instances reserving one key
// at once serialise on the row, and exactly one gets `reserved`. `expires_at` is the
// lock's end for a reservation and the replay window's end for an answer; expired rows
// are pruned in batches as keys arrive.
import { randomUUID } from "node:crypto";
import { reservationOfRow, type IdempotencyRecordRow, type IdempotencyStore, type IdempotentWrite, type Reservation, type StoredAnswer } from "@taskflow-webhooks/core";

type Row = Record<string, unknown>;
export type Query = (text: string, values?: unknown[]) => Promise<Row[]>;

export interface PostgresIdempotencyStore extends IdempotencyStore {
  reserve(scope: string, fingerprint: string, options: { now: number; lockMs: number }): Promise<Reservation>;
  complete(scope: string, token: string, answer: StoredAnswer, options: { now: number; ttlMs: number }): Promise<boolean>;
  release(scope: string, token: string): Promise<void>;
}

export interface PostgresIdempotency {
  store: PostgresIdempotencyStore;
  /** Inside a write's transaction: stores `write.answerFor(outcome)`, if any, for the reservation. */
  recordInTransaction<O>(q: Query, write: IdempotentWrite<O> | undefined, outcome: O): Promise<void>;
}

const PRUNE_EVERY = 256;
const PRUNE_BATCH = 1_000;

/** `run` executes one statement on its own connection (storage failures reject). */
export function createPostgresIdempotency(schema: string, run: <T>(work: (q: Query) => Promise<T>) => Promise<T>): PostgresIdempotency {
  const table = `${schema}.idempotency`;
  const claimSql = `INSERT INTO ${table} AS r (scope, fingerprint, token, status, body, expires_at) VALUES ($1, $2, $3, NULL, NULL, $4)
    ON CONFLICT (scope) DO UPDATE SET fingerprint = excluded.fingerprint, token = excluded.token,
      status = NULL, body = NULL, expires_at = excluded.expires_at
    WHERE r.expires_at <= $5
    RETURNING token`;
  const selectSql = `SELECT fingerprint, status, body, expires_at FROM ${table} WHERE scope = $1`;
  const completeSql = `UPDATE ${table} SET status = $3, body = $4, expires_at = $5 WHERE scope = $1 AND token = $2 AND status IS NULL`;
  const releaseSql = `DELETE FROM ${table} WHERE scope = $1 AND token = $2 AND status IS NULL`;
  const pruneSql = `DELETE FROM ${table} WHERE scope IN (SELECT scope FROM ${table} WHERE expires_at <= $1 LIMIT ${PRUNE_BATCH})`;

  const complete = async (q: Query, scope: string, token: string, answer: StoredAnswer, now: number, ttlMs: number) =>
    (await q(`${completeSql} RETURNING 1`, [scope, token, answer.status, answer.body, now + ttlMs])).length === 1;

  let calls = 0;
  const store: PostgresIdempotencyStore = {
    async reserve(scope, fingerprint, { now, lockMs }) {
      if (++calls % PRUNE_EVERY === 0) await run((q) => q(pruneSql, [now]));
      // A live row answers; a row released or expired between the two statements is claimed on the next turn.
      for (let attempt = 0; attempt < 3; attempt++) {
        const token = randomUUID();
        const claimed = await run((q) => q(claimSql, [scope, fingerprint, token, now + lockMs, now]));
        if (claimed.length === 1) return { state: "reserved", token };
        const row = (await run((q) => q(selectSql, [scope])))[0] as IdempotencyRecordRow | undefined;
        const live = reservationOfRow(row, fingerprint, now);
        if (live) return live;
      }
      throw new Error(`Idempotency record ${JSON.stringify(scope)} kept changing while being reserved.`);
    },
    complete: (scope, token, answer, { now, ttlMs }) => run((q) => complete(q, scope, token, answer, now, ttlMs)),
    async release(scope, token) {
      await run((q) => q(releaseSql, [scope, token]));
    },
  };
  return {
    store,
    async recordInTransaction(q, write, outcome) {
      if (!write) return;
      const answer = write.answerFor(outcome);
      if (answer) await complete(q, write.scope, write.token, answer, write.now, write.ttlMs);
    },
  };
}
