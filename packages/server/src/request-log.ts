// One structured line per HTTP request. Webhook answers add the core's safe-to-log meta
// (route, action, code, flow id, correlation id). Secrets and session keys never appear:
// the path has no query string and the meta carries neither.
import type { Context, MiddlewareHandler } from "hono";
import { normalizeRoutePath, type WebhookHandler, type WebhookResponse } from "@taskflow-webhooks/core";

export type LogLine = Record<string, string | number | boolean | null | undefined>;
export type LogSink = (line: LogLine) => void;

/** Writes each line as one JSON object to stdout. */
export const stdoutLogSink: LogSink = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

const ANSWER_KEY = "taskflowWebhookAnswer";

/** `onResponse` hook for the adapter: remembers the core's answer for the log line. */
export function rememberAnswer(c: Context, response: WebhookResponse): void {
  c.set(ANSWER_KEY, response);
}

/** The core's answer to this request, when a webhook route answered it. */
export const answerOf = (c: Context): WebhookResponse | undefined => c.get(ANSWER_KEY) as WebhookResponse | undefined;

export function requestLog(handler: WebhookHandler, sink: LogSink, now: () => number): MiddlewareHandler {
  const routeIds = new Map(handler.routes.map((r) => [r.path, r.id]));
  return async (c, next) => {
    const started = now();
    await next();
    const path = pathOf(c.req.url);
    const answer = c.get(ANSWER_KEY) as WebhookResponse | undefined;
    sink({
      ts: new Date().toISOString(),
      level: "info",
      msg: "request",
      method: c.req.method,
      path,
      routeId: routeIds.get(normalizeRoutePath(path)),
      status: c.res.status,
      ...(answer && !answer.abandoned ? answer.meta : {}),
      durationMs: Math.round((now() - started) * 100) / 100,
    });
  };
}

function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  const end = url.search(/[?#]/);
  return end === -1 || end < start ? url.slice(start) : url.slice(start, end);
}
