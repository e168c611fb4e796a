// Group commit: the writes of one event-loop turn share one durable transaction.
//
// better-sqlite3 is synchronous and a `synchronous = FULL` commit is an fsync (~0.2–0.3 ms
// here), so committing every write on its own caps a process at a few thousand writes a
// second. Instead the first write opens `BEGIN IMMEDIATE` (the file's write lock, as
// before) and schedules the COMMIT with `setImmediate`: every write that arrives before
// then — the requests read in the same poll phase, i.e. those that queued up while the
// previous commit's fsync blocked the loop — runs inside the same transaction, each under
// its own SAVEPOINT, so a write that fails rolls back alone. After `maxWrites` writes the
// group commits at once. Nobody is answered before the COMMIT that holds their write: each
// write's Promise settles only after it; if the COMMIT fails, every write of the group
// answers its storage-failure value instead, computed after the rollback.
//
// Reads made while a group is open run at once on the same connection (so they see the
// writes made before them, exactly as if the writes had been answered one by one) but
// their answers, too, wait for the COMMIT: nobody sees a state that is not durable yet. If
// the COMMIT fails, the read runs again on the rolled-back file.
//
// The revision rules are untouched: each write still re-reads and checks its flow under
// the write lock (now held by the group), and a write later in the group sees the earlier
// ones, so two writes at one revision in one group behave exactly like two in a row.
import type Database from "better-sqlite3";

export interface WriteJob<T> {
  /** The write, run inside the group's transaction under its own SAVEPOINT. Throwing rolls back this write only. */
  run(): T;
  /**
   * The answer when the write could not be made durable (a storage error in the write, in
   * BEGIN or in the COMMIT). Called after the rollback, outside any transaction. May throw
   * (the caller's Promise then rejects with that error).
   */
  failed(error: unknown): T;
}

export interface GroupCommitOptions {
  /** Writes per transaction at most; the group commits as soon as it holds this many. */
  maxWrites: number;
  /** True for a failure of the file or the connection (answered with `failed`), false for a bug (rethrown). */
  isStorageError(error: unknown): boolean;
  /** Called after every successful COMMIT with the number of writes it held (metrics, tests). */
  onCommit?: (info: { writes: number }) => void;
  /**
   * Asked just before each COMMIT: a storage error when the group must not commit (its
   * file is gone or would crash the process), with `abandon` when the connection must not
   * even be rolled back (SQLite would touch a faulty -shm). The group is then answered
   * with that error; its reads are refused instead of read again.
   */
  beforeCommit?: () => { error: unknown; abandon: boolean } | undefined;
}

export interface GroupCommit {
  /** Runs `job` in the open group (opening one if none is); settles after its COMMIT. */
  write<T>(job: WriteJob<T>): Promise<T>;
  /** Runs `read` now; its answer waits for the open group's COMMIT, if one is open. */
  read<T>(read: () => T): Promise<T>;
  /** Runs `read` on one consistent snapshot: the open group's, or a read transaction of its own. */
  snapshot<T>(read: () => T): Promise<T>;
  /** Commits the open group now (before close, before a test hook writes on its own). */
  flush(): void;
  /** A group is open (its transaction holds the write lock). */
  readonly pending: boolean;
}

