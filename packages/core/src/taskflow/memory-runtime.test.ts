import { describe, expect, it } from "vitest";
import { describeTaskFlowConformance } from "../testing/conformance.js";
import { createManualClock } from "../testing/manual-clock.js";
import { createMemoryTaskFlowRuntime } from "./memory-runtime.js";
import type { MutationResult, TaskFlowRecord, TaskFlowRuntime, TaskRecord } from "./types.js";

describeTaskFlowConformance(
  "memory",
  ({ clock }) => {
    const runtime = createMemoryTaskFlowRuntime({ clock });
    return { runtime, seedUnmanagedFlow: (record) => runtime.seed(record) };
  },
  { seedUnmanaged: true },
);

// The same kit over a handle without listPage (as the OpenClaw Gateway's): the core pages
// over list(), and must answer the same pages.
describeTaskFlowConformance(
  "memory, paged over list() only",
  ({ clock }) => {
    const runtime = createMemoryTaskFlowRuntime({ clock });
    const withoutListPage: TaskFlowRuntime = {
      bindSession(params) {
        const { listPage: _native, ...bound } = runtime.bindSession(params);
        return bound;
      },
    };
    return { runtime: withoutListPage, seedUnmanagedFlow: (record) => runtime.seed(record) };
  },
  { seedUnmanaged: true },
);

const OWNER = "agent:main:webhooks:test";

function setup() {
  const clock = createManualClock();
  const runtime = createMemoryTaskFlowRuntime({ clock });
  const flows = runtime.bindSession({ sessionKey: OWNER });
  const create = async () => flows.createManaged({ controllerId: "test", goal: "Goal" });
  return { clock, runtime, flows, create };
}

async function appliedFlow(pending: MutationResult | Promise<MutationResult>): Promise<TaskFlowRecord> {
  const result = await pending;
  if (!result.applied) throw new Error(`not applied: ${result.code}`);
  return result.flow;
}

function seededTask(flowId: string, overrides: Partial<TaskRecord>): TaskRecord {
  return {
    taskId: `task-${Math.random()}`,
    runtime: "subagent",
    ownerKey: OWNER,
    scopeKind: "session",
    parentFlowId: flowId,
    task: "Seeded",
    status: "queued",
    deliveryStatus: "pending",
    notifyPolicy: "done_only",
    createdAt: 0,
    ...overrides,
  };
}

