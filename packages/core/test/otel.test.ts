// The OpenTelemetry helper with the real SDK: spans in an in-memory exporter, the duration
// histogram through a metric reader.
import { afterEach, describe, expect, it } from "vitest";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { AggregationTemporality, MeterProvider, MetricReader, type HistogramMetricData } from "@opentelemetry/sdk-metrics";
import { instrumentWebhooks, type WebhookInstrumentation } from "../src/otel/index.js";
import { createWebhookHandler, type TaskFlowRuntime } from "../src/index.js";
import { SECRET, SESSION, request, setup } from "./support.js";

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush() {}
  protected override async onShutdown() {}
}

let instrumentation: WebhookInstrumentation | undefined;
afterEach(() => instrumentation?.disable());

function otel(handler?: { id?: number }) {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  instrumentation = instrumentWebhooks({ tracerProvider, meterProvider, ...(handler && { handler }) });
  const histogram = async () => {
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === "http.server.request.duration");
    return metric as HistogramMetricData | undefined;
  };
  return { exporter, histogram };
}

describe("instrumentWebhooks", () => {
  it("one SERVER span per request with the semantic-convention attributes and our route, action and code", async () => {
    const { exporter } = otel();
    const { send } = setup();
    await send({ json: { action: "create_flow", goal: "Span" } });
    await send({ json: { action: "list_flows" }, headers: { "content-type": "application/json", authorization: "Bearer nope" } });
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(2);
    expect(spans[0]!.name).toBe("POST /plugins/webhooks/demo");
    expect(spans[0]!.kind).toBe(SpanKind.SERVER);
    expect(spans[0]!.attributes).toEqual({
      "http.request.method": "POST",
      "http.route": "/plugins/webhooks/demo",
      "url.path": "/plugins/webhooks/demo",
      "http.response.status_code": 200,
      "taskflow_webhooks.route_id": "demo",
      "taskflow_webhooks.action": "create_flow",
    });
    expect(spans[0]!.status.code).toBe(SpanStatusCode.UNSET);
    expect(spans[1]!.attributes).toMatchObject({ "http.response.status_code": 401, "taskflow_webhooks.code": "unauthorized" });
    expect(spans[1]!.attributes["error.type"]).toBeUndefined(); // a 4xx is the client's error
    const all = JSON.stringify(spans.map((s) => s.attributes));
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(SESSION);
  });

  it("marks a 5xx as an error (error.type = status) and records http.server.request.duration in seconds", async () => {
    const { exporter, histogram } = otel();
    const throwing = { bindSession: () => ({ list: () => { throw new Error("boom"); } }) } as unknown as TaskFlowRuntime;
    const handler = createWebhookHandler({ config: { routes: { demo: { sessionKey: SESSION, secret: SECRET } } }, taskFlow: throwing });
    await handler.handle(request({ json: { action: "list_flows" } }));
    const { send } = setup();
    await send({ json: { action: "list_flows" } });
    await send({ json: { action: "list_flows" } });

    const [failed] = exporter.getFinishedSpans();
    expect(failed!.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed!.attributes).toMatchObject({ "error.type": "500", "taskflow_webhooks.code": "internal_error" });

    const metric = (await histogram())!;
    expect(metric.descriptor.unit).toBe("s");
    const points = metric.dataPoints.map((p) => ({ attributes: p.attributes, count: p.value.count }));
    expect(points).toEqual(
      expect.arrayContaining([
        {
          attributes: { "http.request.method": "POST", "http.route": "/plugins/webhooks/demo", "http.response.status_code": 500, "error.type": "500" },
          count: 1,
        },
        { attributes: { "http.request.method": "POST", "http.route": "/plugins/webhooks/demo", "http.response.status_code": 200 }, count: 2 },
      ]),
    );
    expect(metric.dataPoints.every((p) => (p.value.sum ?? 0) >= 0 && (p.value.sum ?? 0) < 60)).toBe(true);
  });

  it("follows one handler when asked, and stops after disable()", async () => {
    const mine = setup();
    const other = setup();
    const { exporter } = otel(mine.handler);
    await other.send({ json: { action: "list_flows" } });
    await mine.send({ json: { action: "list_flows" } });
    expect(exporter.getFinishedSpans()).toHaveLength(1);
    instrumentation!.disable();
    await mine.send({ json: { action: "list_flows" } });
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });
});
