// Reads have no failure value in the TaskFlow port: a store that cannot reach its storage
// throws. A store that knows the failure is the storage's (a database down or past its
// query timeout, not a bug) throws a TaskFlowPersistError, or any error whose `code` (or
// a cause's) is "persist_failed", and the handler answers 503 persist_failed, like a
// failed write, instead of 500 internal_error.

export class TaskFlowPersistError extends Error {
  override readonly name = "TaskFlowPersistError";
  readonly code = "persist_failed";
  constructor(message = "TaskFlow persistence failed.", options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function isPersistFailure(error: unknown, depth = 0): boolean {
  if (depth > 8 || error === null || typeof error !== "object") return false;
  const e = error as { code?: unknown; cause?: unknown };
  return e.code === "persist_failed" || isPersistFailure(e.cause, depth + 1);
}
