// The PostgreSQL store answers exactly like the memory runtime (the core's differential
// kit). No batch property: calls issued at once go out on several pooled connections, so
// they may commit in another order than issued.
import { describeTaskFlowDifferential } from "@taskflow-webhooks/core/testing";
import type pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { openPostgresTaskFlowStore } from "../src/index.js";
import { connectTestDatabase, dropSchema, testSchemaName, TEST_DATABASE_URL } from "./database-url.js";

// One schema for this file, emptied for each generated sequence.
const schema = testSchemaName();
let admin: pg.Pool;
beforeAll(async () => {
  admin = await connectTestDatabase();
});
afterAll(async () => {
  await dropSchema(admin, schema);
  await admin.end();
});

describeTaskFlowDifferential(
  "postgres",
  async ({ clock, generateId }) => {
    const store = await openPostgresTaskFlowStore({ connectionString: TEST_DATABASE_URL, schema, clock, generateId, maxConnections: 2 });
    await admin.query(`TRUNCATE ${schema}.flows, ${schema}.tasks`);
    return {
      runtime: store,
      seedUnmanagedFlow: (record) => store.seedUnmanagedFlow(record),
      seedTask: (record) => store.seedTask(record),
      close: () => store.close(),
    };
  },
  { seeded: true },
);
