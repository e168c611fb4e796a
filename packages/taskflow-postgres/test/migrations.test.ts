// Versioned migrations: recorded in their own table, applied once even when several
// instances start at the same moment (advisory lock), refused when the database is newer.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, openPostgresTaskFlowStore, PostgresTaskFlowSchemaError, SCHEMA_VERSION } from "../src/index.js";
import { connectTestDatabase, dropSchema, testSchemaName, TEST_DATABASE_URL } from "./database-url.js";

let admin: pg.Pool;
const schemas: string[] = [];
const freshSchema = () => {
  const schema = testSchemaName();
  schemas.push(schema);
  return schema;
};
beforeAll(async () => {
  admin = await connectTestDatabase();
});
afterAll(async () => {
  for (const schema of schemas) await dropSchema(admin, schema);
  await admin.end();
});

describe("migrations", () => {
  it("six stores opening one new schema at once (separate connections) apply each migration exactly once", async () => {
    const schema = freshSchema();
    const stores = await Promise.all(
      Array.from({ length: 6 }, () => openPostgresTaskFlowStore({ connectionString: TEST_DATABASE_URL, schema, maxConnections: 1 })),
    );
    try {
      expect(stores.map((s) => s.schemaVersion)).toEqual(Array(6).fill(SCHEMA_VERSION));
      const { rows } = await admin.query(`SELECT version, description FROM ${schema}.taskflow_migrations ORDER BY version`);
      expect(rows).toEqual([
        { version: 1, description: "flows and tasks" },
        { version: 2, description: "idempotency records" },
      ]);
      // And they all work on the same tables.
      const flow = await stores[0]!.bindSession({ sessionKey: "s" }).createManaged({ controllerId: "c", goal: "g" });
      expect(await stores[5]!.bindSession({ sessionKey: "s" }).get(flow.flowId)).toEqual(flow);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it("migrate() on a current schema applies nothing", async () => {
    const schema = freshSchema();
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      expect(await migrate(client, schema)).toEqual([1, 2]);
      expect(await migrate(client, schema)).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it("refuses a schema newer than this package and changes nothing", async () => {
    const schema = freshSchema();
    await (await openPostgresTaskFlowStore({ connectionString: TEST_DATABASE_URL, schema })).close();
    await admin.query(`INSERT INTO ${schema}.taskflow_migrations (version, description) VALUES (99, 'from the future')`);
    await expect(openPostgresTaskFlowStore({ connectionString: TEST_DATABASE_URL, schema })).rejects.toThrow(PostgresTaskFlowSchemaError);
    await expect(openPostgresTaskFlowStore({ connectionString: TEST_DATABASE_URL, schema })).rejects.toThrow(/version 99 is newer/);
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${schema}.taskflow_migrations`);
    expect(rows[0].n).toBe(SCHEMA_VERSION + 1);
  });

  it("with migrate: false, an unmigrated schema fails the open and names the migrate command", async () => {
    const schema = freshSchema();
    await expect(openPostgresTaskFlowStore({ connectionString: TEST_DATABASE_URL, schema, migrate: false })).rejects.toThrow(
      /taskflow-webhooks migrate/,
    );
    const { rows } = await admin.query("SELECT to_regnamespace($1) AS ns", [schema]);
    expect(rows[0].ns).toBeNull();
  });

  it("refuses a schema name that is not a plain identifier", async () => {
    await expect(openPostgresTaskFlowStore({ connectionString: TEST_DATABASE_URL, schema: "x; DROP TABLE y" })).rejects.toThrow(TypeError);
  });
});
