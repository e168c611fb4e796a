// Idempotency records in the TaskFlow file: the port's conformance kit (durable across a
// reopen), and the same-transaction rule: a write and its record commit or roll back together.
import { createWebhookHandler, type IdempotentWrite } from "@taskflow-webhooks/core";
import { createManualClock, describeIdempotencyStoreConformance } from "@taskflow-webhooks/core/testing";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteTaskFlowStore, type SqliteTaskFlowStore } from "../src/index.js";
import { tempDatabase, type TempDatabase } from "./temp-db.js";

describeIdempotencyStoreConformance(
  "sqlite",
  () => {
    const file = tempDatabase();
    let store = openSqliteTaskFlowStore({ path: file.path });
    return {
      store: store.idempotencyStore,
      reopen() {
        store.close();
        store = openSqliteTaskFlowStore({ path: file.path });
        return store.idempotencyStore;
      },
      close() {
        store.close();
        file.remove();
      },
    };
  },
  { durable: true },
);

const SESSION = "agent:main:main";
const SECRET = "sqlite-idempotency-secret-1234";
const files: TempDatabase[] = [];
const stores: SqliteTaskFlowStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const f of files.splice(0)) f.remove();
});

function open(path?: string) {
  const file = path ? undefined : tempDatabase();
  if (file) files.push(file);
  const clock = createManualClock();
  const store = openSqliteTaskFlowStore({ path: path ?? file!.path, clock });
  stores.push(store);
  return { store, clock, path: path ?? file!.path };
}

function rows(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    return {
      flows: (db.prepare("SELECT count(*) AS n FROM flows").get() as { n: number }).n,
      tasks: (db.prepare("SELECT count(*) AS n FROM tasks").get() as { n: number }).n,
      records: db.prepare("SELECT scope, status FROM idempotency ORDER BY scope").all() as Array<{ scope: string; status: number | null }>,
    };
  } finally {
    db.close();
  }
}

const write = <O>(token: string, answerFor: (o: O) => { status: number; body: string } | undefined): { idempotency: IdempotentWrite<O> } => ({
  idempotency: { scope: "demo\nk", token, now: 1_000, ttlMs: 60_000, answerFor },
});

describe("records commit in the write's own transaction", () => {
  it("create_flow: the flow and its answer are in the file together", async () => {
    const { store, path } = open();
    const r = await store.idempotencyStore.reserve("demo\nk", "fp", { now: 1_000, lockMs: 60_000 });
    if (r.state !== "reserved") throw new Error(r.state);
    const flow = await store.bindSession({ sessionKey: SESSION }).createManaged(
      { controllerId: "c", goal: "g" },
      write(r.token, (f) => ({ status: 200, body: JSON.stringify({ flowId: f.flowId }) })),
    );
    expect(rows(path)).toEqual({ flows: 1, tasks: 0, records: [{ scope: "demo\nk", status: 200 }] });
    expect(await store.idempotencyStore.reserve("demo\nk", "fp", { now: 2_000, lockMs: 60_000 })).toEqual({
      state: "completed",
      answer: { status: 200, body: JSON.stringify({ flowId: flow.flowId }) },
    });
  });

  it("when the record cannot be written, the flow or task write rolls back with it", async () => {
    const { store, path } = open();
    const flows = store.bindSession({ sessionKey: SESSION });
    const flow = await flows.createManaged({ controllerId: "c", goal: "seed" });
    const boom = () => {
      throw new Error("record failed");
    };
    await expect(flows.createManaged({ controllerId: "c", goal: "g" }, write("t", boom))).rejects.toThrow("record failed");
    await expect(flows.runTask({ flowId: flow.flowId, runtime: "subagent", task: "t" }, write("t", boom))).rejects.toThrow("record failed");
    await expect(flows.setWaiting({ flowId: flow.flowId, expectedRevision: 0 }, write("t", boom))).rejects.toThrow("record failed");
    await expect(flows.cancel({ flowId: flow.flowId }, write("t", boom))).rejects.toThrow("record failed");
    expect(rows(path)).toEqual({ flows: 1, tasks: 0, records: [] });
    expect(await flows.get(flow.flowId)).toMatchObject({ revision: 0, status: "queued" });
  });

  it("run_task, mutations and cancel store their answer; an answerFor of undefined stores nothing", async () => {
    const { store, path } = open();
    const flows = store.bindSession({ sessionKey: SESSION });
    const flow = await flows.createManaged({ controllerId: "c", goal: "g" });
    const reserve = async (key: string) => {
      const r = await store.idempotencyStore.reserve(`demo\n${key}`, "fp", { now: 1_000, lockMs: 60_000 });
      if (r.state !== "reserved") throw new Error(r.state);
      return (answer: { status: number; body: string } | undefined) => ({
        idempotency: { scope: `demo\n${key}`, token: r.token, now: 1_000, ttlMs: 60_000, answerFor: () => answer },
      });
    };
    await flows.runTask({ flowId: flow.flowId, runtime: "subagent", task: "t" }, (await reserve("task"))({ status: 200, body: "task" }));
    await flows.setWaiting({ flowId: flow.flowId, expectedRevision: 0 }, (await reserve("wait"))({ status: 200, body: "wait" }));
    await flows.finish({ flowId: flow.flowId, expectedRevision: 0 }, (await reserve("stale"))({ status: 409, body: "conflict" }));
    await flows.cancel({ flowId: flow.flowId }, (await reserve("none"))(undefined));
    expect(rows(path).records).toEqual([
      { scope: "demo\nnone", status: null },
      { scope: "demo\nstale", status: 409 },
      { scope: "demo\ntask", status: 200 },
      { scope: "demo\nwait", status: 200 },
    ]);
  });

  it("the handler uses the store's own records by default and a replay survives reopening the file", async () => {
    const first = open();
    const handle = (store: SqliteTaskFlowStore) =>
      createWebhookHandler({ config: { routes: { demo: { sessionKey: SESSION, secret: SECRET } } }, taskFlow: store, clock: first.clock });
    const body = JSON.stringify({ action: "create_flow", goal: "once" });
    const req = {
      method: "POST",
      path: "/plugins/webhooks/demo",
      headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}`, "idempotency-key": "order-1" },
      body: { kind: "text" as const, text: body },
    };
    const a = await handle(first.store).handle(req);
    expect(rows(first.path).records).toEqual([{ scope: "demo\norder-1", status: 200 }]);
    first.store.close();
    const second = open(first.path);
    const b = await handle(second.store).handle(req);
    expect(b?.headers["idempotent-replayed"]).toBe("true");
    expect(b?.body).toBe(a?.body);
    expect(rows(first.path).flows).toBe(1);
  });
});

describe("pruning", () => {
  it("expired records are deleted as new keys arrive", async () => {
    const { store, path } = open();
    const ids = store.idempotencyStore;
    for (let i = 0; i < 300; i++) {
      const r = await ids.reserve(`demo\nold${i}`, "fp", { now: 0, lockMs: 10 });
      if (r.state === "reserved") await ids.complete(`demo\nold${i}`, r.token, { status: 200, body: "{}" }, { now: 0, ttlMs: 10 });
    }
    for (let i = 0; i < 300; i++) await ids.reserve(`demo\nnew${i}`, "fp", { now: 1_000, lockMs: 60_000 });
    expect(rows(path).records.filter((r) => r.scope.startsWith("demo\nold")).length).toBeLessThan(300);
  });
});
