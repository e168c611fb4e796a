// One table maps every error code the webhook surface can answer to its HTTP status and
// default text. Transport codes are ours; TaskFlow codes and texts match the reference.

export const ERROR_CODES = {
  // transport (before the action runs)
  method_not_allowed: { status: 405, error: "Method not allowed. Use POST." },
  rate_limited: { status: 429, error: "Too many requests." },
  limiter_unavailable: { status: 503, error: "Rate limiter unavailable." },
  unsupported_media_type: { status: 415, error: "Content-Type must be application/json." },
  too_many_in_flight: { status: 429, error: "Too many requests in flight." },
  unauthorized: { status: 401, error: "Unauthorized." },
  payload_too_large: { status: 413, error: "Request body too large." },
  body_timeout: { status: 408, error: "Request body timed out." },
  invalid_json: { status: 400, error: "Request body must be valid JSON." },
  invalid_request: { status: 400, error: "Invalid request." },
  // idempotency (writes with a key; see idempotency/)
  invalid_idempotency_key: {
    status: 400,
    error: "Idempotency-Key must be 1-255 visible ASCII characters, as a bare token or a quoted string.",
  },
  idempotency_key_required: { status: 400, error: "This route requires an Idempotency-Key header on every write." },
  idempotency_key_reused: { status: 422, error: "This Idempotency-Key was already used with a different request body." },
  idempotency_in_progress: { status: 409, error: "A request with this Idempotency-Key is still in progress; retry later." },
  internal_error: { status: 500, error: "Internal error." },
  // connection level (the standalone server, before a request exists)
  malformed_request: { status: 400, error: "Malformed HTTP request." },
  headers_too_large: { status: 431, error: "Request headers too large." },
  request_timeout: { status: 408, error: "Request headers or body not received in time." },
  taskflow_timeout: { status: 503, error: "TaskFlow call timed out; outcome unknown: the write may have happened." },
  // TaskFlow outcomes
  cancel_pending: { status: 202, error: "One or more child tasks are still active." },
  not_found: { status: 404, error: "TaskFlow not found." },
  revision_conflict: { status: 409, error: "TaskFlow changed since the caller's expected revision." },
  not_managed: { status: 409, error: "TaskFlow is not managed by this webhook surface." },
  terminal: { status: 409, error: "Flow is already in a terminal state." },
  cancel_requested: { status: 409, error: "Flow cancellation has already been requested." },
  task_not_created: { status: 409, error: "Task was not created." },
  cancel_rejected: { status: 409, error: "Cancellation was rejected." },
  mutation_rejected: { status: 409, error: "TaskFlow mutation was rejected." },
  persist_failed: { status: 503, error: "TaskFlow persistence failed." },
} as const satisfies Record<string, { status: number; error: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const statusOf = (code: ErrorCode): number => ERROR_CODES[code].status;