describe("memory runtime: simulated storage failure", () => {
  it("createManaged throws and tryCreateManaged answers null, storing nothing", async () => {
    const { runtime, flows, create } = setup();
    runtime.failNextWrite();
    await expect(create()).rejects.toThrow("TaskFlow persistence failed.");
    runtime.failNextWrite();
    expect(await flows.tryCreateManaged?.({ controllerId: "test", goal: "Goal" })).toBeNull();
    expect(await flows.list()).toEqual([]);
    // Armed failures are used up: the next write succeeds.
    expect((await create()).revision).toBe(0);
  });

  it("a mutation answers persist_failed with the unchanged flow", async () => {
    const { runtime, flows, create } = setup();
    const flow = await create();
    runtime.failNextWrite();
    expect(await flows.finish({ flowId: flow.flowId, expectedRevision: 0 })).toEqual({
      applied: false,
      code: "persist_failed",
      current: flow,
    });
    expect(await flows.get(flow.flowId)).toEqual(flow);
    expect((await appliedFlow(flows.finish({ flowId: flow.flowId, expectedRevision: 0 }))).revision).toBe(1);
  });

  it("checks that refuse before writing do not use up an armed failure", async () => {
    const { runtime, flows, create } = setup();
    const flow = await create();
    runtime.failNextWrite();
    expect(await flows.resume({ flowId: flow.flowId, expectedRevision: 9 })).toMatchObject({ code: "revision_conflict" });
    expect(await flows.resume({ flowId: "missing", expectedRevision: 0 })).toMatchObject({ code: "not_found" });
    expect(await flows.resume({ flowId: flow.flowId, expectedRevision: 0 })).toMatchObject({ code: "persist_failed" });
  });

  it("failNextWrite(count) fails that many writes", async () => {
    const { runtime, flows, create } = setup();
    const flow = await create();
    runtime.failNextWrite(2);
    expect(await flows.requestCancel({ flowId: flow.flowId, expectedRevision: 0 })).toMatchObject({ code: "persist_failed" });
    expect(await flows.requestCancel({ flowId: flow.flowId, expectedRevision: 0 })).toMatchObject({ code: "persist_failed" });
    expect(await flows.requestCancel({ flowId: flow.flowId, expectedRevision: 0 })).toMatchObject({ applied: true });
  });

  it("runTask answers Task persistence failed. and records nothing", async () => {
    const { runtime, flows, create } = setup();
    const flow = await create();
    runtime.failNextWrite();
    expect(await flows.runTask({ flowId: flow.flowId, runtime: "subagent", task: "t" })).toEqual({
      created: false,
      found: true,
      reason: "Task persistence failed.",
      flow,
    });
    expect(await flows.getTaskSummary(flow.flowId)).toMatchObject({ total: 0 });
  });

  it("cancel: a failed cancel request changes nothing", async () => {
    const { runtime, flows, create } = setup();
    const flow = await create();
    runtime.failNextWrite();
    expect(await flows.cancel({ flowId: flow.flowId })).toEqual({
      found: true,
      cancelled: false,
      reason: "Flow persistence failed.",
      flow,
      tasks: [],
    });
    expect(await flows.get(flow.flowId)).toEqual(flow);
  });

  it("cancel: children that cannot be settled leave the flow cancel-requested, then a retry completes", async () => {
    const { clock, runtime, flows, create } = setup();
    const flow = await create();
    await flows.runTask({ flowId: flow.flowId, runtime: "subagent", task: "t" });
    const requested = await appliedFlow(flows.requestCancel({ flowId: flow.flowId, expectedRevision: 0 }));
    runtime.failNextWrite();
    const pending = await flows.cancel({ flowId: flow.flowId });
    expect(pending).toMatchObject({
      found: true,
      cancelled: false,
      reason: "One or more child tasks are still active.",
      flow: requested,
      tasks: [{ status: "queued" }],
    });
    clock.advance(1_000);
    const done = await flows.cancel({ flowId: flow.flowId });
    expect(done).toMatchObject({ cancelled: true, flow: { status: "cancelled", revision: 2, endedAt: clock.now() } });
    expect(done.tasks).toMatchObject([{ status: "cancelled", endedAt: clock.now() }]);
  });

  it("cancel: a failed final write answers Flow persistence failed. and leaves the flow cancel-requested", async () => {
    const { runtime, flows, create } = setup();
    const flow = await create();
    // With the request already recorded and no children, the final flow write is the first write.
    const requested = await appliedFlow(flows.requestCancel({ flowId: flow.flowId, expectedRevision: 0 }));
    runtime.failNextWrite();
    expect(await flows.cancel({ flowId: flow.flowId })).toEqual({
      found: true,
      cancelled: false,
      reason: "Flow persistence failed.",
      flow: requested,
      tasks: [],
    });
    expect(await flows.cancel({ flowId: flow.flowId })).toMatchObject({ cancelled: true, flow: { revision: 2 } });
  });

  it("failNextWrite refuses a count that is not a non-negative integer", async () => {
    const { runtime } = setup();
    expect(() => runtime.failNextWrite(-1)).toThrow(RangeError);
    expect(() => runtime.failNextWrite(1.5)).toThrow(RangeError);
  });
});

