// Core WebhookResponse → Hono response. `closeConnection` (request body left unread) adds
// `connection: close`, which makes Node's HTTP server close the socket once the answer is
// written; `abandoned` (the client left mid-body) yields an empty 499 nobody receives.
//
// The answer is a `new Response(body, {status, headers})` with a plain header record, which
// @hono/node-server writes straight to `writeHead`; `c.body(body, status, record)` copies a
// multi-key record into a `Headers` that the server then turns back into a record.
// `sole`: the webhook middleware is the only handler of this dispatch, so nothing before it
// can have set headers on the context and the core's record is the answer's. Otherwise the
// headers set so far (`c.header()` in earlier middleware) go first into the record and the
// core's win on a clash, as with `c.body()`; cookies among them keep `c.body()`, which
// appends them one by one (a record holds one string per name on runtimes other than Node).
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { WebhookResponse } from "@taskflow-webhooks/core";

export function toHonoResponse(c: Context, response: WebhookResponse, sole = false): Response {
  if (response.abandoned) return c.body(null, 499 as ContentfulStatusCode);
  const headers = response.closeConnection ? { ...response.headers, connection: "close" } : response.headers;
  if (sole) return new Response(response.body, { status: response.status, headers });
  if (c.finalized) return c.body(response.body, response.status as ContentfulStatusCode, headers);
  // A body-less answer from the context carries exactly the headers set on it so far.
  const earlier = c.body(null).headers;
  if (earlier.has("set-cookie")) return c.body(response.body, response.status as ContentfulStatusCode, headers);
  let merged: Record<string, string> | undefined;
  for (const [name, value] of earlier) (merged ??= {})[name] = value;
  return new Response(response.body, { status: response.status, headers: merged ? Object.assign(merged, headers) : headers });
}

/** Whether `handler` is the one handler Hono matched (and so ran first, with nothing before it). */
export function isSoleHandler(c: Context, handler: unknown): boolean {
  if (c.finalized) return false;
  const routes = c.req.matchedRoutes;
  return routes.length === 1 && routes[0]!.handler === handler;
}
