// A storage failure is data, not an exception: mutations answer `persist_failed`,
// tryCreateManaged answers null, runTask and cancel refuse with a persistence reason, and
// a failed write leaves nothing behind (one transaction, rolled back as a whole).
import { openSqliteTaskFlowStore, type SqliteBoundTaskFlow, type SqliteTaskFlowStore } from "../src/index.js";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDatabase, type TempDatabase } from "./temp-db.js";

const SESSION = "agent:main:webhooks:alpha";

let file: TempDatabase;
let store: SqliteTaskFlowStore;
let flows: SqliteBoundTaskFlow;
let other: Database.Database | undefined;

beforeEach(() => {
  file = tempDatabase();
  store = openSqliteTaskFlowStore({ path: file.path, busyTimeoutMs: 50 });
  flows = store.bindSession({ sessionKey: SESSION });
});
afterEach(() => {
  if (other?.inTransaction) other.exec("ROLLBACK");
  other?.close();
  other = undefined;
  store.close();
  file.remove();
});

/** A second, plain connection to the same file, as another process would have. */
function otherConnection(): Database.Database {
  other = new Database(file.path);
  return other;
}

const MUTATIONS = [
  (flowId: string) => flows.setWaiting({ flowId, expectedRevision: 0, currentStep: "x" }),
  (flowId: string) => flows.resume({ flowId, expectedRevision: 0 }),
  (flowId: string) => flows.finish({ flowId, expectedRevision: 0 }),
  (flowId: string) => flows.fail({ flowId, expectedRevision: 0 }),
  (flowId: string) => flows.requestCancel({ flowId, expectedRevision: 0 }),
];

describe("a closed store", async () => {
  it("answers persist_failed / null / persistence reasons instead of throwing from writes", async () => {
    const flow = await flows.createManaged({ controllerId: "c", goal: "g" });
    store.close();
    store.close(); // idempotent
    expect(store.isHealthy()).toBe(false);
    for (const mutation of MUTATIONS) expect(await mutation(flow.flowId)).toEqual({ applied: false, code: "persist_failed" });
    expect(await flows.tryCreateManaged({ controllerId: "c", goal: "g" })).toBeNull();
    await expect(flows.createManaged({ controllerId: "c", goal: "g" })).rejects.toThrow("TaskFlow persistence failed.");
    expect(await flows.runTask({ flowId: flow.flowId, runtime: "cli", task: "t" })).toEqual({
      created: false,
      found: true,
      reason: "Task persistence failed.",
    });
    expect(await flows.cancel({ flowId: flow.flowId })).toEqual({ found: true, cancelled: false, reason: "Flow persistence failed." });
    // Reads have no failure value in the port: they throw.
    await expect(flows.get(flow.flowId)).rejects.toThrow();
  });
});

describe("a file locked by another connection past busy_timeout", async () => {
  it("answers persist_failed with the current flow (WAL readers still read) and changes nothing", async () => {
    const flow = await flows.createManaged({ controllerId: "c", goal: "g" });
    otherConnection().exec("BEGIN IMMEDIATE");
    for (const mutation of MUTATIONS) {
      expect(await mutation(flow.flowId)).toEqual({ applied: false, code: "persist_failed", current: flow });
    }
    expect(await flows.tryCreateManaged({ controllerId: "c", goal: "g" })).toBeNull();
    await expect(flows.createManaged({ controllerId: "c", goal: "g" })).rejects.toThrow("TaskFlow persistence failed.");
    expect(await flows.runTask({ flowId: flow.flowId, runtime: "cli", task: "t" })).toEqual({
      created: false,
      found: true,
      reason: "Task persistence failed.",
      flow,
    });
    expect(await flows.cancel({ flowId: flow.flowId })).toEqual({
      found: true,
      cancelled: false,
      reason: "Flow persistence failed.",
      flow,
      tasks: [],
    });
    expect(store.isHealthy()).toBe(true);

    other!.exec("ROLLBACK");
    expect(await flows.list()).toEqual([flow]);
    expect(await flows.finish({ flowId: flow.flowId, expectedRevision: 0 })).toMatchObject({ applied: true, flow: { revision: 1 } });
  });
});

describe("a write the database rejects", async () => {
  it("rolls the whole mutation back", async () => {
    const flow = await flows.createManaged({ controllerId: "c", goal: "g", waitJson: { kind: "approval" } });
    otherConnection().exec(
      "CREATE TRIGGER fail_flow_writes BEFORE UPDATE ON flows BEGIN SELECT RAISE(ABORT, 'simulated I/O failure'); END",
    );
    expect(await flows.finish({ flowId: flow.flowId, expectedRevision: 0 })).toEqual({
      applied: false,
      code: "persist_failed",
      current: flow,
    });
    expect(await flows.get(flow.flowId)).toStrictEqual(flow);
  });

  it("cancel is all or nothing: no cancel request, no settled child, no revision", async () => {
    const flow = await flows.createManaged({ controllerId: "c", goal: "g" });
    const created = await flows.runTask({ flowId: flow.flowId, runtime: "acp", task: "t" });
    if (!created.created) throw new Error("expected a task");
    // The flow's cancel request would be written first; the child's update then fails.
    otherConnection().exec(
      "CREATE TRIGGER fail_task_writes BEFORE UPDATE ON tasks BEGIN SELECT RAISE(ABORT, 'simulated I/O failure'); END",
    );
    expect(await flows.cancel({ flowId: flow.flowId })).toEqual({
      found: true,
      cancelled: false,
      reason: "Flow persistence failed.",
      flow,
      tasks: [created.task],
    });
    expect(await flows.get(flow.flowId)).toStrictEqual(flow);
    expect(await flows.getTaskSummary(flow.flowId)).toMatchObject({ active: 1, byStatus: { queued: 1 } });

    other!.exec("DROP TRIGGER fail_task_writes");
    expect(await flows.cancel({ flowId: flow.flowId })).toMatchObject({ cancelled: true, flow: { revision: 2, status: "cancelled" } });
  });

  it("runTask records nothing when the insert fails", async () => {
    const flow = await flows.createManaged({ controllerId: "c", goal: "g" });
    otherConnection().exec(
      "CREATE TRIGGER fail_task_inserts BEFORE INSERT ON tasks BEGIN SELECT RAISE(ABORT, 'simulated I/O failure'); END",
    );
    expect(await flows.runTask({ flowId: flow.flowId, runtime: "cli", task: "t", runId: "r" })).toEqual({
      created: false,
      found: true,
      reason: "Task persistence failed.",
      flow,
    });
    expect(await flows.getTaskSummary(flow.flowId)).toMatchObject({ total: 0 });
  });

  it("tryCreateManaged answers null and leaves no flow", async () => {
    otherConnection().exec(
      "CREATE TRIGGER fail_flow_inserts BEFORE INSERT ON flows BEGIN SELECT RAISE(ABORT, 'simulated I/O failure'); END",
    );
    expect(await flows.tryCreateManaged({ controllerId: "c", goal: "g" })).toBeNull();
    expect(await flows.list()).toEqual([]);
  });
});

describe("bugs are not storage failures", async () => {
  it("a throwing id generator propagates instead of turning into persist_failed", async () => {
    const broken = openSqliteTaskFlowStore({
      path: file.path,
      generateId: () => {
        throw new Error("id source exhausted");
      },
    });
    try {
      await expect(broken.bindSession({ sessionKey: SESSION }).tryCreateManaged({ controllerId: "c", goal: "g" })).rejects.toThrow(
        "id source exhausted",
      );
    } finally {
      broken.close();
    }
  });
});
