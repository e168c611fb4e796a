import { describe, expect, it } from "vitest";
import { SESSION, setup } from "../../test/support.js";

const flowKeys = (flow: Record<string, unknown>) => Object.keys(flow);

describe("actions: happy paths", () => {
  it("create_flow uses the route's controllerId and defaults, and returns the allow-listed view", async () => {
    const { call, clock } = setup();
    const r = await call({ action: "create_flow", goal: "  Review inbound queue  " });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      ok: true,
      routeId: "demo",
      result: {
        created: true,
        flow: {
          flowId: expect.any(String),
          syncMode: "managed",
          controllerId: "webhooks/demo",
          revision: 0,
          status: "queued",
          notifyPolicy: "done_only",
          goal: "Review inbound queue",
          createdAt: clock.now(),
          updatedAt: clock.now(),
        },
      },
    });
    expect(flowKeys(r.body.result.flow)).toEqual([
      "flowId", "syncMode", "controllerId", "revision", "status", "notifyPolicy", "goal", "createdAt", "updatedAt",
    ]);
  });

  it("create_flow takes every optional field", async () => {
    const { call } = setup();
    const r = await call({
      action: "create_flow",
      goal: "g",
      controllerId: "custom/ctl",
      status: "blocked",
      notifyPolicy: "silent",
      currentStep: "step-1",
      stateJson: { a: [1, { b: null }] },
      waitJson: null,
    });
    expect(r.body.result.flow).toMatchObject({
      controllerId: "custom/ctl",
      status: "blocked",
      notifyPolicy: "silent",
      currentStep: "step-1",
      stateJson: { a: [1, { b: null }] },
      waitJson: null,
    });
  });

  it("reads: get_flow, list_flows (newest first), find_latest_flow, resolve_flow, get_task_summary", async () => {
    const { call, clock } = setup();
    const a = (await call({ action: "create_flow", goal: "a" })).body.result.flow;
    clock.advance(10);
    const b = (await call({ action: "create_flow", goal: "b" })).body.result.flow;
    expect((await call({ action: "get_flow", flowId: a.flowId })).body.result).toEqual({ flow: a });
    expect((await call({ action: "list_flows" })).body.result.flows.map((f: any) => f.goal)).toEqual(["b", "a"]);
    expect((await call({ action: "find_latest_flow" })).body.result.flow.flowId).toBe(b.flowId);
    expect((await call({ action: "resolve_flow", token: a.flowId })).body.result.flow.flowId).toBe(a.flowId);
    expect((await call({ action: "resolve_flow", token: SESSION })).body.result.flow.flowId).toBe(b.flowId);
    const summary = (await call({ action: "get_task_summary", flowId: a.flowId })).body.result.summary;
    expect(summary).toMatchObject({ total: 0, active: 0, terminal: 0, failures: 0 });
  });

  it("reads never fail for a missing flow: 200 with null", async () => {
    const { call } = setup();
    for (const [action, extra, key] of [
      ["get_flow", { flowId: "missing" }, "flow"],
      ["find_latest_flow", {}, "flow"],
      ["resolve_flow", { token: "missing" }, "flow"],
      ["get_task_summary", { flowId: "missing" }, "summary"],
    ] as const) {
      const r = await call({ action, ...extra });
      expect(r.status).toBe(200);
      expect(r.body.result).toEqual({ [key]: null });
    }
    expect((await call({ action: "list_flows" })).body.result).toEqual({ flows: [] });
  });

  it("a full lifecycle: set_waiting, resume_flow, run_task, request_cancel, cancel_flow", async () => {
    const { call } = setup();
    const flow = (await call({ action: "create_flow", goal: "g" })).body.result.flow;
    const waiting = await call({ action: "set_waiting", flowId: flow.flowId, expectedRevision: 0, blockedSummary: "need input", waitJson: { kind: "approval" } });
    expect(waiting.body.result).toMatchObject({ applied: true, flow: { status: "blocked", revision: 1, blockedSummary: "need input", waitJson: { kind: "approval" } } });
    const resumed = await call({ action: "resume_flow", flowId: flow.flowId, expectedRevision: 1, status: "running" });
    expect(resumed.body.result.flow).toMatchObject({ status: "running", revision: 2, waitJson: null });
    expect(resumed.body.result.flow).not.toHaveProperty("blockedSummary");
    const task = await call({ action: "run_task", flowId: flow.flowId, runtime: "acp", task: "Inspect the batch", runId: "run-1" });
    expect(task.status).toBe(200);
    expect(task.body.result).toMatchObject({ created: true, flow: { revision: 2 }, task: { runtime: "acp", task: "Inspect the batch", status: "queued", runId: "run-1" } });
    const summary = (await call({ action: "get_task_summary", flowId: flow.flowId })).body.result.summary;
    expect(summary).toMatchObject({ total: 1, active: 1, byRuntime: { acp: 1 } });
    const cancelReq = await call({ action: "request_cancel", flowId: flow.flowId, expectedRevision: 2 });
    expect(cancelReq.body.result.flow).toMatchObject({ revision: 3, cancelRequestedAt: expect.any(Number) });
    const cancelled = await call({ action: "cancel_flow", flowId: flow.flowId });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.result).toMatchObject({ found: true, cancelled: true, flow: { status: "cancelled" }, tasks: [{ status: "cancelled" }] });
  });

  it("finish_flow and fail_flow", async () => {
    const { call } = setup();
    const a = (await call({ action: "create_flow", goal: "a" })).body.result.flow;
    const done = await call({ action: "finish_flow", flowId: a.flowId, expectedRevision: 0, stateJson: { out: 1 } });
    expect(done.body.result.flow).toMatchObject({ status: "succeeded", stateJson: { out: 1 }, endedAt: expect.any(Number) });
    const b = (await call({ action: "create_flow", goal: "b" })).body.result.flow;
    const failed = await call({ action: "fail_flow", flowId: b.flowId, expectedRevision: 0, blockedTaskId: "t-1" });
    expect(failed.body.result.flow).toMatchObject({ status: "failed", blockedTaskId: "t-1" });
  });

  it("run_task with a running status takes startedAt, lastEventAt and progressSummary", async () => {
    const { call } = setup();
    const f = (await call({ action: "create_flow", goal: "g" })).body.result.flow;
    const r = await call({ action: "run_task", flowId: f.flowId, runtime: "subagent", task: "t", status: "running", startedAt: 5, lastEventAt: 6, progressSummary: "half way" });
    expect(r.body.result.task).toMatchObject({ status: "running", startedAt: 5, lastEventAt: 6, progressSummary: "half way" });
  });
});

