// The one answer for anything that throws where no step expected it (a limiter store, a
// logger, an adapter's own glue): a JSON 500 `internal_error` whose correlation id is in the
// log line. The caller never sees the error's message or stack, and nothing reaches stderr
// beyond what the logger writes. The core and every adapter answer their throws with this.
import type { Logger } from "../ports/logger.js";
import { fail, type WebhookResponse } from "./envelope.js";

export interface InternalErrorOptions {
  logger: Logger;
  correlationId: () => string;
  /** Names the place that threw in the log line, e.g. `"Hono adapter"`. */
  source: string;
  routeId?: string | undefined;
}

export function internalErrorResponse(error: unknown, options: InternalErrorOptions): WebhookResponse {
  const correlationId = options.correlationId();
  try {
    options.logger.error(`taskflow-webhooks: ${options.source} failed`, {
      correlationId,
      ...(options.routeId !== undefined && { routeId: options.routeId }),
      error: errorName(error),
    });
  } catch {
    // A throwing logger has nowhere left to report to; the 500 still goes out.
  }
  const response = fail("internal_error", { routeId: options.routeId, correlationId });
  // The body may be half read: drop the connection rather than parse leftovers as a request.
  response.closeConnection = true;
  return response;
}

/** Only the class name is logged: messages from stores and runtimes may embed record data. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
