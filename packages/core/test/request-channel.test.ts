// The `taskflow-webhooks:request` TracingChannel: what a subscriber sees for each request,
// and that it never carries a secret or a session key.
import { tracingChannel } from "node:diagnostics_channel";
import { afterEach, describe, expect, it } from "vitest";
import { REQUEST_CHANNEL_NAME, type RequestTraceContext } from "../src/index.js";
import { SECRET, SESSION, parse, setup } from "./support.js";

const channel = tracingChannel<unknown, RequestTraceContext>(REQUEST_CHANNEL_NAME);
type Event = { name: string; context: RequestTraceContext };
let subscribed: Parameters<typeof channel.subscribe>[0] | undefined;

function record(): Event[] {
  const events: Event[] = [];
  const at = (name: string) => (context: RequestTraceContext) => events.push({ name, context: { ...context } });
  subscribed = { start: at("start"), end: at("end"), asyncStart: at("asyncStart"), asyncEnd: at("asyncEnd"), error: at("error") };
  channel.subscribe(subscribed);
  return events;
}
afterEach(() => {
  if (subscribed) channel.unsubscribe(subscribed);
  subscribed = undefined;
});

describe("request channel", () => {
  it("publishes start/end then asyncStart/asyncEnd with route, action, status, code and duration", async () => {
    const events = record();
    const { send, handler } = setup();
    const answer = parse(await send({ json: { action: "create_flow", goal: "Traced" } }));
    expect(answer.status).toBe(200);
    expect(events.map((e) => e.name)).toEqual(["start", "end", "asyncStart", "asyncEnd"]);
    expect(events[0]!.context).toEqual({ handlerId: handler.id, method: "POST", path: "/plugins/webhooks/demo", routeId: "demo" });
    expect(events[3]!.context).toEqual({
      handlerId: handler.id,
      method: "POST",
      path: "/plugins/webhooks/demo",
      routeId: "demo",
      action: "create_flow",
      status: 200,
      durationMs: expect.any(Number),
    });
    expect(events[3]!.context.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("names the code of a rejection; nothing carries a secret, a session key or the body", async () => {
    const events = record();
    const { send } = setup();
    await send({ json: { action: "get_flow", flowId: 7 } });
    await send({ json: { action: "list_flows" }, headers: { "content-type": "application/json", authorization: "Bearer wrong-secret" } });
    await send({ json: { action: "resolve_flow", token: SESSION } });
    const ends = events.filter((e) => e.name === "asyncEnd").map((e) => e.context);
    expect(ends.map((c) => [c.status, c.code, c.action])).toEqual([
      [400, "invalid_request", undefined],
      [401, "unauthorized", undefined],
      [200, undefined, "resolve_flow"],
    ]);
    const all = JSON.stringify(events);
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain("wrong-secret");
    expect(all).not.toContain(SESSION);
  });

  it("tells handlers apart, and publishes nothing for paths that are not routes or with no subscriber", async () => {
    const first = setup();
    const second = setup();
    expect(first.handler.id).not.toBe(second.handler.id);
    await first.send({ json: { action: "list_flows" } }); // nobody listening yet
    const events = record();
    await first.send({ path: "/elsewhere", json: { action: "list_flows" } });
    expect(events).toEqual([]);
    await second.send({ json: { action: "list_flows" } });
    expect(new Set(events.map((e) => e.context.handlerId))).toEqual(new Set([second.handler.id]));
  });

  it("a request that breaks the pipeline (a bug) is the 500 answer on the channel too", async () => {
    const events = record();
    const { handler } = setup();
    const broken = { method: "POST", path: "/plugins/webhooks/demo", headers: null as never, body: { kind: "text" as const, text: "" } };
    expect((await handler.handle(broken))?.status).toBe(500);
    expect(events.map((e) => e.name)).toEqual(["start", "end", "asyncStart", "asyncEnd"]);
    expect(events[3]!.context).toMatchObject({ status: 500, code: "internal_error" });
  });
});
