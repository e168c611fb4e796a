// The durable TaskFlow store: one SQLite file in WAL mode. Every write re-reads the flow
// and checks owner, mode and revision under the write lock (`BEGIN IMMEDIATE`), inside a
// group-committed transaction (group-commit.ts: the writes of one event-loop turn share one
// COMMIT, each under its own SAVEPOINT, and are answered after it). Two processes (or two
// connections) on one file therefore never both apply a change at one revision: the second
// waits for the lock (busy_timeout), then sees the new revision and answers
// `revision_conflict`.
//
// Behaviour matches the core's memory runtime exactly (same revisions, same keys, same
// reason texts); the TaskFlow conformance kit in core/testing is the authority.
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import {
  applyChange,
  cancelledChange,
  cancelledTask,
  failChange,
  finishChange,
  isActiveTask,
  isTerminalFlow,
  newManagedFlow,
  newTaskRecord,
  requestCancelChange,
  resumeChange,
  runTaskRefusal,
  setWaitingChange,
  summarizeCounts,
  systemClock,
  TaskFlowPersistError,
  type BoundTaskFlow,
  type CancelResult,
  type Clock,
  type CreateManagedFlowParams,
  type FlowChange,
  type FlowPage,
  type FlowPageParams,
  type MutationResult,
  type RunTaskParams,
  type RunTaskResult,
  type TaskFlowRecord,
  type TaskFlowRuntime,
  type TaskRecord,
  type TaskSummary,
  type WriteOptions,
} from "@taskflow-webhooks/core";
import { guardDatabaseFiles, type FileGuard } from "./file-guard.js";
import { createGroupCommit, type WriteJob } from "./group-commit.js";
import { switchToWal } from "./wal-switch.js";
import { flowTable, insertSql, taskTable, updateSetSql, type RecordTable } from "./record-columns.js";
import { migrate } from "./schema.js";
import { createSqliteIdempotency, type SqliteIdempotencyStore } from "./sqlite-idempotency.js";

export interface SqliteTaskFlowStoreOptions {
  /** Database file, created (with missing parent directories) if absent. `":memory:"`: a throwaway store. */
  path: string;
  /** Source of every timestamp. Default: the system clock. */
  clock?: Clock;
  /** Source of flow and task ids. Default: `crypto.randomUUID()`. */
  generateId?: () => string;
  /**
   * `"full"` (default): an acknowledged write survives a crash of the process and a power
   * loss. `"normal"`: survives a crash of the process; the last writes before a power
   * loss may roll back. Faster on slow disks.
   */
  synchronous?: "full" | "normal";
  /** How long a write waits for another connection's lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
  /**
   * Writes that share one transaction at most (group commit). Writes arriving in the same
   * event-loop turn commit together; `1` commits every write on its own. Default 32.
   */
  maxWritesPerCommit?: number;
  /** Called after every COMMIT with the number of writes it held (metrics). */
  onCommit?: (info: { writes: number }) => void;
}

/**
 * The bound handle of this store: the port's `BoundTaskFlow`, always with
 * `tryCreateManaged`. Every call answers a Promise: a write's settles after the COMMIT that
 * holds it (group commit), a read's after the COMMIT of the writes made before it.
 */
export type SqliteBoundTaskFlow = { readonly sessionKey: string } & {
  [K in Exclude<keyof BoundTaskFlow, "sessionKey">]-?: (
    ...args: Parameters<NonNullable<BoundTaskFlow[K]>>
  ) => Promise<Awaited<ReturnType<NonNullable<BoundTaskFlow[K]>>>>;
};