describe("memory runtime: seeded records", () => {
  it("a seeded lost flow is terminal for cancel and runTask", async () => {
    const { clock, runtime, flows } = setup();
    const lost: TaskFlowRecord = {
      flowId: "lost-flow",
      syncMode: "managed",
      ownerKey: OWNER,
      controllerId: "test",
      revision: 4,
      status: "lost",
      notifyPolicy: "done_only",
      goal: "Gone",
      createdAt: clock.now(),
      updatedAt: clock.now(),
    };
    runtime.seed(lost);
    expect(await flows.cancel({ flowId: "lost-flow" })).toMatchObject({ cancelled: false, reason: "Flow is already lost." });
    expect(await flows.runTask({ flowId: "lost-flow", runtime: "subagent", task: "t" })).toMatchObject({
      created: false,
      reason: "Flow is already lost.",
    });
    expect(await flows.get("lost-flow")).toEqual(lost);
  });

  it("seed copies the record", async () => {
    const { clock, runtime, flows } = setup();
    const record: TaskFlowRecord = {
      flowId: "seeded",
      syncMode: "task_mirrored",
      ownerKey: OWNER,
      revision: 0,
      status: "running",
      notifyPolicy: "done_only",
      goal: "Seeded",
      stateJson: { n: 1 },
      createdAt: clock.now(),
      updatedAt: clock.now(),
    };
    runtime.seed(record);
    (record.stateJson as { n: number }).n = 2;
    expect((await flows.get("seeded"))?.stateJson).toEqual({ n: 1 });
  });

  it("summary failures count failed, timed_out and lost tasks; cancel leaves terminal tasks alone", async () => {
    const { runtime, flows, create } = setup();
    const flow = await create();
    for (const status of ["failed", "timed_out", "lost", "succeeded", "running"] as const) {
      runtime.seedTask(seededTask(flow.flowId, { taskId: status, status, runtime: "cron" }));
    }
    expect(await flows.getTaskSummary(flow.flowId)).toEqual({
      total: 5,
      active: 1,
      terminal: 4,
      failures: 3,
      byStatus: { queued: 0, running: 1, succeeded: 1, failed: 1, timed_out: 1, cancelled: 0, lost: 1 },
      byRuntime: { subagent: 0, acp: 0, cli: 0, cron: 5 },
    });
    const result = await flows.cancel({ flowId: flow.flowId });
    expect(result.tasks?.map((t) => [t.taskId, t.status])).toEqual([
      ["failed", "failed"],
      ["timed_out", "timed_out"],
      ["lost", "lost"],
      ["succeeded", "succeeded"],
      ["running", "cancelled"],
    ]);
  });
});

describe("memory runtime: instances and options", () => {
  it("shares no state between runtimes", async () => {
    const first = createMemoryTaskFlowRuntime().bindSession({ sessionKey: OWNER });
    const second = createMemoryTaskFlowRuntime().bindSession({ sessionKey: OWNER });
    const flow = await first.createManaged({ controllerId: "test", goal: "Goal" });
    expect(await second.get(flow.flowId)).toBeUndefined();
    expect(await second.list()).toEqual([]);
  });

  it("uses the system clock and random UUIDs by default", async () => {
    const before = Date.now();
    const flow = await createMemoryTaskFlowRuntime()
      .bindSession({ sessionKey: OWNER })
      .createManaged({ controllerId: "test", goal: "Goal" });
    expect(flow.createdAt).toBeGreaterThanOrEqual(before);
    expect(flow.createdAt).toBeLessThanOrEqual(Date.now());
    expect(flow.flowId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("takes ids from generateId", async () => {
    let n = 0;
    const flows = createMemoryTaskFlowRuntime({ generateId: () => `id-${++n}` }).bindSession({ sessionKey: OWNER });
    const flow = await flows.createManaged({ controllerId: "test", goal: "Goal" });
    const result = await flows.runTask({ flowId: flow.flowId, runtime: "subagent", task: "t" });
    expect(flow.flowId).toBe("id-1");
    expect(result).toMatchObject({ created: true, task: { taskId: "id-2" } });
  });

  it("refuses to bind an empty session key", async () => {
    const runtime = createMemoryTaskFlowRuntime();
    expect(() => runtime.bindSession({ sessionKey: " " })).toThrow(TypeError);
  });

  it("leaves agentId absent when the owner's session key names no agent", async () => {
    const flows = createMemoryTaskFlowRuntime().bindSession({ sessionKey: "webhook:plain" });
    const flow = await flows.createManaged({ controllerId: "test", goal: "Goal" });
    const result = await flows.runTask({ flowId: flow.flowId, runtime: "subagent", task: "t" });
    if (!result.created) throw new Error("expected a task");
    expect(result.task).not.toHaveProperty("agentId");
  });
});
