import { describe, expect, it } from "vitest";
import {
  createMemoryIdempotencyStore,
  createMemoryTaskFlowRuntime,
  createWebhookHandler,
  type BoundTaskFlow,
  type TaskFlowRuntime,
} from "../index.js";
import { createManualClock } from "../testing/manual-clock.js";
import { SECRET, SESSION, parse, request, setup } from "../../test/support.js";

const create = { action: "create_flow", goal: "Review inbound queue" };

function keyed(key: string | undefined, json: unknown, name = "idempotency-key", extra: Record<string, string> = {}) {
  const text = JSON.stringify(json);
  return request({
    text,
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${SECRET}`,
      ...(key !== undefined && { [name]: key }),
      ...extra,
    },
  });
}

describe("Idempotency-Key on writes", () => {
  it("a retried create_flow replays the stored status and body byte for byte, marked, and creates one flow", async () => {
    const { handler, call } = setup();
    const first = parse(await handler.handle(keyed("order-4711", create)));
    expect(first.status).toBe(200);
    expect(first.headers).not.toHaveProperty("idempotent-replayed");
    const again = parse(await handler.handle(keyed("order-4711", create)));
    expect(again.status).toBe(200);
    expect(again.response.body).toBe(first.response.body);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(again.response.meta).toMatchObject({ routeId: "demo", action: "create_flow", replayed: true });
    expect((await call({ action: "list_flows" })).body.result.flows).toHaveLength(1);
  });

  it("the fingerprint is the canonical body: reordered keys and whitespace replay, a changed value is 422", async () => {
    const { handler } = setup();
    const first = parse(await handler.handle(keyed("k1", { action: "create_flow", goal: "g", stateJson: { a: 1, b: [1, 2] } })));
    const reordered = request({
      text: '{ "stateJson": {"b":[1,2], "a":1}, "goal":"g",\n "action":"create_flow" }',
      headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}`, "idempotency-key": "k1" },
    });
    expect(parse(await handler.handle(reordered)).response.body).toBe(first.response.body);
    const changed = parse(await handler.handle(keyed("k1", { action: "create_flow", goal: "g", stateJson: { a: 2, b: [1, 2] } })));
    expect(changed.status).toBe(422);
    expect(changed.body).toEqual({
      ok: false,
      routeId: "demo",
      code: "idempotency_key_reused",
      error: "This Idempotency-Key was already used with a different request body.",
      result: {},
    });
  });

  it("scope is route + key: the same key on another route runs there too", async () => {
    const clock = createManualClock();
    const handler = createWebhookHandler({
      config: {
        routes: {
          demo: { sessionKey: SESSION, secret: SECRET },
          other: { sessionKey: SESSION, secret: SECRET },
        },
      },
      taskFlow: createMemoryTaskFlowRuntime({ clock }),
      clock,
    });
    const a = parse(await handler.handle(keyed("same", create)));
    const b = parse(await handler.handle({ ...keyed("same", create), path: "/plugins/webhooks/other" }));
    expect(b.headers).not.toHaveProperty("idempotent-replayed");
    expect(b.body.result.flow.flowId).not.toBe(a.body.result.flow.flowId);
  });

  it("every write honours the key: a retried mutation replays its answer instead of a revision_conflict", async () => {
    const { handler, call } = setup();
    const flow = (await call(create)).body.result.flow;
    const writes = [
      { action: "set_waiting", flowId: flow.flowId, expectedRevision: 0, currentStep: "wait" },
      { action: "resume_flow", flowId: flow.flowId, expectedRevision: 1 },
      { action: "run_task", flowId: flow.flowId, runtime: "subagent", task: "t" },
      { action: "request_cancel", flowId: flow.flowId, expectedRevision: 2 },
      { action: "cancel_flow", flowId: flow.flowId },
    ];
    for (const [i, body] of writes.entries()) {
      const first = parse(await handler.handle(keyed(`w${i}`, body)));
      expect(first.status, body.action).toBeLessThan(300);
      const replay = parse(await handler.handle(keyed(`w${i}`, body)));
      expect(replay.headers["idempotent-replayed"], body.action).toBe("true");
      expect(replay.response.body).toBe(first.response.body);
    }
    const tasks = (await call({ action: "get_task_summary", flowId: flow.flowId })).body.result.summary.total;
    expect(tasks).toBe(1);
    const other = (await call(create)).body.result.flow;
    for (const [i, body] of [
      { action: "finish_flow", flowId: other.flowId, expectedRevision: 0 },
      { action: "fail_flow", flowId: other.flowId, expectedRevision: 0 },
    ].entries()) {
      const first = parse(await handler.handle(keyed(`end${i}`, body)));
      const replay = parse(await handler.handle(keyed(`end${i}`, body)));
      expect(replay.headers["idempotent-replayed"]).toBe("true");
      expect([first.status, replay.response.body]).toEqual([i === 0 ? 200 : 409, first.response.body]);
    }
  });

  it("outcomes that are refusals (404, 409) are stored and replayed too", async () => {
    const { handler } = setup();
    const body = { action: "finish_flow", flowId: "00000000-0000-4000-8000-000000000000", expectedRevision: 0 };
    const first = parse(await handler.handle(keyed("nf", body)));
    expect(first.status).toBe(404);
    const replay = parse(await handler.handle(keyed("nf", body)));
    expect([replay.status, replay.headers["idempotent-replayed"], replay.response.body]).toEqual([404, "true", first.response.body]);
  });

  it("reads ignore the key, even an invalid one", async () => {
    const { handler } = setup({ routeExtra: { idempotency: { required: true } } });
    const r = parse(await handler.handle(keyed("bad key with spaces", { action: "list_flows" })));
    expect(r.status).toBe(200);
    expect(parse(await handler.handle(keyed(undefined, { action: "find_latest_flow" }))).status).toBe(200);
  });

  it("a second delivery while the first still runs answers 409 idempotency_in_progress with Retry-After", async () => {
    const gate = blockingRuntime();
    const { handler } = setup({ taskFlow: gate.runtime });
    const first = handler.handle(keyed("slow", create));
    await gate.started;
    const second = parse(await handler.handle(keyed("slow", create)));
    expect(second.status).toBe(409);
    expect(second.headers["retry-after"]).toBe("1");
    expect(second.body.code).toBe("idempotency_in_progress");
    const changed = parse(await handler.handle(keyed("slow", { ...create, goal: "other" })));
    expect(changed.status).toBe(422);
    gate.open();
    const done = parse(await first);
    const replay = parse(await handler.handle(keyed("slow", create)));
    expect(replay.response.body).toBe(done.response.body);
    expect(gate.calls()).toBe(1);
  });

  it("a reservation whose holder never finishes stops blocking once its lock lifetime passes", async () => {
    const gate = blockingRuntime();
    const { handler, clock } = setup({
      taskFlow: gate.runtime,
      idempotencyLockMs: 5_000,
      routeExtra: { limits: { taskFlowTimeoutMs: 1_000 } },
    });
    void handler.handle(keyed("stuck", create));
    await gate.started;
    clock.advance(4_999);
    expect(parse(await handler.handle(keyed("stuck", create))).status).toBe(409);
    clock.advance(1);
    const taken = handler.handle(keyed("stuck", create));
    await new Promise((r) => setImmediate(r));
    expect(gate.calls()).toBe(2);
    gate.open();
    expect(parse(await taken).status).toBe(200);
  });

  it("the lock outlasts the route's taskFlowTimeoutMs (twice) even when idempotencyLockMs is shorter", async () => {
    const gate = blockingRuntime();
    const { handler, clock } = setup({
      taskFlow: gate.runtime,
      idempotencyLockMs: 5_000,
      routeExtra: { limits: { taskFlowTimeoutMs: 30_000 } },
    });
    void handler.handle(keyed("long", create));
    await gate.started;
    clock.advance(59_999);
    expect(parse(await handler.handle(keyed("long", create))).status).toBe(409);
    clock.advance(1);
    void handler.handle(keyed("long", create));
    await new Promise((r) => setImmediate(r));
    expect(gate.calls()).toBe(2);
    gate.open();
  });

  it("a timed-out write keeps its reservation until the call settles, then its real answer is replayed", async () => {
    const gate = blockingRuntime();
    const { handler, clock } = setup({ taskFlow: gate.runtime, routeExtra: { limits: { taskFlowTimeoutMs: 1_000 } } });
    const first = handler.handle(keyed("late", create));
    await gate.started;
    clock.advance(1_000);
    expect(parse(await first).body.code).toBe("taskflow_timeout");
    expect(parse(await handler.handle(keyed("late", create))).status).toBe(409);
    gate.open();
    await new Promise((r) => setImmediate(r));
    const replay = parse(await handler.handle(keyed("late", create)));
    expect([replay.status, replay.headers["idempotent-replayed"], replay.body.result.created]).toEqual([200, "true", true]);
    expect(gate.calls()).toBe(1);
  });

  it("answers that are not outcomes (500 internal_error) are not stored: the retry runs for real", async () => {
    let failures = 1;
    const inner = createMemoryTaskFlowRuntime();
    const flaky: TaskFlowRuntime = {
      bindSession(p) {
        const bound = inner.bindSession(p);
        return {
          ...bound,
          tryCreateManaged: undefined,
          createManaged: (params) => {
            if (failures-- > 0) throw new Error("boom");
            return bound.createManaged(params);
          },
        } as BoundTaskFlow;
      },
    };
    const { handler } = setup({ taskFlow: flaky });
    expect(parse(await handler.handle(keyed("k", create))).status).toBe(500);
    const retry = parse(await handler.handle(keyed("k", create)));
    expect(retry.status).toBe(200);
    expect(retry.headers).not.toHaveProperty("idempotent-replayed");
  });

  it("rejections before the action are not stored: a 400 invalid_request, then the valid retry runs", async () => {
    const { handler } = setup();
    expect(parse(await handler.handle(keyed("k", { action: "create_flow" }))).status).toBe(400);
    expect(parse(await handler.handle(keyed("k", create))).status).toBe(200);
  });

  it("answers are replayed until ttlHours pass (manual clock), then the key runs anew", async () => {
    const { handler, clock, call } = setup({ routeExtra: { idempotency: { ttlHours: 1 } } });
    await handler.handle(keyed("ttl", create));
    clock.advance(3_600_000 - 1);
    expect(parse(await handler.handle(keyed("ttl", create))).headers["idempotent-replayed"]).toBe("true");
    clock.advance(1);
    const fresh = parse(await handler.handle(keyed("ttl", create)));
    expect(fresh.headers).not.toHaveProperty("idempotent-replayed");
    expect((await call({ action: "list_flows" })).body.result.flows).toHaveLength(2);
  });

  it("the rate limit counts replays", async () => {
    const { handler } = setup({ routeExtra: { limits: { rateLimit: { windowMs: 60_000, max: 2 } } } });
    await handler.handle(keyed("rl", create));
    const replay = parse(await handler.handle(keyed("rl", create)));
    expect(replay.headers["ratelimit-remaining"]).toBe("0");
    expect(parse(await handler.handle(keyed("rl", create))).status).toBe(429);
  });

  it("required: true answers 400 idempotency_key_required for a write without a key", async () => {
    const { handler } = setup({ routeExtra: { idempotency: { required: true } } });
    const r = parse(await handler.handle(keyed(undefined, create)));
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ routeId: "demo", code: "idempotency_key_required" });
    expect(parse(await handler.handle(keyed("present", create))).status).toBe(200);
  });

  it("invalid keys answer 400 invalid_idempotency_key naming the header", async () => {
    const { handler, call } = setup();
    const bad = ["", "  ", "a b", "x".repeat(256), "ключ", '"unterminated', '"a";p=1', '"bad\\escape"', "tab\there"];
    for (const key of bad) {
      const r = parse(await handler.handle(keyed(key, create)));
      expect([key, r.status, r.body.code]).toEqual([key, 400, "invalid_idempotency_key"]);
      expect(r.body.error).toMatch(/^Idempotency-Key must be 1-255 visible ASCII characters/);
    }
    const other = parse(await handler.handle(keyed("a b", create, "x-openclaw-idempotency-key")));
    expect(other.body.error).toMatch(/^X-OpenClaw-Idempotency-Key must be/);
    expect((await call({ action: "list_flows" })).body.result.flows).toHaveLength(0);
  });

  it('accepts 255 characters, and the sf-string form: "abc" is the same key as abc', async () => {
    const { handler } = setup();
    expect(parse(await handler.handle(keyed("x".repeat(255), create))).status).toBe(200);
    const first = parse(await handler.handle(keyed('"a\\"b\\\\c"', create)));
    const bare = parse(await handler.handle(keyed('a"b\\c', create)));
    expect(bare.headers["idempotent-replayed"]).toBe("true");
    expect(bare.response.body).toBe(first.response.body);
  });

  it("X-OpenClaw-Idempotency-Key is a key; webhook-id only when the route opts in", async () => {
    const plain = setup();
    await plain.handler.handle(keyed("oc-1", create, "x-openclaw-idempotency-key"));
    expect(parse(await plain.handler.handle(keyed("oc-1", create, "x-openclaw-idempotency-key"))).headers["idempotent-replayed"]).toBe("true");
    await plain.handler.handle(keyed("msg_1", create, "webhook-id"));
    expect(parse(await plain.handler.handle(keyed("msg_1", create, "webhook-id"))).headers).not.toHaveProperty("idempotent-replayed");

    const opted = setup({ routeExtra: { idempotency: { acceptWebhookId: true } } });
    await opted.handler.handle(keyed("msg_1", create, "webhook-id"));
    expect(parse(await opted.handler.handle(keyed("msg_1", create, "webhook-id"))).headers["idempotent-replayed"]).toBe("true");
    // Idempotency-Key wins over webhook-id when both are sent.
    const both = parse(await opted.handler.handle(keyed("fresh", create, "idempotency-key", { "webhook-id": "msg_1" })));
    expect(both.headers).not.toHaveProperty("idempotent-replayed");
  });

  it("an injected store is used (records are visible in it)", async () => {
    const store = createMemoryIdempotencyStore();
    const { handler } = setup({ idempotencyStore: store });
    await handler.handle(keyed("k", create));
    expect(store.size()).toBe(1);
  });
});

/** A runtime whose createManaged waits for `open()`; counts the calls. */
function blockingRuntime() {
  const inner = createMemoryTaskFlowRuntime();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let signal!: () => void;
  const started = new Promise<void>((r) => (signal = r));
  let calls = 0;
  const runtime: TaskFlowRuntime = {
    bindSession(p) {
      const bound = inner.bindSession(p);
      return {
        ...bound,
        tryCreateManaged: undefined,
        createManaged: async (params) => {
          calls += 1;
          signal();
          await gate;
          return bound.createManaged(params);
        },
      } as BoundTaskFlow;
    },
  };
  return { runtime, started, open: release, calls: () => calls };
}
