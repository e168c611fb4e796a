// The schema is versioned in `PRAGMA user_version`; reopening keeps the data, and a file
// written by a newer version (or by another application) is refused untouched.
import { createManualClock } from "@taskflow-webhooks/core/testing";
import { SCHEMA_VERSION, SqliteTaskFlowSchemaError, openSqliteTaskFlowStore, type SqliteTaskFlowStore } from "../src/index.js";
import { existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDatabase, type TempDatabase } from "./temp-db.js";

const SESSION = "agent:main:webhooks:alpha";

let file: TempDatabase;
beforeEach(() => {
  file = tempDatabase();
});
afterEach(() => file.remove());

function inspect<T>(read: (db: Database.Database) => T): T {
  const db = new Database(file.path, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

describe("schema and migrations", () => {
  it("creates a WAL-mode file at the current schema version", () => {
    const store = openSqliteTaskFlowStore({ path: file.path });
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    expect(store.isHealthy()).toBe(true);
    store.close();
    expect(inspect((db) => db.pragma("user_version", { simple: true }))).toBe(SCHEMA_VERSION);
    expect(inspect((db) => db.pragma("journal_mode", { simple: true }))).toBe("wal");
    expect(inspect((db) => db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all())).toEqual(
      expect.arrayContaining(["flows", "tasks"]),
    );
  });

  it("reopening an existing file keeps every flow, task, revision and order", async () => {
    const first = openSqliteTaskFlowStore({ path: file.path });
    const flows = first.bindSession({ sessionKey: SESSION });
    const a = await flows.createManaged({ controllerId: "c", goal: "a", stateJson: { n: 1 }, waitJson: null });
    const b = await flows.createManaged({ controllerId: "c", goal: "b" });
    await flows.setWaiting({ flowId: a.flowId, expectedRevision: 0, blockedSummary: "human" });
    await flows.runTask({ flowId: b.flowId, runtime: "cron", task: "t", runId: "r1" });
    await flows.cancel({ flowId: b.flowId });
    const before = {
      list: await flows.list(),
      summaryA: await flows.getTaskSummary(a.flowId),
      summaryB: await flows.getTaskSummary(b.flowId),
    };
    first.close();

    const second = openSqliteTaskFlowStore({ path: file.path });
    try {
      expect(second.schemaVersion).toBe(SCHEMA_VERSION);
      const again = second.bindSession({ sessionKey: SESSION });
      expect({
        list: await again.list(),
        summaryA: await again.getTaskSummary(a.flowId),
        summaryB: await again.getTaskSummary(b.flowId),
      }).toStrictEqual(before);
      expect(await again.get(a.flowId)).toMatchObject({ revision: 1, status: "blocked", blockedSummary: "human" });
      expect(await again.get(b.flowId)).toMatchObject({ revision: 2, status: "cancelled", waitJson: null });
    } finally {
      second.close();
    }
  });

  it("brings a version-1 file to the current version: its flows kept, status pages served by the new index, idempotency records", async () => {
    const first = openSqliteTaskFlowStore({ path: file.path });
    const flows = first.bindSession({ sessionKey: SESSION });
    const a = await flows.createManaged({ controllerId: "c", goal: "a", status: "running" });
    await flows.createManaged({ controllerId: "c", goal: "b" });
    first.close();
    // What version 1 left behind: no status index, no idempotency table, user_version 1.
    const v1 = new Database(file.path);
    v1.exec("DROP INDEX flows_by_owner_status");
    v1.exec("DROP TABLE idempotency");
    v1.pragma("user_version = 1");
    v1.close();

    const second = openSqliteTaskFlowStore({ path: file.path });
    try {
      expect(second.schemaVersion).toBe(SCHEMA_VERSION);
      expect((await second.idempotencyStore.reserve("r\nk", "fp", { now: 0, lockMs: 1 })).state).toBe("reserved");
      expect(await second.bindSession({ sessionKey: SESSION }).listPage({ limit: 5, status: "running" })).toEqual({
        flows: [a],
        more: false,
      });
    } finally {
      second.close();
    }
    const plan = inspect((db) =>
      db
        .prepare("EXPLAIN QUERY PLAN SELECT * FROM flows WHERE owner_key = ? AND status = ? ORDER BY created_at DESC, seq DESC LIMIT 3")
        .all(SESSION, "running")
        .map((row) => (row as { detail: string }).detail)
        .join("; "),
    );
    expect(plan).toContain("flows_by_owner_status");
    expect(plan).not.toContain("TEMP B-TREE");
  });

  it("brings a version-3 file to version 4: owner indexes ascending, lists and pages in the same order, none sorted", async () => {
    const clock = createManualClock(1_000);
    const answers = async (store: SqliteTaskFlowStore) => {
      const bound = store.bindSession({ sessionKey: SESSION });
      const pages = [];
      for (const status of [undefined, "running"] as const) {
        let page = await bound.listPage({ limit: 2, ...(status && { status }) });
        pages.push(page);
        while (page.more) {
          const last = page.flows.at(-1)!;
          page = await bound.listPage({ limit: 2, after: { flowId: last.flowId, createdAt: last.createdAt }, ...(status && { status }) });
          pages.push(page);
        }
      }
      return { list: (await bound.list()).map((f) => f.goal), latest: (await bound.findLatest())?.goal, pages };
    };
    const first = openSqliteTaskFlowStore({ path: file.path, clock });
    const flows = first.bindSession({ sessionKey: SESSION });
    for (const [goal, status] of [["a", "running"], ["b", "queued"], ["c", "running"], ["d", "running"], ["e", "queued"]] as const) {
      await flows.createManaged({ controllerId: "c", goal, status });
      if (goal !== "c") clock.advance(1); // c and d share a created_at: insertion order breaks the tie
    }
    await flows.runTask({ flowId: (await flows.findLatest())!.flowId, runtime: "cron", task: "t" });
    const before = await answers(first);
    expect(before.list).toEqual(["e", "d", "c", "b", "a"]);
    first.close();
    // What version 3 left behind: the owner indexes in descending order, user_version 3.
    const v3 = new Database(file.path);
    v3.exec(`
      DROP INDEX flows_by_owner;
      CREATE INDEX flows_by_owner ON flows (owner_key, created_at DESC, seq DESC);
      DROP INDEX flows_by_owner_status;
      CREATE INDEX flows_by_owner_status ON flows (owner_key, status, created_at DESC, seq DESC);
      DROP INDEX tasks_by_owner;
      CREATE INDEX tasks_by_owner ON tasks (owner_key, created_at DESC, seq DESC);
    `);
    v3.pragma("user_version = 3");
    v3.close();

    const migrated = openSqliteTaskFlowStore({ path: file.path, clock });
    try {
      expect(migrated.schemaVersion).toBe(4);
      expect(await answers(migrated)).toStrictEqual(before);
    } finally {
      migrated.close();
    }
    const indexes = inspect((db) =>
      db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name LIKE '%_by_owner%' ORDER BY name").all(),
    );
    expect(indexes).toEqual([
      { name: "flows_by_owner", sql: "CREATE INDEX flows_by_owner ON flows (owner_key, created_at, seq)" },
      { name: "flows_by_owner_status", sql: "CREATE INDEX flows_by_owner_status ON flows (owner_key, status, created_at, seq)" },
      { name: "tasks_by_owner", sql: "CREATE INDEX tasks_by_owner ON tasks (owner_key, created_at, seq)" },
    ]);
    // Every list query walks its index backwards instead of sorting.
    const after = " AND (created_at < 1002 OR (created_at = 1002 AND seq < 4))";
    for (const [where, index] of [
      ["owner_key = ?", "flows_by_owner"],
      ["owner_key = ? AND status = 'running'", "flows_by_owner_status"],
      [`owner_key = ?${after}`, "flows_by_owner"],
      [`owner_key = ? AND status = 'running'${after}`, "flows_by_owner_status"],
    ]) {
      const plan = inspect((db) =>
        db
          .prepare(`EXPLAIN QUERY PLAN SELECT * FROM flows WHERE ${where} ORDER BY created_at DESC, seq DESC LIMIT 3`)
          .all(SESSION)
          .map((row) => (row as { detail: string }).detail)
          .join("; "),
      );
      expect(plan).toContain(index);
      expect(plan).not.toContain("TEMP B-TREE");
    }
  });

  it("migrates an empty SQLite file (user_version 0)", () => {
    new Database(file.path).close();
    const store = openSqliteTaskFlowStore({ path: file.path });
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    store.close();
  });

  it("refuses a file with a newer schema version, with a clear error, and leaves it untouched", async () => {
    const store = openSqliteTaskFlowStore({ path: file.path });
    const flow = await store.bindSession({ sessionKey: SESSION }).createManaged({ controllerId: "c", goal: "g" });
    store.close();
    const db = new Database(file.path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();

    const open = () => openSqliteTaskFlowStore({ path: file.path });
    expect(open).toThrow(SqliteTaskFlowSchemaError);
    expect(open).toThrow(
      `schema version ${SCHEMA_VERSION + 1} is newer than the newest this version of @taskflow-webhooks/taskflow-sqlite knows (${SCHEMA_VERSION})`,
    );
    expect(inspect((d) => d.pragma("user_version", { simple: true }))).toBe(SCHEMA_VERSION + 1);
    expect(inspect((d) => d.prepare("SELECT flow_id FROM flows").pluck().all())).toEqual([flow.flowId]);
  });

  it("refuses a database of another application", () => {
    const db = new Database(file.path);
    db.pragma("application_id = 42");
    db.exec("CREATE TABLE other (x)");
    db.close();
    expect(() => openSqliteTaskFlowStore({ path: file.path })).toThrow(/not a TaskFlow database/);
    expect(inspect((d) => d.pragma("user_version", { simple: true }))).toBe(0);
  });

  it("creates missing parent directories", () => {
    const nested = join(file.dir, "a", "b", "taskflow.sqlite");
    const store = openSqliteTaskFlowStore({ path: nested });
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    store.close();
    expect(existsSync(nested)).toBe(true);
  });

  it("rejects an unknown synchronous option", () => {
    expect(() => openSqliteTaskFlowStore({ path: file.path, synchronous: "off" as "full" })).toThrow(TypeError);
  });
});