export interface SqliteTaskFlowStore extends TaskFlowRuntime {
  bindSession(params: { sessionKey: string }): SqliteBoundTaskFlow;
  /**
   * Idempotency records in this database. Every write of the bound handles honours
   * `options.idempotency`: the record commits in the write's own transaction, so a crash
   * (kill -9, power loss with `synchronous: "full"`) never keeps a write without its record.
   */
  readonly idempotencyStore: SqliteIdempotencyStore;
  /** Commits the open group, then closes the file. Later calls fail like a storage failure (reads reject). Idempotent. */
  close(): void;
  /** The file is open, still the one opened, writable as far as can be seen, and answers a query. */
  isHealthy(): boolean;
  /** Why the store is not healthy (names no path), or undefined when it is. */
  healthProblem(): string | undefined;
  /** The schema version of the open file (`PRAGMA user_version`). */
  readonly schemaVersion: number;
  /**
   * Test hook: stores a flow record exactly as given (a copy), replacing one with the
   * same `flowId`. Reaches states the port cannot create, e.g. a `task_mirrored` flow
   * (the `not_managed` paths) or a `lost` one. The conformance kit calls it.
   */
  seedUnmanagedFlow(record: TaskFlowRecord): void;
  /** Test hook: stores a task record exactly as given (a copy), replacing one with the same `taskId`. */
  seedTask(record: TaskRecord): void;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_WRITES_PER_COMMIT = 32;

type Row = Record<string, unknown>;
type Statement = Database.Statement<unknown[], Row>;

const TASK_PERSIST_FAILED = "Task persistence failed.";
const FLOW_PERSIST_FAILED = "Flow persistence failed.";

/**
 * The files under the store failed in a way SQLite does not report (removed, replaced, an
 * -shm that would crash the process). Its code makes the core answer 503 persist_failed.
 */
export class SqliteStorageFaultError extends Error {
  override readonly name = "SqliteStorageFaultError";
  readonly code = "persist_failed";
}

/** Thrown by `openSqliteTaskFlowStore` when the file can be read but not written. */
export class SqliteNotWritableError extends Error {
  override readonly name = "SqliteNotWritableError";
}

/** Opens (creating and migrating if needed) a store on one SQLite file. */
export function openSqliteTaskFlowStore(options: SqliteTaskFlowStoreOptions): SqliteTaskFlowStore {
  const clock = options.clock ?? systemClock;
  const generateId = options.generateId ?? randomUUID;
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const synchronous = options.synchronous ?? "full";
  if (synchronous !== "full" && synchronous !== "normal") {
    throw new TypeError(`synchronous must be "full" or "normal", not ${JSON.stringify(synchronous)}.`);
  }

  if (options.path !== ":memory:" && options.path !== "") mkdirSync(dirname(options.path), { recursive: true });
  const db = openFile(options.path, busyTimeoutMs);
  let schemaVersion: number;
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    const journalMode = switchToWal(db, busyTimeoutMs);
    if (journalMode !== "wal" && !db.memory) {
      throw new Error(`${options.path}: could not switch to WAL mode (journal_mode is ${String(journalMode)}).`);
    }
    db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
    schemaVersion = migrate(db);
    assertWritable(db, options.path, schemaVersion);
  } catch (error) {
    db.close();
    throw error instanceof Database.SqliteError ? openError(options.path, error) : error;
  }

  const sql = prepareStatements(db);

  const guard: FileGuard = guardDatabaseFiles(options.path, db.memory, exitWithoutClosingDatabases);
  const faultError = (fault: string) => new SqliteStorageFaultError(`${options.path}: ${fault}`);

  /** A failure of the file or the connection, as opposed to a bug in this code. */
  const isStorageError = (error: unknown) =>
    error instanceof Database.SqliteError || error instanceof SqliteStorageFaultError || !db.open;

  /**
   * Every write runs through this: in the open group's transaction (holding the write lock),
   * under its own savepoint, answered after the group's COMMIT.
   */
  const writes = createGroupCommit(db, {
    maxWrites: options.maxWritesPerCommit ?? DEFAULT_MAX_WRITES_PER_COMMIT,
    isStorageError,
    ...(options.onCommit && { onCommit: options.onCommit }),
    // A group over files that went away is rolled back; over a faulty -shm, left untouched.
    beforeCommit() {
      const fault = guard.check();
      return fault === undefined ? undefined : { error: faultError(fault), abandon: guard.shmFault };
    },
  });
  /** A write's `run` that also stores its idempotency answer, in the same savepoint. */
  const recorded =
    <R>(write: WriteOptions<R> | undefined, run: () => R) =>
    (): R => {
      const outcome = run();
      idempotency.recordInTransaction(write?.idempotency, outcome);
      return outcome;
    };
  /**
   * A write, refused before SQLite touches files that are gone or would crash the process.
   * Joining an open group, only the -shm is checked again: the group's BEGIN was checked
   * in full and its COMMIT will be (`beforeCommit`), so a removed file still fails the group.
   */
  const guardedWrite = <T>(job: WriteJob<T>): Promise<T> => {
    const fault = writes.pending ? guard.checkInTransaction() : guard.check();
    if (fault === undefined) return writes.write(job);
    return new Promise<T>((resolve) => resolve(job.failed(faultError(fault))));
  };
  /**
   * A read, refused the same way. The port has no failure value for reads: a storage
   * failure rejects with a persist failure, which the core answers 503 persist_failed.
   */
  const guardedRead = <T>(run: () => Promise<T>): Promise<T> => {
    const fault = guard.check();
    if (fault !== undefined) return Promise.reject(faultError(fault));
    return run().catch((error: unknown) => {
      if (error instanceof Database.SqliteError) throw new TaskFlowPersistError("TaskFlow read failed.", { cause: error });
      throw error;
    });
  };
  // Idempotency records are written in this file too: through the same guard.
  const idempotency = createSqliteIdempotency(db, {
    write: guardedWrite,
    read: writes.read,
    snapshot: writes.snapshot,
    flush: writes.flush,
    get pending() {
      return writes.pending;
    },
  });
  // A test hook's own transaction (BEGIN … COMMIT, ROLLBACK if `work` throws), after the open group.
  const transaction = db.transaction(<T>(work: () => T): T => work());
  const inOwnWriteTransaction = <T>(work: () => T): T => {
    writes.flush();
    return transaction.immediate(work) as T;
  };

