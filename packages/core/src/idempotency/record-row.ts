// The row every SQL idempotency store keeps (SQLite, node:sqlite in the Gateway,
// PostgreSQL), and what a live row answers a reservation. One copy, so the stores cannot
// drift on mismatch / in-progress / replay.
import type { Reservation } from "../ports/idempotency-store.js";

export interface IdempotencyRecordRow {
  fingerprint: string;
  token: string;
  /** `null` while the first delivery still runs. */
  status: number | null;
  body: string | null;
  /** Epoch ms: the lock's end for a reservation, the replay window's end for an answer. */
  expires_at: number;
}

/** The reservation a row answers, or `undefined` when there is none or it expired (claim it). */
export function reservationOfRow(row: IdempotencyRecordRow | undefined, fingerprint: string, now: number): Reservation | undefined {
  if (row === undefined || row.expires_at <= now) return undefined;
  if (row.fingerprint !== fingerprint) return { state: "mismatch" };
  return row.status === null
    ? { state: "in_progress", lockedUntil: row.expires_at }
    : { state: "completed", answer: { status: row.status, body: row.body ?? "" } };
}
