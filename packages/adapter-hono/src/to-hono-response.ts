// Core WebhookResponse → Hono response. `closeConnection` (request body left unread) adds
// `connection: close`, which makes Node's HTTP server close the socket once the answer is
// written; `abandoned` (the client left mid-body) yields an empty 499 nobody receives.
//
// `sole`: the webhook middleware is the only handler of this dispatch, so nothing before
// it can have set headers on the context. Then the answer is a `new Response(body,
// {status, headers})` with the core's plain header record, which @hono/node-server writes
// straight to `writeHead`; `c.body(body, status, record)` copies a multi-key record into a
// `Headers` that the server then turns back into a record. Otherwise `c.body()` merges the
// headers set earlier, as always.
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { WebhookResponse } from "@taskflow-webhooks/core";

export function toHonoResponse(c: Context, response: WebhookResponse, sole = false): Response {
  if (response.abandoned) return c.body(null, 499 as ContentfulStatusCode);
  const headers = response.closeConnection ? { ...response.headers, connection: "close" } : response.headers;
  if (sole) return new Response(response.body, { status: response.status, headers });
  return c.body(response.body, response.status as ContentfulStatusCode, headers);
}

/** Whether `handler` is the one handler Hono matched (and so ran first, with nothing before it). */
export function isSoleHandler(c: Context, handler: unknown): boolean {
  if (c.finalized) return false;
  const routes = c.req.matchedRoutes;
  return routes.length === 1 && routes[0]!.handler === handler;
}