describe("actions: failures (README: Answers and error codes)", () => {
  it("404 not_found for a mutation on a missing flow or another session's flow", async () => {
    const { call, taskFlow } = setup();
    const foreign = await taskFlow.bindSession({ sessionKey: "agent:other:main" }).createManaged({ controllerId: "c", goal: "theirs" });
    for (const flowId of ["missing", foreign.flowId]) {
      const r = await call({ action: "set_waiting", flowId, expectedRevision: 0 });
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ ok: false, routeId: "demo", code: "not_found", error: "TaskFlow not found.", result: { applied: false, code: "not_found" } });
      expect((await call({ action: "get_flow", flowId })).body.result.flow).toBeNull();
    }
    const run = await call({ action: "run_task", flowId: foreign.flowId, runtime: "acp", task: "t" });
    expect(run.status).toBe(404);
    expect(run.body.result).toEqual({ found: false, created: false, reason: "Flow not found." });
    const cancel = await call({ action: "cancel_flow", flowId: foreign.flowId });
    expect(cancel.status).toBe(404);
    expect(cancel.body).toMatchObject({ code: "not_found", error: "TaskFlow not found.", result: { found: false, cancelled: false } });
  });

  it("409 revision_conflict with the current flow", async () => {
    const { call } = setup();
    const f = (await call({ action: "create_flow", goal: "g" })).body.result.flow;
    const r = await call({ action: "finish_flow", flowId: f.flowId, expectedRevision: 7 });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({
      code: "revision_conflict",
      error: "TaskFlow changed since the caller's expected revision.",
      result: { applied: false, code: "revision_conflict", current: { flowId: f.flowId, revision: 0 } },
    });
  });

  it("409 not_managed for a flow this surface does not manage", async () => {
    const { call, taskFlow, clock } = setup();
    taskFlow.seed({ flowId: "mirror-1", syncMode: "task_mirrored", ownerKey: SESSION, revision: 0, status: "running", notifyPolicy: "done_only", goal: "g", createdAt: clock.now(), updatedAt: clock.now() });
    const r = await call({ action: "resume_flow", flowId: "mirror-1", expectedRevision: 0 });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ code: "not_managed", error: "TaskFlow is not managed by this webhook surface." });
    const run = await call({ action: "run_task", flowId: "mirror-1", runtime: "acp", task: "t" });
    expect(run.status).toBe(409);
    expect(run.body).toMatchObject({
      code: "not_managed",
      error: "Flow does not accept managed child tasks.",
      result: { found: true, created: false, reason: "Flow does not accept managed child tasks." },
    });
  });

  it("409 terminal for run_task and cancel_flow on a finished flow", async () => {
    const { call } = setup();
    const f = (await call({ action: "create_flow", goal: "g" })).body.result.flow;
    await call({ action: "finish_flow", flowId: f.flowId, expectedRevision: 0 });
    const run = await call({ action: "run_task", flowId: f.flowId, runtime: "acp", task: "t" });
    expect(run.status).toBe(409);
    expect(run.body).toMatchObject({ code: "terminal", error: "Flow is already succeeded." });
    const cancel = await call({ action: "cancel_flow", flowId: f.flowId });
    expect(cancel.status).toBe(409);
    expect(cancel.body).toMatchObject({ code: "terminal", error: "Flow is already succeeded.", result: { found: true, cancelled: false, reason: "Flow is already succeeded." } });
  });

  it("409 cancel_requested for run_task after request_cancel", async () => {
    const { call } = setup();
    const f = (await call({ action: "create_flow", goal: "g" })).body.result.flow;
    await call({ action: "request_cancel", flowId: f.flowId, expectedRevision: 0 });
    const run = await call({ action: "run_task", flowId: f.flowId, runtime: "subagent", task: "t" });
    expect(run.status).toBe(409);
    expect(run.body).toMatchObject({ code: "cancel_requested", error: "Flow cancellation has already been requested." });
  });

  it("503 persist_failed when storage fails", async () => {
    const { call, taskFlow } = setup();
    taskFlow.failNextWrite();
    const created = await call({ action: "create_flow", goal: "g" });
    expect(created.status).toBe(503);
    expect(created.body).toMatchObject({ code: "persist_failed", error: "TaskFlow persistence failed.", result: { created: false, code: "persist_failed" } });
    const f = (await call({ action: "create_flow", goal: "g" })).body.result.flow;
    taskFlow.failNextWrite();
    const r = await call({ action: "set_waiting", flowId: f.flowId, expectedRevision: 0 });
    expect(r.status).toBe(503);
    expect(r.body.result).toMatchObject({ applied: false, code: "persist_failed" });
  });

  it("202 cancel_pending while a child cannot be settled", async () => {
    const { send, call } = setup({
      taskFlow: {
        bindSession: () =>
          ({
            cancel: async () => ({ found: true, cancelled: false, reason: "One or more child tasks are still active." }),
          }) as any,
      },
    });
    void send;
    const r = await call({ action: "cancel_flow", flowId: "f" });
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ ok: true, routeId: "demo", code: "cancel_pending", result: { found: true, cancelled: false, reason: "One or more child tasks are still active." } });
  });

  it("maps cancel races and persistence reasons like the reference", async () => {
    const reasons = [
      ["Flow changed while cancellation was in progress.", 409, "revision_conflict"],
      ["Flow persistence failed.", 503, "persist_failed"],
      ["Flow is already lost.", 409, "terminal"],
    ] as const;
    for (const [reason, status, code] of reasons) {
      const { call } = setup({ taskFlow: { bindSession: () => ({ cancel: async () => ({ found: true, cancelled: false, reason }) }) as any } });
      const r = await call({ action: "cancel_flow", flowId: "f" });
      expect([r.status, r.body.code, r.body.error]).toEqual([status, code, reason]);
    }
    const { call } = setup({ taskFlow: { bindSession: () => ({ runTask: async () => ({ created: false, found: true, reason: "Task persistence failed." }) }) as any } });
    const r = await call({ action: "run_task", flowId: "f", runtime: "acp", task: "t" });
    expect([r.status, r.body.code]).toEqual([503, "persist_failed"]);
  });

  it("409 task_not_created / cancel_rejected carry the runtime's reason", async () => {
    const { call } = setup({
      taskFlow: {
        bindSession: () =>
          ({
            runTask: async () => ({ created: false, found: true, reason: "Task backing ownership could not be verified." }),
            cancel: async () => ({ found: true, cancelled: false, reason: "Nope." }),
          }) as any,
      },
    });
    const run = await call({ action: "run_task", flowId: "f", runtime: "acp", task: "t", childSessionKey: "agent:main:acp:x" });
    expect(run.status).toBe(409);
    expect(run.body).toMatchObject({ code: "task_not_created", error: "Task backing ownership could not be verified." });
    const cancel = await call({ action: "cancel_flow", flowId: "f" });
    expect(cancel.body).toMatchObject({ code: "cancel_rejected", error: "Nope." });
  });
});

