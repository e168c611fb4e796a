// Idempotency records in the PostgreSQL database: the port's conformance kit (durable
// across a reopen), and the same-transaction rule: a write and its record commit or roll
// back together, and every instance on the database sees the same records.
import { createWebhookHandler, type IdempotentWrite } from "@taskflow-webhooks/core";
import { describeIdempotencyStoreConformance } from "@taskflow-webhooks/core/testing";
import type pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openPostgresTaskFlowStore, type PostgresTaskFlowStore } from "../src/index.js";
import { connectTestDatabase, dropSchema, testSchemaName, TEST_DATABASE_URL } from "./database-url.js";

const schema = testSchemaName();
let admin: pg.Pool;
beforeAll(async () => {
  admin = await connectTestDatabase();
});
afterAll(async () => {
  await dropSchema(admin, schema);
  await admin.end();
});
const open = () => openPostgresTaskFlowStore({ connectionString: TEST_DATABASE_URL, schema, maxConnections: 4 });

describeIdempotencyStoreConformance(
  "postgres",
  async () => {
    let store = await open();
    await admin.query(`TRUNCATE ${schema}.idempotency`);
    return {
      store: store.idempotencyStore,
      async reopen() {
        await store.close();
        store = await open();
        return store.idempotencyStore;
      },
      close: () => store.close(),
    };
  },
  { durable: true },
);

const SESSION = "agent:main:main";
const SECRET = "postgres-idempotency-secret-1234";
const stores: PostgresTaskFlowStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await admin.query(`TRUNCATE ${schema}.flows, ${schema}.tasks, ${schema}.idempotency`);
});
async function fresh() {
  const store = await open();
  stores.push(store);
  return store;
}
const records = async () =>
  (await admin.query(`SELECT scope, status FROM ${schema}.idempotency ORDER BY scope`)).rows as Array<{ scope: string; status: number | null }>;
const count = async (table: string) => (await admin.query(`SELECT count(*)::int AS n FROM ${schema}.${table}`)).rows[0].n as number;
const write = <O>(token: string, answerFor: (o: O) => { status: number; body: string } | undefined): { idempotency: IdempotentWrite<O> } => ({
  idempotency: { scope: "demo\nk", token, now: 1_000, ttlMs: 60_000, answerFor },
});

describe("records commit in the write's own transaction", () => {
  it("create_flow: the flow and its answer are committed together", async () => {
    const store = await fresh();
    const r = await store.idempotencyStore.reserve("demo\nk", "fp", { now: 1_000, lockMs: 60_000 });
    if (r.state !== "reserved") throw new Error(r.state);
    const flow = await store.bindSession({ sessionKey: SESSION }).createManaged(
      { controllerId: "c", goal: "g" },
      write(r.token, (f) => ({ status: 200, body: JSON.stringify({ flowId: f.flowId }) })),
    );
    expect(await count("flows")).toBe(1);
    expect(await records()).toEqual([{ scope: "demo\nk", status: 200 }]);
    expect(await store.idempotencyStore.reserve("demo\nk", "fp", { now: 2_000, lockMs: 60_000 })).toEqual({
      state: "completed",
      answer: { status: 200, body: JSON.stringify({ flowId: flow.flowId }) },
    });
  });

  it("when the record cannot be written, the flow or task write rolls back with it", async () => {
    const store = await fresh();
    const flows = store.bindSession({ sessionKey: SESSION });
    const flow = await flows.createManaged({ controllerId: "c", goal: "seed" });
    const boom = () => {
      throw new Error("record failed");
    };
    await expect(flows.createManaged({ controllerId: "c", goal: "g" }, write("t", boom))).rejects.toThrow("record failed");
    await expect(flows.runTask({ flowId: flow.flowId, runtime: "subagent", task: "t" }, write("t", boom))).rejects.toThrow("record failed");
    await expect(flows.setWaiting({ flowId: flow.flowId, expectedRevision: 0 }, write("t", boom))).rejects.toThrow("record failed");
    await expect(flows.cancel({ flowId: flow.flowId }, write("t", boom))).rejects.toThrow("record failed");
    expect([await count("flows"), await count("tasks"), await records()]).toEqual([1, 0, []]);
    expect(await flows.get(flow.flowId)).toMatchObject({ revision: 0, status: "queued" });
  });

  it("run_task, mutations (applied or refused) and cancel store their answer; an answerFor of undefined stores nothing", async () => {
    const store = await fresh();
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
    expect(await records()).toEqual([
      { scope: "demo\nnone", status: null },
      { scope: "demo\nstale", status: 409 },
      { scope: "demo\ntask", status: 200 },
      { scope: "demo\nwait", status: 200 },
    ]);
  });

  it("through the handler: a retry on another instance (another store) replays the first answer", async () => {
    const first = await fresh();
    const second = await fresh();
    const handle = (store: PostgresTaskFlowStore) =>
      createWebhookHandler({ config: { routes: { demo: { sessionKey: SESSION, secret: SECRET } } }, taskFlow: store });
    const req = {
      method: "POST",
      path: "/plugins/webhooks/demo",
      headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}`, "idempotency-key": "order-1" },
      body: { kind: "text" as const, text: JSON.stringify({ action: "create_flow", goal: "once" }) },
    };
    const a = await handle(first).handle(req);
    const b = await handle(second).handle(req);
    expect(a?.status).toBe(200);
    expect(b?.headers["idempotent-replayed"]).toBe("true");
    expect(b?.body).toBe(a?.body);
    expect(await count("flows")).toBe(1);
  });

  it("eight instances delivering one key at once: one runs the action", async () => {
    const instances = await Promise.all(Array.from({ length: 8 }, () => fresh()));
    const answers = await Promise.all(
      instances.map((s) => s.idempotencyStore.reserve("demo\nrace", "fp", { now: Date.now(), lockMs: 60_000 })),
    );
    expect(answers.filter((a) => a.state === "reserved")).toHaveLength(1);
    expect(answers.filter((a) => a.state === "in_progress")).toHaveLength(7);
  });
});
