// Writers on separate connections (separate pools, as separate instances have) racing on
// one flow: exactly one applies per revision, and a runTask retry race records one task.
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgresTaskFlowStore, type PostgresTaskFlowStore } from "../src/index.js";
import { connectTestDatabase, dropSchema, testSchemaName, TEST_DATABASE_URL } from "./database-url.js";

const SESSION = "agent:main:webhooks:alpha";
const schema = testSchemaName();
let admin: pg.Pool;
let stores: PostgresTaskFlowStore[];
beforeAll(async () => {
  admin = await connectTestDatabase();
  stores = await Promise.all(
    Array.from({ length: 4 }, () => openPostgresTaskFlowStore({ connectionString: TEST_DATABASE_URL, schema, maxConnections: 4 })),
  );
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await dropSchema(admin, schema);
  await admin.end();
});
const handle = (i: number) => stores[i % stores.length]!.bindSession({ sessionKey: SESSION });

describe("racing writers on separate connections", () => {
  it("16 writers at one expectedRevision: exactly one applies, 15 get revision_conflict with the winner's flow", async () => {
    const flow = await handle(0).createManaged({ controllerId: "c", goal: "race" });
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) => handle(i).setWaiting({ flowId: flow.flowId, expectedRevision: 0, stateJson: { writer: i } })),
    );
    const winners = results.filter((r) => r.applied);
    expect(winners).toHaveLength(1);
    const losers = results.filter((r) => !r.applied);
    expect(losers.map((r) => (r.applied ? "" : r.code))).toEqual(Array(15).fill("revision_conflict"));
    const stored = await handle(1).get(flow.flowId);
    expect(stored).toMatchObject({ revision: 1, stateJson: winners[0]!.applied ? winners[0]!.flow.stateJson : null });
  });

  it("read-modify-write loops on four connections lose no update", async () => {
    const flow = await handle(0).createManaged({ controllerId: "c", goal: "count" });
    const rounds = 10;
    await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        let applied = 0;
        while (applied < rounds) {
          const current = (await handle(i).get(flow.flowId))!;
          const count = (current.stateJson as { count?: number } | undefined)?.count ?? 0;
          const result = await handle(i).setWaiting({ flowId: flow.flowId, expectedRevision: current.revision, stateJson: { count: count + 1 } });
          if (result.applied) applied += 1;
          else expect(result.code).toBe("revision_conflict");
        }
      }),
    );
    expect(await handle(0).get(flow.flowId)).toMatchObject({ revision: 40, stateJson: { count: 40 } });
  });

  it("runTask retries with one runId racing on four connections record one task; cancel racing them settles every child", async () => {
    const flow = await handle(0).createManaged({ controllerId: "c", goal: "tasks" });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => handle(i).runTask({ flowId: flow.flowId, runtime: "cli", task: "t", runId: "run-1" })),
    );
    const ids = new Set(results.map((r) => (r.created ? r.task.taskId : "none")));
    expect(ids.size).toBe(1);
    expect((await handle(0).getTaskSummary(flow.flowId))?.total).toBe(1);

    const racing = await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => handle(i).runTask({ flowId: flow.flowId, runtime: "cli", task: `t${i}` })),
      handle(3).cancel({ flowId: flow.flowId }),
    ]);
    const cancel = racing.at(-1);
    expect(cancel).toMatchObject({ found: true, cancelled: true });
    // Tasks recorded before the cancel were settled by it; later ones were refused.
    const summary = await handle(0).getTaskSummary(flow.flowId);
    expect(summary?.active).toBe(0);
    expect(summary?.byStatus.cancelled).toBe(summary?.total);
  });
});