/** One caller waiting in the group: its outcome so far and how to answer it. */
interface Waiter {
  /** `done`: run without error; `failed`: a storage error in its savepoint; `threw`: a bug; `read`: a read to answer. */
  kind: "done" | "failed" | "threw" | "read";
  value: unknown;
  job?: WriteJob<unknown>;
  read?: () => unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export function createGroupCommit(db: Database.Database, options: GroupCommitOptions): GroupCommit {
  const { isStorageError, onCommit, beforeCommit } = options;
  const maxWrites = Math.max(1, Math.floor(options.maxWrites));
  const statement = (source: string) => db.prepare(source);
  const sql = {
    begin: statement("BEGIN IMMEDIATE"),
    commit: statement("COMMIT"),
    rollback: statement("ROLLBACK"),
    savepoint: statement("SAVEPOINT group_write"),
    release: statement("RELEASE group_write"),
    rollbackTo: statement("ROLLBACK TO group_write"),
  };
  const readTransaction = db.transaction(<T>(read: () => T): T => read());

  let waiters: Waiter[] | undefined; // the open group; undefined when none is open
  let writes = 0;
  let scheduled: NodeJS.Immediate | undefined;

  const settle = (waiter: Waiter, answer: () => unknown) => {
    try {
      waiter.resolve(answer());
    } catch (error) {
      waiter.reject(error);
    }
  };

  /** Answers the group's callers; `error` is set when the COMMIT failed (the group rolled back). */
  function answer(group: Waiter[], error: unknown, abandoned = false) {
    for (const waiter of group) {
      if (waiter.kind === "threw") waiter.reject(waiter.value);
      else if (waiter.kind === "read" && abandoned) waiter.reject(error);
      else if (waiter.kind === "read") settle(waiter, error === undefined ? () => waiter.value : waiter.read!);
      else if (waiter.kind === "failed") settle(waiter, () => waiter.job!.failed(waiter.value));
      else if (error !== undefined) settle(waiter, () => waiter.job!.failed(error));
      else waiter.resolve(waiter.value);
    }
  }

  /** Ends the open group: COMMIT (or, when SQLite already rolled it back, nothing), then answers. */
  function close(rolledBack?: unknown) {
    const group = waiters;
    if (group === undefined) return;
    const count = writes;
    waiters = undefined;
    writes = 0;
    if (scheduled !== undefined) clearImmediate(scheduled);
    scheduled = undefined;
    let error = rolledBack;
    const refused = error === undefined ? beforeCommit?.() : undefined;
    if (refused) {
      if (!refused.abandon) tryRollback();
      answer(group, refused.error, refused.abandon);
      return;
    }
    if (error === undefined) {
      try {
        sql.commit.run();
      } catch (commitError) {
        error = commitError;
        if (db.inTransaction) tryRollback();
      }
    }
    if (error === undefined) onCommit?.({ writes: count });
    answer(group, error);
  }

  function tryRollback() {
    try {
      sql.rollback.run();
    } catch {
      // The connection is gone; SQLite rolls the transaction back when it closes.
    }
  }

  const commitScheduled = () => {
    scheduled = undefined;
    close();
  };

  /** Opens a group, or answers why it could not (BEGIN failed). */
  function open(): unknown {
    try {
      sql.begin.run();
    } catch (error) {
      return error;
    }
    waiters = [];
    scheduled = setImmediate(commitScheduled);
    return undefined;
  }

  /** Every waiter is built by this one literal: one object (no spreads), one shape. */
  function enqueue(kind: Waiter["kind"], value: unknown, job: WriteJob<unknown> | undefined, read?: () => unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      waiters!.push({ kind, value, job, read, resolve, reject });
    });
  }

  /** After an error inside the group: SQLite may have rolled back the whole transaction (I/O errors, SQLITE_FULL). */
  function groupLost(error: unknown): boolean {
    if (waiters === undefined || db.inTransaction) return false;
    close(error);
    return true;
  }

  function write<T>(job: WriteJob<T>): Promise<T> {
    if (waiters === undefined) {
      const refused = open();
      if (refused !== undefined) {
        if (!isStorageError(refused)) return Promise.reject(refused);
        return new Promise<T>((resolve) => resolve(job.failed(refused)));
      }
    }
    let kind: Waiter["kind"];
    let value: unknown;
    try {
      sql.savepoint.run();
      value = job.run();
      sql.release.run();
      kind = "done";
    } catch (error) {
      if (db.inTransaction) {
        try {
          sql.rollbackTo.run();
          sql.release.run();
        } catch {
          // Handled below: the transaction is gone or the group's COMMIT will fail.
        }
      }
      kind = isStorageError(error) ? "failed" : "threw";
      value = error;
      if (groupLost(error)) {
        // This write's own answer, after the rollback that also took the group.
        if (kind === "threw") return Promise.reject(error);
        return new Promise<T>((resolve) => resolve(job.failed(error)));
      }
    }
    const answered = enqueue(kind, value, job as WriteJob<unknown>) as Promise<T>;
    writes += 1;
    if (writes >= maxWrites) close();
    return answered;
  }

  function read<T>(read: () => T): Promise<T> {
    if (waiters === undefined) return new Promise<T>((resolve) => resolve(read()));
    let value: T;
    try {
      value = read();
    } catch (error) {
      // Reads throw on storage failures (the port has no failure value for them); when the
      // failure also took the group, read again from the file as it is after the rollback.
      if (groupLost(error)) return new Promise<T>((resolve) => resolve(read()));
      return Promise.reject(error);
    }
    return enqueue("read", value, undefined, read) as Promise<T>;
  }

  return {
    write,
    read,
    snapshot: <T>(work: () => T): Promise<T> =>
      waiters === undefined ? new Promise<T>((resolve) => resolve(readTransaction.deferred(work) as T)) : read(work),
    flush: () => close(),
    get pending() {
      return waiters !== undefined;
    },
  };
}
