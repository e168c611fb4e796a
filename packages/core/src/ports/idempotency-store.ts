// Idempotency records behind three atomic calls, so several instances can share a store.
// A get/set pair would let two deliveries of one key both see "absent" and both run the
// action; `reserve` decides and claims in one step instead.
//
// One record per scope (`<routeId>\n<key>`): a reservation (someone is running the action,
// until `lockedUntil`), or a completed answer (replayed until `expiresAt`). Semantics, as the
// conformance kit (`describeIdempotencyStoreConformance`) pins them:
//
// - `reserve` on an absent scope, an expired answer, or a reservation whose lock has
//   lapsed (its holder crashed or hung) claims it: `{state: "reserved", token}`.
// - `reserve` with another fingerprint than the record's (live reservation or answer):
//   `{state: "mismatch"}`. Same fingerprint: `{state: "completed", answer}` for a live
//   answer, `{state: "in_progress", lockedUntil}` for a live reservation.
// - `complete` stores the answer only while `token` still holds the reservation (a lapsed
//   lock taken over by another caller makes it a no-op answering `false`).
// - `release` drops the reservation only while `token` holds it; a later reserve runs anew.
//
// Writing the answer in the same transaction as the TaskFlow write is a capability of the
// TaskFlow runtime, not of this port: see `TaskFlowRuntime.idempotencyStore` and
// `IdempotentWrite` in taskflow/types.ts.
import type { MaybePromise } from "../taskflow/types.js";

/** The answer a completed request gave: replayed byte for byte. */
export interface StoredAnswer {
  status: number;
  /** The serialized JSON envelope. */
  body: string;
}

export type Reservation =
  | { state: "reserved"; token: string }
  | { state: "completed"; answer: StoredAnswer }
  | { state: "in_progress"; lockedUntil: number }
  | { state: "mismatch" };

export interface ReserveOptions {
  /** Epoch ms from the caller's clock. */
  now: number;
  /** How long the reservation blocks others before it counts as abandoned. */
  lockMs: number;
}

export interface CompleteOptions {
  /** Epoch ms from the caller's clock. */
  now: number;
  /** How long the answer is replayed (`expiresAt = now + ttlMs`). */
  ttlMs: number;
}

export interface IdempotencyStore {
  reserve(scope: string, fingerprint: string, options: ReserveOptions): MaybePromise<Reservation>;
  /** Stores the answer; `false` when `token` no longer holds the reservation. */
  complete(scope: string, token: string, answer: StoredAnswer, options: CompleteOptions): MaybePromise<boolean>;
  /** Drops the reservation held by `token` (the answer was not an outcome worth keeping). */
  release(scope: string, token: string): MaybePromise<void>;
}
