// The JSON envelope every answer uses, and the response shape adapters write out.
import { ERROR_CODES, type ErrorCode } from "../errors/codes.js";

export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  /** Serialized JSON envelope. */
  body: string;
  /**
   * The request body was left unread (refused early, cut off or timed out): adapters
   * should close the connection after answering instead of draining it.
   */
  closeConnection?: boolean;
  /** The client went away mid-body: adapters write nothing. */
  abandoned?: boolean;
  /** What the request was, for the host's own log line. Never serialized. */
  meta?: ResponseMeta;
}

/** Safe-to-log facts about an answer: no secret, session key or body content. */
export interface ResponseMeta {
  routeId?: string;
  action?: string;
  code?: string;
  flowId?: string;
  correlationId?: string;
  /** The answer is a stored one, replayed for a retried idempotency key. */
  replayed?: boolean;
}

export const JSON_CONTENT_TYPE = "application/json; charset=utf-8";

export interface SuccessEnvelope {
  ok: true;
  routeId: string;
  code?: string;
  result: unknown;
}

export interface FailureEnvelope {
  ok: false;
  routeId?: string;
  code: ErrorCode;
  error: string;
  result: unknown;
  issues?: Array<{ path: string; message: string }>;
  correlationId?: string;
}

export function respond(
  status: number,
  envelope: SuccessEnvelope | FailureEnvelope,
  headers?: Record<string, string>,
): WebhookResponse {
  return {
    status,
    // No spread of an empty object on the common path (most answers add no header here).
    headers: headers === undefined ? { "content-type": JSON_CONTENT_TYPE } : { "content-type": JSON_CONTENT_TYPE, ...headers },
    body: JSON.stringify(envelope),
  };
}

export interface FailureDetails {
  routeId?: string | undefined;
  error?: string;
  result?: unknown;
  issues?: Array<{ path: string; message: string }>;
  correlationId?: string;
  headers?: Record<string, string>;
  status?: number;
}

export function fail(code: ErrorCode, details: FailureDetails = {}): WebhookResponse {
  // Key order is part of the contract: ok, routeId, code, error, result, extras.
  const envelope = { ok: false } as FailureEnvelope;
  if (details.routeId !== undefined) envelope.routeId = details.routeId;
  envelope.code = code;
  envelope.error = details.error ?? ERROR_CODES[code].error;
  envelope.result = details.result ?? {};
  if (details.issues) envelope.issues = details.issues;
  if (details.correlationId) envelope.correlationId = details.correlationId;
  const response = respond(details.status ?? ERROR_CODES[code].status, envelope, details.headers);
  response.meta = { code, ...(details.correlationId && { correlationId: details.correlationId }) };
  return response;
}

export function succeed(routeId: string, result: unknown, code?: "cancel_pending"): WebhookResponse {
  const envelope: SuccessEnvelope = code
    ? { ok: true, routeId, code, result }
    : { ok: true, routeId, result };
  const response = respond(code ? ERROR_CODES[code].status : 200, envelope);
  if (code) response.meta = { code };
  return response;
}
