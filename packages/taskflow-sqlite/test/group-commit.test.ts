// Group commit: the writes of one event-loop turn share one COMMIT, each under its own
// savepoint, and nobody is answered before the COMMIT that holds their write. "Committed"
// is checked from a second, plain connection: in WAL mode it sees only committed data.
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteTaskFlowStore, type SqliteBoundTaskFlow, type SqliteTaskFlowStore } from "../src/index.js";
import { tempDatabase, type TempDatabase } from "./temp-db.js";

const SESSION = "agent:main:webhooks:alpha";

let file: TempDatabase;
let store: SqliteTaskFlowStore;
let flows: SqliteBoundTaskFlow;
let observer: Database.Database;
let commits: number[];

beforeEach(() => {
  file = tempDatabase();
  commits = [];
  store = openSqliteTaskFlowStore({ path: file.path, maxWritesPerCommit: 16, onCommit: ({ writes }) => commits.push(writes) });
  flows = store.bindSession({ sessionKey: SESSION });
  observer = new Database(file.path);
});
afterEach(() => {
  observer.close();
  store.close();
  file.remove();
});

/** The flow as another connection (another process) sees it now: only committed data. */
const committed = (flowId: string) =>
  observer.prepare("SELECT revision, goal FROM flows WHERE flow_id = ?").get(flowId) as { revision: number; goal: string } | undefined;

