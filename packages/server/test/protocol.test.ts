// The whole action protocol over real HTTP: startServer (port 0) on a SQLite file.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteTaskFlowStore, type SqliteTaskFlowStore } from "@taskflow-webhooks/taskflow-sqlite";
import { startServer, type RunningServer } from "../src/index.js";
import { PATH, SECRET, SESSION, demoRoutes, post, tempDir, type Answer } from "./support.js";

const OTHER_SECRET = "other-route-secret-0123456789";
let server: RunningServer;
let hook: string;
let other: string;
let seeder: SqliteTaskFlowStore;
const logs: Array<Record<string, unknown>> = [];
const tmp = tempDir();

beforeAll(async () => {
  const db = tmp.file("flows.sqlite");
  server = await startServer({
    config: {
      routes: {
        ...demoRoutes(),
        other: { sessionKey: "agent:other:main", secret: OTHER_SECRET },
      },
    },
    port: 0,
    db,
    log: (line) => logs.push(line),
  });
  hook = server.url + PATH;
  other = server.url + "/plugins/webhooks/other";
  // A second connection to the same file, for states the protocol cannot create.
  seeder = openSqliteTaskFlowStore({ path: db });
});
afterAll(async () => {
  await server?.close();
  seeder?.close();
  tmp.remove();
});

const send = (action: string, fields: Record<string, unknown> = {}) => post(hook, { action, ...fields });
async function createFlow(fields: Record<string, unknown> = {}) {
  const r = await send("create_flow", { goal: "Test flow", ...fields });
  expect(r.status).toBe(200);
  return r.body.result.flow as { flowId: string; revision: number; [k: string]: unknown };
}
function expectFailure(r: Answer, status: number, code: string) {
  expect(r.status).toBe(status);
  expect(r.body).toMatchObject({ ok: false, routeId: "demo", code });
}

describe("reads", () => {
  it("create_flow: defaults, every optional field, and a 400 for a bad body", async () => {
    const plain = await send("create_flow", { goal: "  Ship it  " });
    expect(plain.status).toBe(200);
    expect(plain.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(plain.body).toEqual({
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
          goal: "Ship it",
          createdAt: expect.any(Number),
          updatedAt: expect.any(Number),
        },
      },
    });
    const full = await createFlow({
      controllerId: "custom/ctl",
      status: "running",
      notifyPolicy: "silent",
      currentStep: "step-1",
      stateJson: { n: 1, list: [1, "a", null] },
      waitJson: null,
    });
    expect(full).toMatchObject({
      controllerId: "custom/ctl",
      status: "running",
      notifyPolicy: "silent",
      currentStep: "step-1",
      stateJson: { n: 1, list: [1, "a", null] },
      waitJson: null,
    });

    const bad = await send("create_flow", { goal: "   ", extra: 1 });
    expectFailure(bad, 400, "invalid_request");
    expect(bad.body.error).toMatch(/^goal: /);
    expect(bad.body.issues.length).toBeGreaterThanOrEqual(2);
    expectFailure(await post(hook, "not an object"), 400, "invalid_request");
  });

  it("get_flow: the flow, null for unknown ids and for flows of another owner", async () => {
    const flow = await createFlow();
    expect((await send("get_flow", { flowId: flow.flowId })).body.result).toEqual({ flow });
    expect((await send("get_flow", { flowId: "nope" })).body).toEqual({ ok: true, routeId: "demo", result: { flow: null } });
    const theirs = await post(other, { action: "get_flow", flowId: flow.flowId }, OTHER_SECRET);
    expect(theirs.status).toBe(200);
    expect(theirs.body.result).toEqual({ flow: null });
  });

  it("list_flows newest first; find_latest_flow; resolve_flow by id and by session key", async () => {
    const a = await createFlow({ goal: "a" });
    await new Promise((r) => setTimeout(r, 5));
    const b = await createFlow({ goal: "b" });
    const listed = (await send("list_flows")).body.result.flows as Array<{ flowId: string }>;
    expect(listed.findIndex((f) => f.flowId === b.flowId)).toBeLessThan(listed.findIndex((f) => f.flowId === a.flowId));
    expect(listed[0]!.flowId).toBe(b.flowId);
    expect((await send("find_latest_flow")).body.result.flow.flowId).toBe(b.flowId);
    expect((await send("resolve_flow", { token: a.flowId })).body.result.flow.flowId).toBe(a.flowId);
    expect((await send("resolve_flow", { token: SESSION })).body.result.flow.flowId).toBe(b.flowId);
    expect((await send("resolve_flow", { token: "unknown" })).body.result).toEqual({ flow: null });
    // The other route's owner sees none of them.
    const theirs = await post(other, { action: "find_latest_flow" }, OTHER_SECRET);
    expect(theirs.body.result).toEqual({ flow: null });
    expect((await post(other, { action: "list_flows" }, OTHER_SECRET)).body.result).toEqual({ flows: [] });
  });

  it("get_task_summary: zeroed without tasks, counts after run_task, null for unknown flows", async () => {
    const flow = await createFlow();
    const empty = (await send("get_task_summary", { flowId: flow.flowId })).body.result.summary;
    expect(empty).toMatchObject({ total: 0, active: 0, terminal: 0, failures: 0 });
    await send("run_task", { flowId: flow.flowId, runtime: "subagent", task: "one" });
    await send("run_task", { flowId: flow.flowId, runtime: "acp", task: "two", status: "running", startedAt: 1_000 });
    const summary = (await send("get_task_summary", { flowId: flow.flowId })).body.result.summary;
    expect(summary).toMatchObject({ total: 2, active: 2, terminal: 0, byStatus: { queued: 1, running: 1 }, byRuntime: { subagent: 1, acp: 1 } });
    expect((await send("get_task_summary", { flowId: "nope" })).body.result).toEqual({ summary: null });
  });
});