describe("actions: validation (400 invalid_request)", () => {
  const cases: Array<[string, unknown, string]> = [
    ["missing goal", { action: "create_flow" }, "goal"],
    ["blank goal", { action: "create_flow", goal: "   " }, "goal"],
    ["unknown action", { action: "nope" }, "action"],
    ["missing action", { goal: "x" }, "action"],
    ["unknown key", { action: "list_flows", extra: 1 }, ""],
    ["string revision", { action: "finish_flow", flowId: "f", expectedRevision: "1" }, "expectedRevision"],
    ["negative revision", { action: "finish_flow", flowId: "f", expectedRevision: -1 }, "expectedRevision"],
    ["fractional revision", { action: "finish_flow", flowId: "f", expectedRevision: 1.5 }, "expectedRevision"],
    ["cli runtime", { action: "run_task", flowId: "f", runtime: "cli", task: "t" }, "runtime"],
    ["cron runtime", { action: "run_task", flowId: "f", runtime: "cron", task: "t" }, "runtime"],
    ["bad status", { action: "create_flow", goal: "g", status: "succeeded" }, "status"],
    ["array body", [], ""],
    ["string body", "x", ""],
    ["null body", null, ""],
  ];
  for (const [name, body, path] of cases) {
    it(`${name} → ${path}`, async () => {
      const { call } = setup();
      const r = await call(body);
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ ok: false, routeId: "demo", code: "invalid_request", result: {} });
      expect(r.body.issues[0].path).toBe(path);
      expect(r.body.error).toBe(path ? `${path}: ${r.body.issues[0].message}` : r.body.issues[0].message);
    });
  }

  it("run_task running-only fields require status running, with the reference's text", async () => {
    const { call } = setup();
    for (const extra of [{ startedAt: 1 }, { lastEventAt: 1 }, { progressSummary: "p" }, { startedAt: 1, status: "queued" }]) {
      const r = await call({ action: "run_task", flowId: "f", runtime: "acp", task: "t", ...extra });
      expect(r.status).toBe(400);
      expect(r.body.error).toBe("status: status must be running when startedAt, lastEventAt, or progressSummary is provided");
    }
  });

  it("lists every problem in issues", async () => {
    const { call } = setup();
    const r = await call({ action: "set_waiting", flowId: "", expectedRevision: -1, bogus: true });
    expect(r.body.issues.map((i: any) => i.path)).toEqual(["flowId", "expectedRevision", ""]);
    expect(r.body.issues[2].message).toBe('Unrecognized key: "bogus"');
  });
});