describe("group commit", () => {
  it("writes made in one turn share one COMMIT, every kind of mutation included", async () => {
    const a = await flows.createManaged({ controllerId: "c", goal: "a" });
    const b = await flows.createManaged({ controllerId: "c", goal: "b" });
    const c = await flows.createManaged({ controllerId: "c", goal: "c" });
    commits.length = 0;
    const results = await Promise.all([
      flows.createManaged({ controllerId: "c", goal: "new" }),
      flows.setWaiting({ flowId: a.flowId, expectedRevision: 0, currentStep: "wait" }),
      flows.runTask({ flowId: b.flowId, runtime: "cli", task: "t" }),
      flows.cancel({ flowId: b.flowId }),
      flows.finish({ flowId: c.flowId, expectedRevision: 0 }),
      // The same revision again, later in the same group: it sees the write before it.
      flows.fail({ flowId: c.flowId, expectedRevision: 0 }),
    ]);
    expect(commits).toEqual([6]);
    expect(results[1]).toMatchObject({ applied: true, flow: { revision: 1, currentStep: "wait" } });
    expect(results[2]).toMatchObject({ created: true });
    expect(results[3]).toMatchObject({ cancelled: true, flow: { status: "cancelled" }, tasks: [{ status: "cancelled" }] });
    expect(results[4]).toMatchObject({ applied: true, flow: { revision: 1, status: "succeeded" } });
    expect(results[5]).toMatchObject({ applied: false, code: "revision_conflict", current: { revision: 1, status: "succeeded" } });
  });

  it("commits at maxWritesPerCommit and answers nobody before the COMMIT that holds their write", async () => {
    const seen: Array<{ goal: string; visible: boolean }> = [];
    const writes = Array.from({ length: 40 }, (_, i) =>
      flows.createManaged({ controllerId: "c", goal: `g${i}` }).then((flow) => {
        seen.push({ goal: flow.goal, visible: committed(flow.flowId)?.goal === flow.goal });
        return flow;
      }),
    );
    await Promise.all(writes);
    expect(commits).toEqual([16, 16, 8]);
    expect(seen).toHaveLength(40);
    expect(seen.filter((s) => !s.visible)).toEqual([]);
  });

  it("a read made while a group is open sees the writes before it, and is answered after their COMMIT", async () => {
    const flow = await flows.createManaged({ controllerId: "c", goal: "g" });
    const write = flows.setWaiting({ flowId: flow.flowId, expectedRevision: 0, currentStep: "x" });
    const read = flows.get(flow.flowId).then((got) => ({ got, committed: committed(flow.flowId) }));
    const [, { got, committed: atAnswer }] = await Promise.all([write, read]);
    expect(got).toMatchObject({ revision: 1, currentStep: "x" });
    expect(atAnswer?.revision).toBe(1);
  });

  it("one failing write rolls back alone; the others of its group are committed", async () => {
    observer.exec(
      "CREATE TRIGGER refuse_bad BEFORE INSERT ON flows WHEN NEW.goal = 'bad' BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END",
    );
    const existing = await flows.createManaged({ controllerId: "c", goal: "existing" });
    observer.exec(
      "CREATE TRIGGER refuse_bad_update BEFORE UPDATE ON flows WHEN NEW.current_step = 'bad' BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END",
    );
    commits.length = 0;
    const goals = ["a", "b", "bad", "c", "d"];
    const [created, badUpdate, goodUpdate] = await Promise.all([
      Promise.all(goals.map((goal) => flows.tryCreateManaged({ controllerId: "c", goal }))),
      flows.setWaiting({ flowId: existing.flowId, expectedRevision: 0, currentStep: "bad" }),
      flows.setWaiting({ flowId: existing.flowId, expectedRevision: 0, currentStep: "good" }),
    ]);
    expect(commits).toEqual([7]);
    expect(created.map((flow) => flow?.goal ?? null)).toEqual(["a", "b", null, "c", "d"]);
    for (const flow of created) if (flow) expect(committed(flow.flowId)?.goal).toBe(flow.goal);
    // The next update at the same revision applied; the failed one answered persist_failed
    // with the flow as committed after its group (what a retry needs).
    expect(goodUpdate).toMatchObject({ applied: true, flow: { revision: 1, currentStep: "good" } });
    expect(badUpdate).toEqual({ applied: false, code: "persist_failed", current: goodUpdate.applied && goodUpdate.flow });
    expect(observer.prepare("SELECT goal FROM flows ORDER BY seq").pluck().all()).toEqual(["existing", "a", "b", "c", "d"]);
  });

  it("a COMMIT that fails answers every write of the group with its failure value and leaves nothing", async () => {
    const existing = await flows.createManaged({ controllerId: "c", goal: "existing" });
    // A deferred constraint fails at COMMIT, as a failed fsync would: the whole group rolls back.
    observer.exec(`
      CREATE TABLE guard_parent (id INTEGER PRIMARY KEY);
      CREATE TABLE guard_child (parent REFERENCES guard_parent (id) DEFERRABLE INITIALLY DEFERRED);
      CREATE TRIGGER poison AFTER INSERT ON flows WHEN NEW.goal = 'poison' BEGIN INSERT INTO guard_child VALUES (1); END;
    `);
    commits.length = 0;
    const results = await Promise.all([
      flows.tryCreateManaged({ controllerId: "c", goal: "innocent" }),
      flows.setWaiting({ flowId: existing.flowId, expectedRevision: 0, currentStep: "lost" }),
      flows.runTask({ flowId: existing.flowId, runtime: "cli", task: "t" }),
      flows.tryCreateManaged({ controllerId: "c", goal: "poison" }),
      flows.createManaged({ controllerId: "c", goal: "throws" }).catch((error: Error) => error.message),
      flows.get(existing.flowId),
    ]);
    expect(commits).toEqual([]);
    expect(results).toEqual([
      null,
      { applied: false, code: "persist_failed", current: existing },
      { created: false, found: true, reason: "Task persistence failed.", flow: existing },
      null,
      "TaskFlow persistence failed.",
      existing, // read again after the rollback: not the setWaiting that never committed
    ]);
    expect(observer.prepare("SELECT goal FROM flows").pluck().all()).toEqual(["existing"]);
    expect(observer.prepare("SELECT count(*) FROM tasks").pluck().get()).toBe(0);
    // The next group commits normally.
    expect(await flows.setWaiting({ flowId: existing.flowId, expectedRevision: 0, currentStep: "ok" })).toMatchObject({ applied: true });
    expect(commits).toEqual([1]);
  });

  it("a bug in one write rejects that caller only", async () => {
    let calls = 0;
    const buggy = openSqliteTaskFlowStore({
      path: file.path,
      generateId: () => {
        calls += 1;
        if (calls === 2) throw new Error("id source hiccup");
        return `00000000-0000-4000-8000-00000000000${calls}`;
      },
    });
    try {
      const mine = buggy.bindSession({ sessionKey: SESSION });
      const results = await Promise.allSettled([1, 2, 3].map((n) => mine.tryCreateManaged({ controllerId: "c", goal: `g${n}` })));
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      expect(observer.prepare("SELECT goal FROM flows ORDER BY seq").pluck().all()).toEqual(["g1", "g3"]);
    } finally {
      buggy.close();
    }
  });

  it("close() commits the open group first", async () => {
    const write = flows.createManaged({ controllerId: "c", goal: "last" });
    store.close();
    const flow = await write;
    expect(committed(flow.flowId)?.goal).toBe("last");
  });
});
