// Which answers are kept under an idempotency key, and how a kept one is replayed.
// Only outcomes of the action are kept (2xx, 404, 409: what the TaskFlow decided). A 5xx
// (internal_error, persist_failed, a timeout whose outcome is unknown) says nothing about
// whether the write happened, so the reservation is released and a retry runs for real.
// Answers before the action (401, 413, 400, 429, …) never reach a reservation.
import type { StoredAnswer } from "../ports/idempotency-store.js";
import { JSON_CONTENT_TYPE, type WebhookResponse } from "../view/envelope.js";

export function storedAnswerOf(response: WebhookResponse): StoredAnswer | undefined {
  return response.status < 500 && !response.abandoned ? { status: response.status, body: response.body } : undefined;
}

/** The stored status and body, unchanged, marked as a replay. */
export function replayedResponse(answer: StoredAnswer): WebhookResponse {
  return {
    status: answer.status,
    headers: { "content-type": JSON_CONTENT_TYPE, "idempotent-replayed": "true" },
    body: answer.body,
  };
}
