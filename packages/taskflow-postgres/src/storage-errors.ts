// Which failures are the storage's, and which of those leave a write's outcome unknown.
//
// - No connection could be had (refused, pool closed, connectionTimeoutMillis): nothing
//   was sent, so nothing was applied.
// - The server answered with an error (statement_timeout, a terminated backend, a failed
//   COMMIT): nothing was applied either.
//   Both are storage failures: a TaskFlowPersistError, so writes answer persist_failed and
//   reads answer 503 persist_failed. Except a data exception (SQLSTATE class 22: a value
//   PostgreSQL cannot store, e.g. U+0000 in text), which no retry fixes: it is rethrown.
// - A statement that commits on its own (an autocommit write, or COMMIT) was sent and its
//   answer never came (connection dropped, client-side query_timeout): the server may have
//   applied it. That is "outcome unknown" (the core answers 500 and logs it), never a
//   persist_failed that would invite a blind retry. Inside a transaction the same loss
//   before COMMIT means a rollback: not applied.
import { TaskFlowPersistError } from "@taskflow-webhooks/core";
import { DatabaseError } from "pg";

export class OutcomeUnknownError extends Error {
  override readonly name = "OutcomeUnknownError";
  readonly code = "outcome-unknown";
  constructor(cause: unknown) {
    super("The write was sent to PostgreSQL but no answer came: it may or may not have been applied.", { cause });
  }
}

export const persistFailure = (cause: unknown) => new TaskFlowPersistError("TaskFlow persistence failed.", { cause });

/** What a failed statement means; `sent` errors become OutcomeUnknownError. */
export function statementFailure(error: unknown): Error {
  if (error instanceof DatabaseError) {
    return typeof error.code === "string" && error.code.startsWith("22") ? error : persistFailure(error);
  }
  return new OutcomeUnknownError(error);
}

/** For reads and for statements inside a transaction that did not commit: unknown is "not applied". */
export function notApplied(error: unknown): unknown {
  return error instanceof OutcomeUnknownError ? persistFailure(error.cause) : error;
}

export const isPersistError = (error: unknown): error is TaskFlowPersistError => error instanceof TaskFlowPersistError;
