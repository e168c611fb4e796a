// Prometheus /metrics on the standalone server: opt-in, own registry, what it counts.
import { afterEach, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../src/index.js";
import { PATH, SECRET, SESSION, post } from "./support.js";

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(metrics: boolean | undefined, routes: Record<string, unknown>) {
  const s = await startServer({ config: { routes, ...(metrics !== undefined && { server: { metrics } }) }, port: 0, store: "memory", log: () => {} });
  servers.push(s);
  return s;
}

const sample = (text: string, name: string, labels: string) =>
  Number(text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`))?.split(" ").pop());

describe("/metrics", () => {
  it("is off unless asked for", async () => {
    const s = await server(undefined, { demo: { sessionKey: SESSION, secret: SECRET } });
    expect((await fetch(`${s.url}/metrics`)).status).toBe(404);
  });

  it("counts requests by route/action/status/code, durations, limiter rejections and cold routes", async () => {
    const s = await server(true, {
      demo: { sessionKey: SESSION, secret: SECRET, limits: { rateLimit: { windowMs: 60_000, max: 3 } } },
      cold: { sessionKey: SESSION, secret: { source: "env", provider: "default", id: "UNSET_METRICS_SECRET" } },
    });
    const url = `${s.url}${PATH}`;
    expect((await post(url, { action: "create_flow", goal: "Counted" })).status).toBe(200);
    expect((await post(url, { action: "list_flows" }, "wrong")).status).toBe(401);
    expect((await post(url, { action: "nope" })).status).toBe(400);
    expect((await post(url, { action: "list_flows" })).status).toBe(429);

    const res = await fetch(`${s.url}/metrics`);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(sample(text, "taskflow_webhooks_requests_total", 'route="demo",action="create_flow",status="200",code=""')).toBe(1);
    expect(sample(text, "taskflow_webhooks_requests_total", 'route="demo",action="",status="401",code="unauthorized"')).toBe(1);
    expect(sample(text, "taskflow_webhooks_requests_total", 'route="demo",action="",status="400",code="invalid_request"')).toBe(1);
    expect(sample(text, "taskflow_webhooks_requests_total", 'route="demo",action="",status="429",code="rate_limited"')).toBe(1);
    expect(sample(text, "taskflow_webhooks_limiter_rejections_total", 'route="demo",code="rate_limited"')).toBe(1);
    expect(sample(text, "taskflow_webhooks_limiter_rejections_total", 'route="demo",code="too_many_in_flight"')).toBe(0);
    expect(sample(text, "taskflow_webhooks_request_duration_seconds_count", 'route="demo",action="create_flow",status="200"')).toBe(1);
    expect(text).toContain("taskflow_webhooks_requests_in_flight 0");
    expect(text).toContain("taskflow_webhooks_cold_routes 1");
    expect(sample(text, "taskflow_webhooks_route_cold", 'route="cold"')).toBe(1);
    expect(sample(text, "taskflow_webhooks_route_cold", 'route="demo"')).toBe(0);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(SESSION);
    // Health checks and the metrics endpoint itself are not webhook requests.
    await fetch(`${s.url}/healthz`);
    expect(await (await fetch(`${s.url}/metrics`)).text()).not.toContain("healthz");
  });

  it("keeps each server's registry apart", async () => {
    const a = await server(true, { demo: { sessionKey: SESSION, secret: SECRET } });
    const b = await server(true, { demo: { sessionKey: SESSION, secret: SECRET } });
    await post(`${a.url}${PATH}`, { action: "list_flows" });
    const text = await (await fetch(`${b.url}/metrics`)).text();
    expect(text).not.toContain('action="list_flows"');
  });
});