  // -- row helpers (callers hold a transaction or accept a snapshot read) -------------

  const readFlow = (flowId: string): TaskFlowRecord | undefined => {
    return sql.selectFlow.get(flowId);
  };
  const readOwnedFlow = (owner: string, flowId: string): TaskFlowRecord | undefined => {
    const flow = readFlow(flowId);
    return flow && flow.ownerKey === owner ? flow : undefined;
  };
  const readFlowTasks = (flowId: string): TaskRecord[] =>
    sql.selectFlowTasks.all(flowId);
  const readNewestFlows = (owner: string): TaskFlowRecord[] =>
    sql.selectOwnerFlows.all(owner);
  /**
   * One page in list order: an index range scan from the place, LIMIT one more than asked
   * (to know whether more follow). The place is the named flow's own (created_at, seq)
   * when the owner has it, else "after everything created at createdAt or later".
   */
  const readFlowPage = (owner: string, { limit, after, status }: FlowPageParams): FlowPage => {
    const from = after ? (sql.selectOwnedFlowPlace.get(after.flowId, owner) as { created_at: number; seq: number } | undefined) : undefined;
    const place = after ? { created_at: from?.created_at ?? after.createdAt, seq: from?.seq ?? 0 } : undefined; // seq starts at 1
    const statement = sql.selectFlowPage[`${place ? "after" : "first"}${status === undefined ? "" : "Status"}`];
    const rows = statement.all({ owner, limit: limit + 1, ...place, ...(status !== undefined && { status }) });
    const more = rows.length > limit;
    return { flows: more ? rows.slice(0, limit) : rows, more };
  };
  const readLatestFlow = (owner: string): TaskFlowRecord | undefined => {
    return sql.selectLatestOwnerFlow.get(owner);
  };

  /**
   * A row just written, as a read of it answers: decoded from the values bound when SQLite
   * stored them as bound (no read), else read back.
   */
  const asStored = <R>(table: RecordTable<R>, values: readonly unknown[], readBack: () => R | undefined): R =>
    table.decodeBound(values) ?? readBack()!;

  /** Writes one applied change and answers the flow as stored; the revision in the WHERE clause is a second guard. */
  const writeChange = (flow: TaskFlowRecord, change: FlowChange, now: number): TaskFlowRecord => {
    const values = flowTable.encode(applyChange(flow, change, now));
    const result = sql.updateFlow.run([...values, flow.flowId, flow.revision]);
    if (result.changes !== 1) throw new Error(`TaskFlow ${flow.flowId} changed inside its own write transaction.`);
    return asStored(flowTable, values, () => readFlow(flow.flowId));
  };

  /** Best-effort read for a failure answer: the file may be unreadable too. */
  const tryRead = <T>(work: () => T): T | undefined => {
    if (guard.check() !== undefined) return undefined;
    try {
      return work();
    } catch (error) {
      if (isStorageError(error)) return undefined;
      throw error;
    }
  };

  /** Inserts a flow and answers it as stored. */
  const insertFlow = (record: TaskFlowRecord): TaskFlowRecord => {
    const values = flowTable.encode(record);
    sql.insertFlow.run(values);
    return asStored(flowTable, values, () => readFlow(record.flowId));
  };

  // -- operations ---------------------------------------------------------------------

