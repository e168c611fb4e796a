// Idempotency records in the TaskFlow file: the port's conformance kit (durable across a
// reopen), and the IdempotentWrite kit: a write and its record commit or roll back
// together, and a replay survives reopening the file.
import { createManualClock, describeIdempotencyStoreConformance, describeIdempotentWriteConformance } from "@taskflow-webhooks/core/testing";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { openSqliteTaskFlowStore } from "../src/index.js";
import { tempDatabase } from "./temp-db.js";

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

/** What the file holds, read on a connection of its own. */
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

describeIdempotentWriteConformance(
  "sqlite",
  ({ clock }) => {
    const file = tempDatabase();
    let store = openSqliteTaskFlowStore({ path: file.path, clock });
    return {
      store,
      stored: () => rows(file.path),
      reopen() {
        store.close();
        return (store = openSqliteTaskFlowStore({ path: file.path, clock }));
      },
      close() {
        store.close();
        file.remove();
      },
    };
  },
  { durable: true },
);

describe("pruning", () => {
  it("expired records are deleted as new keys arrive", async () => {
    const file = tempDatabase();
    const store = openSqliteTaskFlowStore({ path: file.path, clock: createManualClock() });
    try {
      const ids = store.idempotencyStore;
      for (let i = 0; i < 300; i++) {
        const r = await ids.reserve(`demo\nold${i}`, "fp", { now: 0, lockMs: 10 });
        if (r.state === "reserved") await ids.complete(`demo\nold${i}`, r.token, { status: 200, body: "{}" }, { now: 0, ttlMs: 10 });
      }
      for (let i = 0; i < 300; i++) await ids.reserve(`demo\nnew${i}`, "fp", { now: 1_000, lockMs: 60_000 });
      expect(rows(file.path).records.filter((r) => r.scope.startsWith("demo\nold")).length).toBeLessThan(300);
    } finally {
      store.close();
      file.remove();
    }
  });
});
