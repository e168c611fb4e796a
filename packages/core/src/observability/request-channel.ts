// Every handled webhook request is published on a `node:diagnostics_channel` TracingChannel,
// so metrics and traces need no dependency here: subscribe to `taskflow-webhooks:request`
// (or use the OpenTelemetry helper, `@taskflow-webhooks/core/otel`). With no subscriber the
// cost is one `hasSubscribers` read per request.
import { tracingChannel } from "node:diagnostics_channel";
import { performance } from "node:perf_hooks";
import type { WebhookResponse } from "../view/envelope.js";

export const REQUEST_CHANNEL_NAME = "taskflow-webhooks:request";

/**
 * What subscribers see. Filled in as the request goes: `method`, `path`, `routeId` at
 * `start`; the rest at `asyncEnd` (or `error` when the handler threw, a bug). Never a
 * secret, a session key, a header or a body.
 */
export interface RequestTraceContext {
  /** The handler that answered (several can run in one process). */
  handlerId: number;
  method: string;
  /** The route's configured path (not the raw target: no query string). */
  path: string;
  routeId: string;
  action?: string;
  status?: number;
  /** The envelope's code, when the answer has one. */
  code?: string;
  /** From `start` to the answer, milliseconds (monotonic clock: durations, not dates). */
  durationMs?: number;
  /** Set on the `error` event only. */
  error?: unknown;
}

export const requestChannel = tracingChannel<unknown, RequestTraceContext>(REQUEST_CHANNEL_NAME);

const { start, end, asyncStart, asyncEnd, error: errorEvent } = requestChannel;
export const hasSubscribers = (): boolean =>
  start.hasSubscribers || end.hasSubscribers || asyncStart.hasSubscribers || asyncEnd.hasSubscribers || errorEvent.hasSubscribers;

/** Runs `handle` inside the channel's events when anyone listens; otherwise just runs it. */
export function traceRequest(
  base: Pick<RequestTraceContext, "handlerId" | "method" | "path" | "routeId">,
  handle: () => Promise<WebhookResponse | undefined>,
): Promise<WebhookResponse | undefined> {
  if (!hasSubscribers()) return handle();
  const context: RequestTraceContext = { ...base };
  const started = performance.now();
  // runStores: a subscriber that bound a store (e.g. an active span) sees it in the handler.
  return requestChannel.start.runStores(context, () => {
    let pending: Promise<WebhookResponse | undefined>;
    try {
      pending = handle();
    } catch (error) {
      context.durationMs = performance.now() - started;
      context.error = error;
      requestChannel.error.publish(context);
      requestChannel.end.publish(context);
      throw error;
    }
    requestChannel.end.publish(context);
    return pending.then(
      (response) => {
        context.durationMs = performance.now() - started;
        if (response) {
          context.status = response.status;
          if (response.meta?.action !== undefined) context.action = response.meta.action;
          if (response.meta?.code !== undefined) context.code = response.meta.code;
        }
        requestChannel.asyncStart.publish(context);
        requestChannel.asyncEnd.publish(context);
        return response;
      },
      (error: unknown) => {
        context.durationMs = performance.now() - started;
        context.error = error;
        requestChannel.error.publish(context);
        requestChannel.asyncStart.publish(context);
        requestChannel.asyncEnd.publish(context);
        throw error;
      },
    );
  });
}