  function createManagedFlow<T>(
    owner: string,
    params: CreateManagedFlowParams,
    failed: (error: unknown) => T,
    write?: WriteOptions<TaskFlowRecord>,
  ): Promise<TaskFlowRecord | T> {
    return guardedWrite<TaskFlowRecord | T>({
      run: recorded(write, () => {
        return insertFlow(newManagedFlow(params, { flowId: generateId(), ownerKey: owner, now: clock.now() }));
      }),
      failed,
    });
  }

  function mutateFlow(
    owner: string,
    params: { flowId: string; expectedRevision: number },
    change: (now: number) => FlowChange,
    write?: WriteOptions<MutationResult>,
  ): Promise<MutationResult> {
    return guardedWrite({
      run: recorded(write, (): MutationResult => {
        const flow = readOwnedFlow(owner, params.flowId);
        if (!flow) return { applied: false, code: "not_found" };
        if (flow.syncMode !== "managed") return { applied: false, code: "not_managed", current: flow };
        if (flow.revision !== params.expectedRevision) return { applied: false, code: "revision_conflict", current: flow };
        const now = clock.now();
        return { applied: true, flow: writeChange(flow, change(now), now) };
      }),
      failed: (): MutationResult => {
        const current = tryRead(() => readOwnedFlow(owner, params.flowId));
        return current ? { applied: false, code: "persist_failed", current } : { applied: false, code: "persist_failed" };
      },
    });
  }

  function cancelFlow(owner: string, flowId: string, write?: WriteOptions<CancelResult>): Promise<CancelResult> {
    return guardedWrite({
      run: recorded(write, (): CancelResult => {
        const flow = readOwnedFlow(owner, flowId);
        if (!flow) return { found: false, cancelled: false, reason: "Flow not found." };
        if (isTerminalFlow(flow)) {
          return { found: true, cancelled: false, reason: `Flow is already ${flow.status}.`, flow, tasks: readFlowTasks(flowId) };
        }
        const now = clock.now();
        // Like the reference: record the request (its own revision), then end the flow.
        let current = flow;
        if (current.cancelRequestedAt == null) current = writeChange(current, requestCancelChange(now), now);
        for (const task of readFlowTasks(flowId)) {
          if (isActiveTask(task)) sql.updateTask.run([...taskTable.encode(cancelledTask(task, now)), task.taskId]);
        }
        return { found: true, cancelled: true, flow: writeChange(current, cancelledChange(now), now), tasks: readFlowTasks(flowId) };
      }),
      failed: (): CancelResult => {
        // Nothing was written (the savepoint or the group rolled back). Whether the flow
        // exists may be unknown when the file cannot be read; the reason names the failure.
        const flow = tryRead(() => readOwnedFlow(owner, flowId));
        const tasks = flow ? tryRead(() => readFlowTasks(flowId)) : undefined;
        return { found: true, cancelled: false, reason: FLOW_PERSIST_FAILED, ...(flow && { flow }), ...(tasks && { tasks }) };
      },
    });
  }

  function runTask(owner: string, params: RunTaskParams, write?: WriteOptions<RunTaskResult>): Promise<RunTaskResult> {
    return guardedWrite({
      run: recorded(write, (): RunTaskResult => {
        const flow = readOwnedFlow(owner, params.flowId);
        if (!flow) return { created: false, found: false, reason: "Flow not found." };
        const refusal = runTaskRefusal(flow);
        if (refusal) return { created: false, found: true, reason: refusal, flow };
        // A retry names the same run: same runId, runtime, flow and child session.
        if (params.runId) {
          const retried = sql.selectRetriedTask.get(flow.flowId, params.runtime, params.runId, params.childSessionKey ?? null);
          if (retried) return { created: true, flow, task: retried };
        }
        // Recording a child does not touch the flow, so its revision stays put.
        const task = newTaskRecord(flow, params, { taskId: generateId(), now: clock.now() });
        const values = taskTable.encode(task);
        sql.insertTask.run(values);
        return { created: true, flow, task: asStored(taskTable, values, () => sql.selectTask.get(task.taskId)) };
      }),
      failed: (): RunTaskResult => {
        const flow = tryRead(() => readOwnedFlow(owner, params.flowId));
        return { created: false, found: true, reason: TASK_PERSIST_FAILED, ...(flow && { flow }) };
      },
    });
  }

