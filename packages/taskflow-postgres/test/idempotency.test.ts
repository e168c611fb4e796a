// Idempotency records in the PostgreSQL database: the port's conformance kit (durable
// across a reopen), and the IdempotentWrite kit: a write and its record commit or roll back
// together, and every instance on the database sees the same records.
import { describeIdempotencyStoreConformance, describeIdempotentWriteConformance } from "@taskflow-webhooks/core/testing";
import type pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { openPostgresTaskFlowStore, type PostgresTaskFlowStore, type PostgresTaskFlowStoreOptions } from "../src/index.js";
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
const openStore = (options: Partial<PostgresTaskFlowStoreOptions> = {}) =>
  openPostgresTaskFlowStore({ connectionString: TEST_DATABASE_URL, schema, maxConnections: 4, ...options });

describeIdempotencyStoreConformance(
  "postgres",
  async () => {
    let store = await openStore();
    await admin.query(`TRUNCATE ${schema}.idempotency`);
    return {
      store: store.idempotencyStore,
      async reopen() {
        await store.close();
        store = await openStore();
        return store.idempotencyStore;
      },
      close: () => store.close(),
    };
  },
  { durable: true },
);

/** What the schema holds, read on the bookkeeping pool. */
const count = async (table: string) => (await admin.query(`SELECT count(*)::int AS n FROM ${schema}.${table}`)).rows[0].n as number;

describeIdempotentWriteConformance(
  "postgres",
  async ({ clock }) => {
    const opened = new Set<PostgresTaskFlowStore>();
    const instance = async () => {
      const store = await openStore({ clock });
      opened.add(store);
      return store;
    };
    let store = await instance();
    await admin.query(`TRUNCATE ${schema}.flows, ${schema}.tasks, ${schema}.idempotency`);
    return {
      store,
      openInstance: instance,
      async reopen() {
        opened.delete(store);
        await store.close();
        return (store = await instance());
      },
      stored: async () => ({
        flows: await count("flows"),
        tasks: await count("tasks"),
        records: (await admin.query(`SELECT scope, status FROM ${schema}.idempotency`)).rows as Array<{ scope: string; status: number | null }>,
      }),
      close: async () => {
        await Promise.all([...opened].map((s) => s.close()));
      },
    };
  },
  { durable: true, instances: true },
);
