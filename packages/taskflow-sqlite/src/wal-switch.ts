// Switching a connection to WAL mode, waiting out other connections doing the same.
//
// `PRAGMA journal_mode = WAL` needs the file's exclusive lock. When another connection is
// switching or migrating the same new file at that moment (instances started together on
// one database), SQLite answers SQLITE_BUSY at once: it does not call the busy handler
// there, as waiting could deadlock two connections that both hold a shared lock. So the
// wait that busy_timeout promises everywhere else is made here: retry, backing off from
// 1 ms to 50 ms, until the timeout has passed.
import Database from "better-sqlite3";

const pause = new Int32Array(new SharedArrayBuffer(4));

const isBusy = (error: unknown) => error instanceof Database.SqliteError && error.code.startsWith("SQLITE_BUSY");

/** Sets `journal_mode = WAL`; answers the journal mode SQLite reports (`"memory"` for `:memory:`). */
export function switchToWal(db: Database.Database, busyTimeoutMs: number): unknown {
  const deadline = Date.now() + Math.max(0, busyTimeoutMs);
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    try {
      return db.pragma("journal_mode = WAL", { simple: true });
    } catch (error) {
      if (!isBusy(error) || Date.now() + wait > deadline) throw error;
      // Start-up only (opening a store is synchronous): a blocking sleep of a few ms.
      Atomics.wait(pause, 0, 0, wait);
    }
  }
}
