// A whole flow's life through a real Express server (4 and 5): the action protocol arrives
// unchanged through the adapter, revisions included.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXPRESS_VERSIONS, post, startServer, type TestServer } from "./support.js";

describe.each(EXPRESS_VERSIONS)("%s: flow lifecycle", (_name, express) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(express);
  });
  afterAll(() => server.close());

  it("create → get → set_waiting → resume → run_task → finish, with a revision conflict", async () => {
    const call = async (action: Record<string, unknown>, status = 200) => {
      const reply = await post(server.port, action);
      expect(reply.status, JSON.stringify(reply.json)).toBe(status);
      expect(reply.headers["content-type"]).toBe("application/json; charset=utf-8");
      return reply.json;
    };

    const created = await call({ action: "create_flow", goal: "ship the adapter", currentStep: "start" });
    expect(created).toMatchObject({ ok: true, routeId: "demo", result: { created: true } });
    const flow = created.result.flow;
    expect(flow).toMatchObject({ controllerId: "webhooks/demo", goal: "ship the adapter", status: "queued", revision: 0 });
    expect(JSON.stringify(created)).not.toContain("agent:main:main"); // owner key never leaves

    const got = await call({ action: "get_flow", flowId: flow.flowId });
    expect(got.result.flow).toEqual(flow);

    const waiting = await call({
      action: "set_waiting",
      flowId: flow.flowId,
      expectedRevision: 0,
      currentStep: "await approval",
      waitJson: { kind: "approval" },
    });
    expect(waiting.result).toMatchObject({ applied: true, flow: { status: "waiting", revision: 1, waitJson: { kind: "approval" } } });

    const conflict = await call({ action: "resume_flow", flowId: flow.flowId, expectedRevision: 0 }, 409);
    expect(conflict).toMatchObject({
      ok: false,
      routeId: "demo",
      code: "revision_conflict",
      error: "TaskFlow changed since the caller's expected revision.",
      result: { applied: false, code: "revision_conflict", current: { flowId: flow.flowId, revision: 1, status: "waiting" } },
    });

    const resumed = await call({ action: "resume_flow", flowId: flow.flowId, expectedRevision: 1, status: "running" });
    expect(resumed.result).toMatchObject({ applied: true, flow: { status: "running", revision: 2 } });

    const ran = await call({ action: "run_task", flowId: flow.flowId, runtime: "subagent", task: "write the tests" });
    expect(ran.result).toMatchObject({ created: true, task: { runtime: "subagent", task: "write the tests" } });
    expect(ran.result.task.parentFlowId).toBe(flow.flowId);

    const current = (await call({ action: "get_flow", flowId: flow.flowId })).result.flow;
    const finished = await call({
      action: "finish_flow",
      flowId: flow.flowId,
      expectedRevision: current.revision,
      stateJson: { done: true },
    });
    expect(finished.result).toMatchObject({ applied: true, flow: { status: "succeeded", stateJson: { done: true } } });

    const again = await call({ action: "run_task", flowId: flow.flowId, runtime: "subagent", task: "too late" }, 409);
    expect(again.code).toBe("terminal");

    const missing = await call({ action: "finish_flow", flowId: "no-such-flow", expectedRevision: 0 }, 404);
    expect(missing.code).toBe("not_found");
    const invalid = await call({ action: "create_flow" }, 400);
    expect(invalid).toMatchObject({ code: "invalid_request", routeId: "demo" });
  });
});