describe("mutations", () => {
  it("set_waiting (waiting, then blocked), 409 revision_conflict with current, 404 for unknown or foreign flows", async () => {
    const flow = await createFlow();
    const waiting = await send("set_waiting", { flowId: flow.flowId, expectedRevision: 0, currentStep: "wait", waitJson: { for: "human" } });
    expect(waiting.status).toBe(200);
    expect(waiting.body.result).toMatchObject({ applied: true, flow: { status: "waiting", revision: 1, currentStep: "wait", waitJson: { for: "human" } } });
    const blocked = await send("set_waiting", { flowId: flow.flowId, expectedRevision: 1, blockedSummary: "needs input" });
    expect(blocked.body.result.flow).toMatchObject({ status: "blocked", revision: 2, blockedSummary: "needs input" });

    const stale = await send("set_waiting", { flowId: flow.flowId, expectedRevision: 1 });
    expectFailure(stale, 409, "revision_conflict");
    expect(stale.body.error).toBe("TaskFlow changed since the caller's expected revision.");
    expect(stale.body.result).toMatchObject({ applied: false, code: "revision_conflict", current: { flowId: flow.flowId, revision: 2 } });

    const missing = await send("set_waiting", { flowId: "nope", expectedRevision: 0 });
    expectFailure(missing, 404, "not_found");
    expect(missing.body.error).toBe("TaskFlow not found.");
    const foreign = await post(other, { action: "set_waiting", flowId: flow.flowId, expectedRevision: 2 }, OTHER_SECRET);
    expect(foreign.status).toBe(404);
  });

  it("resume_flow (queued by default, or running), finish_flow, fail_flow", async () => {
    const flow = await createFlow({ status: "waiting", waitJson: { x: 1 } });
    const resumed = await send("resume_flow", { flowId: flow.flowId, expectedRevision: 0 });
    expect(resumed.body.result.flow).toMatchObject({ status: "queued", revision: 1, waitJson: null });
    const running = await send("resume_flow", { flowId: flow.flowId, expectedRevision: 1, status: "running", currentStep: "go" });
    expect(running.body.result.flow).toMatchObject({ status: "running", revision: 2, currentStep: "go" });
    const finished = await send("finish_flow", { flowId: flow.flowId, expectedRevision: 2, stateJson: { result: "ok" } });
    expect(finished.status).toBe(200);
    expect(finished.body.result.flow).toMatchObject({ status: "succeeded", revision: 3, stateJson: { result: "ok" }, endedAt: expect.any(Number) });

    const other_ = await createFlow();
    const failed = await send("fail_flow", { flowId: other_.flowId, expectedRevision: 0, blockedSummary: "broke" });
    expect(failed.status).toBe(200);
    expect(failed.body.result.flow).toMatchObject({ status: "failed", revision: 1, blockedSummary: "broke", endedAt: expect.any(Number) });
    expectFailure(await send("finish_flow", { flowId: other_.flowId, expectedRevision: 0 }), 409, "revision_conflict");
  });

  it("request_cancel marks the flow; run_task afterwards is 409 cancel_requested", async () => {
    const flow = await createFlow();
    const requested = await send("request_cancel", { flowId: flow.flowId, expectedRevision: 0 });
    expect(requested.status).toBe(200);
    expect(requested.body.result.flow).toMatchObject({ status: "queued", revision: 1, cancelRequestedAt: expect.any(Number) });
    const refused = await send("run_task", { flowId: flow.flowId, runtime: "subagent", task: "late" });
    expectFailure(refused, 409, "cancel_requested");
    expect(refused.body.result).toMatchObject({ found: true, created: false, reason: "Flow cancellation has already been requested." });
  });

  it("409 not_managed for a flow this surface does not manage", async () => {
    const now = Date.now();
    seeder.seedUnmanagedFlow({
      flowId: "mirrored-1",
      syncMode: "task_mirrored",
      ownerKey: SESSION,
      revision: 0,
      status: "running",
      notifyPolicy: "done_only",
      goal: "mirrored",
      createdAt: now,
      updatedAt: now,
    });
    const r = await send("finish_flow", { flowId: "mirrored-1", expectedRevision: 0 });
    expectFailure(r, 409, "not_managed");
    expect(r.body.error).toBe("TaskFlow is not managed by this webhook surface.");
  });
});

