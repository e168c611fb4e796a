// Two independent store instances (two connections) on one file, as two processes would
// have: each sees the other's writes at once, and a stale expectedRevision loses.
import { createManualClock } from "@taskflow-webhooks/core/testing";
import { openSqliteTaskFlowStore, type SqliteTaskFlowStore } from "../src/index.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDatabase, type TempDatabase } from "./temp-db.js";

const SESSION = "agent:main:webhooks:alpha";

let file: TempDatabase;
let first: SqliteTaskFlowStore;
let second: SqliteTaskFlowStore;
const clock = createManualClock();

beforeEach(() => {
  file = tempDatabase();
  first = openSqliteTaskFlowStore({ path: file.path, clock });
  second = openSqliteTaskFlowStore({ path: file.path, clock });
});
afterEach(() => {
  first.close();
  second.close();
  file.remove();
});

describe("two store instances on one file", () => {
  it("racing on one expectedRevision: exactly one applies, the other gets revision_conflict", async () => {
    const a = first.bindSession({ sessionKey: SESSION });
    const b = second.bindSession({ sessionKey: SESSION });
    const flow = await a.createManaged({ controllerId: "c", goal: "race" });
    // Both read revision 0 before either writes.
    expect((await b.get(flow.flowId))?.revision).toBe(0);
    expect((await a.get(flow.flowId))?.revision).toBe(0);

    const winner = await a.setWaiting({ flowId: flow.flowId, expectedRevision: 0, waitJson: { by: "a" } });
    const loser = await b.finish({ flowId: flow.flowId, expectedRevision: 0 });
    expect(winner).toMatchObject({ applied: true, flow: { revision: 1, status: "waiting" } });
    expect(loser).toEqual({ applied: false, code: "revision_conflict", current: winner.applied ? winner.flow : undefined });
    expect(await b.get(flow.flowId)).toStrictEqual(await a.get(flow.flowId));
  });

  it("each sees the other's flows and tasks at once; a runId retry on either returns the same task", async () => {
    const a = first.bindSession({ sessionKey: SESSION });
    const b = second.bindSession({ sessionKey: SESSION });
    const flow = await b.createManaged({ controllerId: "c", goal: "shared" });
    expect(await a.findLatest()).toStrictEqual(flow);
    const task = await a.runTask({ flowId: flow.flowId, runtime: "subagent", task: "t", runId: "run-1" });
    const retry = await b.runTask({ flowId: flow.flowId, runtime: "subagent", task: "t", runId: "run-1" });
    expect(retry).toStrictEqual(task);
    expect(await b.cancel({ flowId: flow.flowId })).toMatchObject({
      cancelled: true,
      flow: { revision: 2 },
      tasks: [{ status: "cancelled" }],
    });
    expect(await a.runTask({ flowId: flow.flowId, runtime: "cli", task: "late" })).toMatchObject({
      created: false,
      reason: "Flow cancellation has already been requested.",
    });
  });
});
