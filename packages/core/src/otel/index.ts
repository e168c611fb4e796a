// @taskflow-webhooks/core/otel: OpenTelemetry for the webhook surface, from the
// `taskflow-webhooks:request` channel. `@opentelemetry/api` is an optional peer: only this
// entry imports it. One SERVER span per request and the `http.server.request.duration`
// histogram with the HTTP semantic-convention attributes.
import {
  SpanKind,
  SpanStatusCode,
  context,
  metrics,
  trace,
  type Attributes,
  type MeterProvider,
  type Span,
  type TracerProvider,
} from "@opentelemetry/api";
import { requestChannel, type RequestTraceContext } from "../observability/request-channel.js";

const SCOPE = "@taskflow-webhooks/core";
// The semantic conventions' advice for http.server.request.duration, seconds.
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

export interface WebhookInstrumentationOptions {
  /** Default: the global provider (`trace.setGlobalTracerProvider`, an SDK's start()). */
  tracerProvider?: TracerProvider;
  /** Default: the global provider. */
  meterProvider?: MeterProvider;
  /** Only this handler's requests (default: every handler in the process). */
  handler?: { readonly id?: number };
}

export interface WebhookInstrumentation {
  /** Unsubscribes; requests after this are not traced or measured. */
  disable(): void;
}

export function instrumentWebhooks(options: WebhookInstrumentationOptions = {}): WebhookInstrumentation {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE);
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE);
  const duration = meter.createHistogram("http.server.request.duration", {
    unit: "s",
    description: "Duration of HTTP server requests.",
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const spans = new WeakMap<RequestTraceContext, Span>();
  const wanted = (event: RequestTraceContext) => options.handler?.id === undefined || event.handlerId === options.handler.id;

  const finish = (event: RequestTraceContext) => {
    const span = spans.get(event);
    if (!span) return;
    spans.delete(event);
    const attributes: Attributes = { "http.request.method": event.method, "http.route": event.path };
    if (event.status !== undefined) attributes["http.response.status_code"] = event.status;
    // Semantic conventions: a 5xx is an error of the server, named by its status code; a
    // throw (a bug: the handler answers every failure itself) by the error's class.
    const errorType =
      event.error !== undefined
        ? event.error instanceof Error ? event.error.name : "_OTHER"
        : event.status !== undefined && event.status >= 500 ? String(event.status) : undefined;
    if (errorType !== undefined) attributes["error.type"] = errorType;
    span.setAttributes(attributes);
    if (event.action !== undefined) span.setAttribute("taskflow_webhooks.action", event.action);
    if (event.code !== undefined) span.setAttribute("taskflow_webhooks.code", event.code);
    if (errorType !== undefined) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    if (event.durationMs !== undefined) duration.record(event.durationMs / 1000, attributes);
  };

  const subscribers = {
    start(event: RequestTraceContext) {
      if (!wanted(event)) return;
      const span = tracer.startSpan(
        `${event.method} ${event.path}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            "http.request.method": event.method,
            "http.route": event.path,
            "url.path": event.path,
            "taskflow_webhooks.route_id": event.routeId,
          },
        },
        context.active(),
      );
      spans.set(event, span);
    },
    end(event: RequestTraceContext) {
      // Only a synchronous throw ends here without an asyncEnd.
      if (event.error !== undefined && event.durationMs !== undefined) finish(event);
    },
    asyncStart() {},
    asyncEnd: finish,
    error() {},
  };
  requestChannel.subscribe(subscribers);
  return { disable: () => void requestChannel.unsubscribe(subscribers) };
}
