// Core WebhookResponse → Hono response. `closeConnection` (request body left unread) adds
// `connection: close`, which makes Node's HTTP server close the socket once the answer is
// written; `abandoned` (the client left mid-body) yields an empty 499 nobody receives.
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { WebhookResponse } from "@taskflow-webhooks/core";

export function toHonoResponse(c: Context, response: WebhookResponse): Response {
  if (response.abandoned) return c.body(null, 499 as ContentfulStatusCode);
  const headers = response.closeConnection ? { ...response.headers, connection: "close" } : response.headers;
  return c.body(response.body, response.status as ContentfulStatusCode, headers);
}
