// Idempotency records in process memory, bounded two ways: at most `maxRecords` scopes and
// at most `maxAnswerBytes` of stored answer bodies. Records sit in a Map, their reservation
// order in a queue of its own; when either cap is reached the oldest records go first,
// expired or not. (Not the Map's own order: a Map that keeps losing its oldest entries
// walks over their deleted slots on every `entries().next()`, ~50 µs per call at 10 000.) An
// evicted answer is simply forgotten: a retry after that runs the action again, as one
// after `ttlHours` does. Expired records at the front are swept on every reserve, so under
// steady traffic the map holds about one TTL's worth of keys, never more than the cap.
// Everything here is synchronous, so each call is atomic within the process.
import type { CompleteOptions, IdempotencyStore, Reservation, ReserveOptions, StoredAnswer } from "../ports/idempotency-store.js";

export interface MemoryIdempotencyStoreOptions {
  /** Most scopes remembered at once (default 10 000). */
  maxRecords?: number;
  /** Most answer body characters remembered at once (default 32 Mi, ~32 MiB for ASCII JSON). */
  maxAnswerBytes?: number;
}

export interface MemoryIdempotencyStore extends IdempotencyStore {
  reserve(scope: string, fingerprint: string, options: ReserveOptions): Reservation;
  complete(scope: string, token: string, answer: StoredAnswer, options: CompleteOptions): boolean;
  release(scope: string, token: string): void;
  /** Records currently held (for monitoring and tests). */
  size(): number;
}

interface MemoryRecord {
  fingerprint: string;
  token: string;
  /** Reservation: blocks until then. Completed: unused. */
  lockedUntil: number;
  answer?: StoredAnswer;
  expiresAt: number;
}

export const DEFAULT_IDEMPOTENCY_MAX_RECORDS = 10_000;
export const DEFAULT_IDEMPOTENCY_MAX_ANSWER_BYTES = 32 * 1024 * 1024;

export function createMemoryIdempotencyStore(options: MemoryIdempotencyStoreOptions = {}): MemoryIdempotencyStore {
  const maxRecords = Math.max(1, options.maxRecords ?? DEFAULT_IDEMPOTENCY_MAX_RECORDS);
  const maxAnswerBytes = Math.max(0, options.maxAnswerBytes ?? DEFAULT_IDEMPOTENCY_MAX_ANSWER_BYTES);
  const records = new Map<string, MemoryRecord>();
  // Reservation order, oldest at `head`. Entries whose record was dropped or replaced stay
  // until they reach the head (skipped then) or the queue is compacted: at most 2× the cap.
  let queue: Array<{ scope: string; record: MemoryRecord }> = [];
  let head = 0;
  let answerBytes = 0;
  let nextToken = 0;

  const isCurrent = (entry: { scope: string; record: MemoryRecord }) => records.get(entry.scope) === entry.record;
  /** The oldest record still held, stale queue entries skipped (and forgotten). */
  const oldest = () => {
    while (head < queue.length && !isCurrent(queue[head]!)) head++;
    return head < queue.length ? queue[head]! : undefined;
  };
  const enqueue = (scope: string, record: MemoryRecord) => {
    queue.push({ scope, record });
    if (queue.length - head > 2 * maxRecords + 16 || head > maxRecords) {
      queue = queue.slice(head).filter(isCurrent);
      head = 0;
    }
  };

  const isLive = (record: MemoryRecord, now: number) =>
    record.answer ? record.expiresAt > now : record.lockedUntil > now;

  const drop = (scope: string, record: MemoryRecord) => {
    records.delete(scope);
    if (record.answer) answerBytes -= record.answer.body.length;
  };

  const dropOldest = () => {
    const entry = oldest();
    if (entry) drop(entry.scope, entry.record);
  };

  return {
    reserve(scope, fingerprint, { now, lockMs }) {
      // Sweep a few expired records off the front (cheap, amortized).
      for (let i = 0; i < 4; i++) {
        const first = oldest();
        if (!first || isLive(first.record, now)) break;
        drop(first.scope, first.record);
      }
      const record = records.get(scope);
      if (record && isLive(record, now)) {
        if (record.fingerprint !== fingerprint) return { state: "mismatch" };
        return record.answer
          ? { state: "completed", answer: { status: record.answer.status, body: record.answer.body } }
          : { state: "in_progress", lockedUntil: record.lockedUntil };
      }
      if (record) drop(scope, record);
      else if (records.size >= maxRecords) dropOldest();
      const token = `m${++nextToken}`;
      const created: MemoryRecord = { fingerprint, token, lockedUntil: now + lockMs, expiresAt: now + lockMs };
      records.set(scope, created);
      enqueue(scope, created);
      return { state: "reserved", token };
    },
    complete(scope, token, answer, { now, ttlMs }) {
      const record = records.get(scope);
      if (!record || record.token !== token || record.answer) return false;
      if (answer.body.length > maxAnswerBytes) {
        // Larger than the whole budget: not remembered (a retry runs again).
        drop(scope, record);
        return false;
      }
      record.answer = { status: answer.status, body: answer.body };
      record.expiresAt = now + ttlMs;
      answerBytes += answer.body.length;
      while (answerBytes > maxAnswerBytes) dropOldest();
      return records.get(scope) === record;
    },
    release(scope, token) {
      const record = records.get(scope);
      if (record && record.token === token && !record.answer) drop(scope, record);
    },
    size: () => records.size,
  };
}