describe("tasks and cancellation", () => {
  it("run_task creates a task; refuses cli runtimes and running-only fields; 404 unknown; 409 terminal", async () => {
    const flow = await createFlow();
    const created = await send("run_task", {
      flowId: flow.flowId,
      runtime: "subagent",
      task: "Summarise",
      label: "sum",
      childSessionKey: "agent:main:subagent:1",
    });
    expect(created.status).toBe(200);
    expect(created.body.result).toMatchObject({
      created: true,
      flow: { flowId: flow.flowId, revision: 0 },
      task: { runtime: "subagent", task: "Summarise", label: "sum", status: "queued", parentFlowId: flow.flowId },
    });
    expect(created.body.result.task).not.toHaveProperty("ownerKey");

    expectFailure(await send("run_task", { flowId: flow.flowId, runtime: "cli", task: "x" }), 400, "invalid_request");
    const early = await send("run_task", { flowId: flow.flowId, runtime: "acp", task: "x", progressSummary: "half" });
    expectFailure(early, 400, "invalid_request");
    expect(early.body.error).toBe("status: status must be running when startedAt, lastEventAt, or progressSummary is provided");

    expectFailure(await send("run_task", { flowId: "nope", runtime: "acp", task: "x" }), 404, "not_found");
    await send("finish_flow", { flowId: flow.flowId, expectedRevision: 0 });
    const terminal = await send("run_task", { flowId: flow.flowId, runtime: "acp", task: "x" });
    expectFailure(terminal, 409, "terminal");
    expect(terminal.body.error).toBe("Flow is already succeeded.");
  });

  it("cancel_flow: 200 with active children settled by the store (not 202), 409 on terminal, 404 unknown", async () => {
    const flow = await createFlow();
    await send("run_task", { flowId: flow.flowId, runtime: "subagent", task: "child", status: "running", startedAt: 5 });
    const cancelled = await send("cancel_flow", { flowId: flow.flowId });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.result).toMatchObject({
      found: true,
      cancelled: true,
      flow: { status: "cancelled", revision: 2, cancelRequestedAt: expect.any(Number) },
      tasks: [{ status: "cancelled" }],
    });
    expect(cancelled.body).not.toHaveProperty("code");

    const again = await send("cancel_flow", { flowId: flow.flowId });
    expectFailure(again, 409, "terminal");
    expect(again.body.error).toBe("Flow is already cancelled.");
    expect(again.body.result).toMatchObject({ found: true, cancelled: false });
    expectFailure(await send("cancel_flow", { flowId: "nope" }), 404, "not_found");
  });
});

describe("request log and health over the standalone server", () => {
  it("logs one JSON line per request with routeId, action, status, code, flowId and duration; never a secret or session key", async () => {
    const flow = await createFlow();
    await send("get_flow", { flowId: flow.flowId });
    await send("set_waiting", { flowId: flow.flowId, expectedRevision: 7 });
    await post(hook, { action: "list_flows" }, "wrong");
    await fetch(server.url + "/healthz");

    const requests = logs.filter((l) => l.msg === "request");
    const last = requests.slice(-5);
    expect(last.map((l) => [l.routeId, l.status, l.code])).toEqual([
      ["demo", 200, undefined],
      ["demo", 200, undefined],
      ["demo", 409, "revision_conflict"],
      ["demo", 401, "unauthorized"],
      [undefined, 200, undefined],
    ]);
    expect(last.slice(0, 3).map((l) => l.flowId)).toEqual([flow.flowId, flow.flowId, flow.flowId]);
    expect(last.map((l) => l.action)).toEqual(["create_flow", "get_flow", "set_waiting", undefined, undefined]);
    for (const line of last) {
      expect(line).toMatchObject({ ts: expect.any(String), level: "info", method: expect.any(String), durationMs: expect.any(Number) });
    }
    const everything = JSON.stringify(logs);
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(OTHER_SECRET);
    expect(everything).not.toContain(SESSION);
    expect(everything).not.toContain("agent:other:main");
  });

  it("GET /healthz answers 200 with each dependency while the store is usable", async () => {
    const res = await fetch(server.url + "/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, taskFlow: { store: "sqlite", ok: true }, limiter: { store: "memory", ok: true } });
  });
});
