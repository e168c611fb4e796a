// Tests run against a real PostgreSQL: TEST_DATABASE_URL, default
// postgres://postgres@127.0.0.1:5432/test. Each test file works in a schema of its own,
// dropped afterwards. An unreachable server fails the file with a message naming the
// variable; nothing is skipped.
import { randomUUID } from "node:crypto";
import pg from "pg";

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";

/** A pool for test bookkeeping (creating and dropping schemas), checked to answer. */
export async function connectTestDatabase(): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2, connectionTimeoutMillis: 5_000 });
  pool.on("error", () => {});
  try {
    await pool.query("SELECT 1");
  } catch (error) {
    await pool.end().catch(() => {});
    throw new Error(
      `PostgreSQL is unreachable at ${TEST_DATABASE_URL} (${(error as Error).message}). Start it (\`.ci/run\` does) or set TEST_DATABASE_URL.`,
    );
  }
  return pool;
}

/** A schema name no other test file uses. */
export const testSchemaName = () => `tfw_test_${randomUUID().replaceAll("-", "").slice(0, 16)}`;

export async function dropSchema(pool: pg.Pool, schema: string): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}