  function taskSummary(owner: string, flowId: string): Promise<TaskSummary | undefined> {
    // One snapshot, so the flow check and the counts agree.
    return guardedRead(() => writes.snapshot(() => {
      if (!readOwnedFlow(owner, flowId)) return undefined;
      return summarizeCounts(sql.countFlowTasks.all(flowId) as Array<{ status: string; runtime: string; n: number }>);
    }));
  }

  function healthProblem(): string | undefined {
    if (!db.open) return "the database is closed";
    const fault = guard.check();
    if (fault !== undefined) return fault;
    try {
      sql.health.get();
      return undefined;
    } catch (error) {
      return `the database does not answer (${(error as { code?: string }).code ?? "error"})`;
    }
  }

  function bindSession({ sessionKey }: { sessionKey: string }): SqliteBoundTaskFlow {
    // An empty owner would make every unowned lookup match: a caller bug, not a state.
    if (typeof sessionKey !== "string" || sessionKey.trim() === "") {
      throw new TypeError("bindSession requires a non-empty sessionKey.");
    }
    const owner = sessionKey;
    return {
      sessionKey,
      createManaged: (params, write) =>
        createManagedFlow(
          owner,
          params,
          (error): never => {
            throw new Error("TaskFlow persistence failed.", { cause: error });
          },
          write,
        ),
      tryCreateManaged: (params, write) =>
        createManagedFlow(owner, params, () => null, write as WriteOptions<TaskFlowRecord> | undefined),
      get: (flowId) => guardedRead(() => writes.read(() => readOwnedFlow(owner, flowId))),
      list: () => guardedRead(() => writes.read(() => readNewestFlows(owner))),
      // One snapshot: the place lookup and the page agree.
      listPage: (params) => guardedRead(() => writes.snapshot(() => readFlowPage(owner, params))),
      findLatest: () => guardedRead(() => writes.read(() => readLatestFlow(owner))),
      resolve: (token) =>
        guardedRead(() =>
          writes.read(() => {
            const direct = readOwnedFlow(owner, token);
            if (direct) return direct;
            // The owner's own session key names its latest flow; any other key names nothing.
            return token.trim() === owner.trim() ? readLatestFlow(owner) : undefined;
          }),
        ),
      getTaskSummary: (flowId) => taskSummary(owner, flowId),
      setWaiting: (params, write) => mutateFlow(owner, params, () => setWaitingChange(params), write),
      resume: (params, write) => mutateFlow(owner, params, () => resumeChange(params), write),
      finish: (params, write) => mutateFlow(owner, params, (now) => finishChange(params, now), write),
      fail: (params, write) => mutateFlow(owner, params, (now) => failChange(params, now), write),
      requestCancel: (params, write) => mutateFlow(owner, params, requestCancelChange, write),
      cancel: ({ flowId }, write) => cancelFlow(owner, flowId, write),
      runTask: (params, write) => runTask(owner, params, write),
    };
  }

  return {
    bindSession,
    idempotencyStore: idempotency.store,
    close() {
      if (!db.open) return;
      writes.flush();
      // Closing checkpoints through the -shm, which raises SIGBUS over a faulty one; a
      // store with faulty files leaves its connection to the process's exit.
      if (guard.check() === undefined) db.close();
    },
    isHealthy() {
      return healthProblem() === undefined;
    },
    healthProblem,
    get schemaVersion() {
      return schemaVersion;
    },
    seedUnmanagedFlow(record) {
      inOwnWriteTransaction(() => {
        // Like the reference, a replaced flow counts as newly inserted for list() ties.
        sql.deleteFlow.run(record.flowId);
        insertFlow(record);
      });
    },
    seedTask(record) {
      writes.flush();
      sql.upsertTask.run(taskTable.encode(record));
    },
  };
}

/**
 * better-sqlite3 closes every open database when the process exits, and closing touches
 * the -shm: over a faulty one that is a SIGBUS, turning a clean exit into a crash. Once a
 * faulty -shm was seen, the process exits (with its own exit code) without that cleanup;
 * SQLite recovers the WAL at the next open, as after kill -9, losing no committed write.
 */
let exitHookInstalled = false;
function exitWithoutClosingDatabases(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const reallyExit = (process as { reallyExit?: (code: number) => never }).reallyExit;
  if (typeof reallyExit !== "function") return;
  process.on("exit", (code) => reallyExit.call(process, code));
}

function openFile(path: string, busyTimeoutMs: number): Database.Database {
  try {
    return new Database(path, { timeout: busyTimeoutMs });
  } catch (error) {
    throw error instanceof Database.SqliteError ? openError(path, error) : error;
  }
}

