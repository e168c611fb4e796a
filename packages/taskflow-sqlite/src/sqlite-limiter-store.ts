// A rate-limit store on a SQLite file, so several server processes on one machine share
// one fixed window per route and client. Each consume is one UPSERT statement (atomic on
// its own); the counter keeps counting refused requests, so `count <= max` is the answer.
// Limiter state is not precious: synchronous=OFF, and the table is pruned to `maxKeys`.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { switchToWal } from "./wal-switch.js";
import type { ConsumeOptions, ConsumeResult, LimiterStore } from "@taskflow-webhooks/core";

export interface SqliteLimiterStoreOptions {
  /** The limiter's own database file (not the TaskFlow file), or ":memory:". */
  path: string;
  /** Most keys kept (default 100 000); the least recently seen keys go first. */
  maxKeys?: number;
  busyTimeoutMs?: number;
}

export interface SqliteLimiterStore extends LimiterStore {
  consume(key: string, options: ConsumeOptions): ConsumeResult;
  /** Keys currently stored: at most `maxKeys` plus the calls since the last pruning (< 1 024). */
  size(): number;
  close(): void;
}

const PRUNE_EVERY = 1024;

export function openSqliteLimiterStore(options: SqliteLimiterStoreOptions): SqliteLimiterStore {
  const maxKeys = Math.max(1, options.maxKeys ?? 100_000);
  if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  switchToWal(db, busyTimeoutMs);
  db.pragma("synchronous = OFF");
  db.exec(`CREATE TABLE IF NOT EXISTS rate_windows (
    key TEXT PRIMARY KEY, count INTEGER NOT NULL, reset_at INTEGER NOT NULL, last_seen INTEGER NOT NULL
  ) WITHOUT ROWID`);
  db.exec("CREATE INDEX IF NOT EXISTS rate_windows_by_reset ON rate_windows (reset_at)");
  db.exec("CREATE INDEX IF NOT EXISTS rate_windows_by_last_seen ON rate_windows (last_seen)");

  const upsert = db.prepare<{ key: string; now: number; resetAt: number }, { count: number; reset_at: number }>(`
    INSERT INTO rate_windows (key, count, reset_at, last_seen) VALUES (@key, 1, @resetAt, @now)
    ON CONFLICT (key) DO UPDATE SET
      count     = CASE WHEN reset_at <= @now THEN 1 ELSE count + 1 END,
      reset_at  = CASE WHEN reset_at <= @now THEN @resetAt ELSE reset_at END,
      last_seen = @now
    RETURNING count, reset_at`);
  const pruneExpired = db.prepare<{ now: number }>("DELETE FROM rate_windows WHERE reset_at <= @now");
  const countKeys = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM rate_windows");
  const pruneOldest = db.prepare<{ excess: number }>(
    "DELETE FROM rate_windows WHERE key IN (SELECT key FROM rate_windows ORDER BY last_seen LIMIT @excess)",
  );
  const prune = db.transaction((now: number) => {
    pruneExpired.run({ now });
    const excess = countKeys.get()!.n - maxKeys;
    if (excess > 0) pruneOldest.run({ excess });
  });

  let calls = 0;
  return {
    consume(key, { windowMs, max, now }) {
      if (++calls % PRUNE_EVERY === 0) prune(now);
      const row = upsert.get({ key, now, resetAt: now + windowMs })!;
      return { allowed: row.count <= max, remaining: Math.max(0, max - row.count), resetAt: row.reset_at };
    },
    size: () => countKeys.get()!.n,
    close() {
      if (db.open) db.close();
    },
  };
}
