// PostgreSQL down or stalled: writes answer persist_failed (or the core's "outcome unknown"
// for a write whose answer was lost), reads throw TaskFlowPersistError (503 in the
// handler), nothing hangs past the timeouts, and the same store works again once the
// database is back, without a restart. The outage is a proxy this test controls.
import { createWebhookHandler, isPersistFailure, type WebhookRequest } from "@taskflow-webhooks/core";
import type pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openPostgresTaskFlowStore, type PostgresTaskFlowStore } from "../src/index.js";
import { connectTestDatabase, dropSchema, testSchemaName, TEST_DATABASE_URL } from "./database-url.js";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";

const SESSION = "agent:main:webhooks:alpha";
const schema = testSchemaName();
let admin: pg.Pool;
let proxy: TcpProxy;
let store: PostgresTaskFlowStore;

beforeAll(async () => {
  admin = await connectTestDatabase();
  const target = new URL(TEST_DATABASE_URL);
  proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
});
afterAll(async () => {
  await proxy.close();
  await dropSchema(admin, schema);
  await admin.end();
});
beforeEach(async () => {
  await proxy.restore();
  store = await openPostgresTaskFlowStore({
    connectionString: proxy.url(TEST_DATABASE_URL),
    schema,
    queryTimeoutMs: 300,
    connectionTimeoutMs: 300,
    maxConnections: 3,
  });
});
afterEach(async () => {
  await proxy.restore();
  await store.close();
});

const persistFailed = (result: unknown) => expect(result).toMatchObject({ applied: false, code: "persist_failed" });

async function expectEveryOperationFails(flowId: string) {
  const flows = store.bindSession({ sessionKey: SESSION });
  persistFailed(await flows.setWaiting({ flowId, expectedRevision: 0, currentStep: "x" }));
  persistFailed(await flows.finish({ flowId, expectedRevision: 0 }));
  persistFailed(await flows.requestCancel({ flowId, expectedRevision: 0 }));
  expect(await flows.tryCreateManaged({ controllerId: "c", goal: "g" })).toBeNull();
  expect(await flows.runTask({ flowId, runtime: "cli", task: "t" })).toEqual({ created: false, found: true, reason: "Task persistence failed." });
  expect(await flows.cancel({ flowId })).toEqual({ found: true, cancelled: false, reason: "Flow persistence failed." });
  for (const read of [() => flows.get(flowId), () => flows.list(), () => flows.getTaskSummary(flowId), () => flows.findLatest()]) {
    const error = await read().then(() => undefined, (e: unknown) => e);
    expect(isPersistFailure(error), String(error)).toBe(true);
  }
  expect(await store.isHealthy()).toBe(false);
}

describe("PostgreSQL unreachable", () => {
  it("every operation fails as a storage failure while the connection is cut, then the same store recovers", async () => {
    const flows = store.bindSession({ sessionKey: SESSION });
    const flow = await flows.createManaged({ controllerId: "c", goal: "survive an outage" });
    await proxy.cut();
    await expectEveryOperationFails(flow.flowId);
    await proxy.restore();
    // Nothing half-written: the flow is as it was, and writes apply again.
    expect(await flows.get(flow.flowId)).toEqual(flow);
    expect(await flows.finish({ flowId: flow.flowId, expectedRevision: 0 })).toMatchObject({ applied: true, flow: { revision: 1 } });
    expect(await store.isHealthy()).toBe(true);
  });

  it("a database that stops answering mid-connection hits the timeouts instead of hanging", async () => {
    const flows = store.bindSession({ sessionKey: SESSION });
    const flow = await flows.createManaged({ controllerId: "c", goal: "stall" });
    proxy.stall();
    // Reads and transactions fail (not applied); an autocommit write whose answer never
    // came is "outcome unknown", which the core answers 500 and logs.
    await expect(flows.get(flow.flowId)).rejects.toSatisfy(isPersistFailure);
    expect(await flows.cancel({ flowId: flow.flowId })).toMatchObject({ cancelled: false, reason: "Flow persistence failed." });
    await proxy.restore();
    expect(await flows.get(flow.flowId)).toEqual(flow);
  });

  it("through the handler: 503 persist_failed for writes and reads, 200 again after recovery", async () => {
    const handler = createWebhookHandler({
      config: { routes: { demo: { sessionKey: SESSION, secret: "s3cret-s3cret-s3cret" } } },
      taskFlow: store,
    });
    const call = async (body: unknown) => {
      const request: WebhookRequest = {
        method: "POST",
        path: "/plugins/webhooks/demo",
        headers: { "content-type": "application/json", authorization: "Bearer s3cret-s3cret-s3cret" },
        remoteAddress: "127.0.0.1",
        body: { kind: "text", text: JSON.stringify(body) },
      };
      const response = (await handler.handle(request))!;
      return { status: response.status, body: JSON.parse(response.body) };
    };
    const created = await call({ action: "create_flow", goal: "g" });
    expect(created.status).toBe(200);
    const flowId = created.body.result.flow.flowId;
    await proxy.cut();
    // Reads first: the pool finds out that its idle connections died. (A write sent on a
    // connection that dies before its answer is "outcome unknown", a 500: see the README.)
    for (const body of [
      { action: "get_flow", flowId },
      { action: "list_flows" },
      { action: "create_flow", goal: "g" },
      { action: "finish_flow", flowId, expectedRevision: 0 },
    ]) {
      const answer = await call(body);
      expect(answer, JSON.stringify(body)).toMatchObject({ status: 503, body: { code: "persist_failed" } });
    }
    await proxy.restore();
    expect((await call({ action: "finish_flow", flowId, expectedRevision: 0 })).status).toBe(200);
  });
});
