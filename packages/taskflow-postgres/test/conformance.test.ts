import { describeTaskFlowConformance } from "@taskflow-webhooks/core/testing";
import type pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { openPostgresTaskFlowStore } from "../src/index.js";
import { connectTestDatabase, dropSchema, testSchemaName, TEST_DATABASE_URL } from "./database-url.js";

// One schema for this file, emptied before each test (a fresh store every time).
const schema = testSchemaName();
let admin: pg.Pool;
beforeAll(async () => {
  admin = await connectTestDatabase();
});
afterAll(async () => {
  await dropSchema(admin, schema);
  await admin.end();
});

describeTaskFlowConformance(
  "postgres",
  async ({ clock }) => {
    const store = await openPostgresTaskFlowStore({ connectionString: TEST_DATABASE_URL, schema, clock, maxConnections: 4 });
    await admin.query(`TRUNCATE ${schema}.flows, ${schema}.tasks`);
    return {
      runtime: store,
      seedUnmanagedFlow: (record) => store.seedUnmanagedFlow(record),
      close: () => store.close(),
    };
  },
  { seedUnmanaged: true },
);