/** SQLite's own open errors name no file ("unable to open database file"): this one does. */
const openError = (path: string, error: { code: string; message: string }) =>
  new Error(`${path}: could not open the database (${error.code}: ${error.message}).`, { cause: error });

/**
 * Proves at open that the file takes a write (one committed, unchanged user_version): a
 * read-only file, directory or -shm otherwise opens fine and fails every write later.
 */
function assertWritable(db: Database.Database, path: string, version: number): void {
  if (db.memory) return;
  try {
    db.transaction(() => db.pragma(`user_version = ${version}`)).immediate();
  } catch (error) {
    if (!(error instanceof Database.SqliteError)) throw error;
    throw new SqliteNotWritableError(`${path}: the database cannot be written (${error.code}: ${error.message}).`, {
      cause: error,
    });
  }
}

/** The four page queries: first page or after a place, all statuses or one. */
function flowPageStatements(flows: (rest: string) => ReturnType<typeof recordQuery<TaskFlowRecord>>) {
  const query = (after: boolean, status: boolean) =>
    flows(
      `WHERE owner_key = @owner${status ? " AND status = @status" : ""}` +
        (after ? " AND (created_at < @created_at OR (created_at = @created_at AND seq < @seq))" : "") +
        " ORDER BY created_at DESC, seq DESC LIMIT @limit",
    );
  return { first: query(false, false), firstStatus: query(false, true), after: query(true, false), afterStatus: query(true, true) };
}

/**
 * A query of whole records of one table: rows are read as arrays (better-sqlite3 raw
 * mode) and decoded by position, which spares building an object of every column per row.
 */
function recordQuery<R>(table: RecordTable<R>, statement: Statement) {
  const raw = statement.raw(true) as unknown as Database.Statement<unknown[], unknown[]>;
  const decode = table.decoder(raw.columns().map((c) => c.name));
  return {
    get(...params: unknown[]): R | undefined {
      const values = raw.get(...params);
      return values === undefined ? undefined : decode(values);
    },
    all: (...params: unknown[]): R[] => raw.all(...params).map(decode),
  };
}

function prepareStatements(db: Database.Database) {
  const prepare = (source: string) => db.prepare(source) as Statement;
  const flows = (rest: string) => recordQuery(flowTable, prepare(`SELECT ${flowTable.stored.join(", ")} FROM flows ${rest}`));
  const tasks = (rest: string) => recordQuery(taskTable, prepare(`SELECT ${taskTable.stored.join(", ")} FROM tasks ${rest}`));
  return {
    health: prepare("SELECT 1 AS ok"),
    selectFlow: flows("WHERE flow_id = ?"),
    selectOwnerFlows: flows("WHERE owner_key = ? ORDER BY created_at DESC, seq DESC"),
    selectOwnedFlowPlace: prepare("SELECT created_at, seq FROM flows WHERE flow_id = ? AND owner_key = ?"),
    selectFlowPage: flowPageStatements(flows),
    selectLatestOwnerFlow: flows("WHERE owner_key = ? ORDER BY created_at DESC, seq DESC LIMIT 1"),
    insertFlow: prepare(insertSql(flowTable)),
    updateFlow: prepare(`${updateSetSql(flowTable)} WHERE flow_id = ? AND revision = ?`),
    deleteFlow: prepare("DELETE FROM flows WHERE flow_id = ?"),
    selectTask: tasks("WHERE task_id = ?"),
    selectFlowTasks: tasks("WHERE parent_flow_id = ? ORDER BY seq"),
    selectRetriedTask: tasks("WHERE parent_flow_id = ? AND runtime = ? AND run_id = ? AND child_session_key IS ? ORDER BY seq LIMIT 1"),
    countFlowTasks: prepare(
      "SELECT status, runtime, count(*) AS n FROM tasks WHERE parent_flow_id = ? GROUP BY status, runtime",
    ),
    insertTask: prepare(insertSql(taskTable)),
    updateTask: prepare(`${updateSetSql(taskTable)} WHERE task_id = ?`),
    // Replacing a task keeps its place (seq) in the flow's task order, like a Map.set.
    upsertTask: prepare(
      `${insertSql(taskTable)} ON CONFLICT (task_id) DO UPDATE SET ${taskTable.stored
        .map((n) => `${n} = excluded.${n}`)
        .join(", ")}`,
    ),
  };
}
