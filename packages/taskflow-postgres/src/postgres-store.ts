// The TaskFlow store on PostgreSQL, for several instances on one database.
//
// - Revisions are optimistic: a mutation reads the flow, applies the shared record rule
//   (`applyChange`) and writes with `UPDATE … WHERE flow_id AND owner_key AND revision =
//   expected RETURNING *`. Two writers at one revision both reach the UPDATE; the row lock
//   makes the second wait, re-check its WHERE on the new row version and match nothing, so
//   exactly one applies. Zero rows → one read says why (not_found / not_managed /
//   revision_conflict with the current flow).
// - `cancel` and `runTask` touch several rows: one transaction each, holding the flow's row
//   lock (SELECT … FOR UPDATE) so a task cannot be recorded under a flow being cancelled
//   and two retries with one runId record one task.
// - Every statement has a timeout (client-side query_timeout; on a pool of our own also
//   statement_timeout and connectionTimeoutMillis): a database that is down or stalls
//   makes writes answer persist_failed and reads throw TaskFlowPersistError (503), never a
//   hang. The pool reconnects on its own, so the store recovers without a restart.
//
// Behaviour matches the core's memory runtime (same revisions, keys, reason texts);
// the TaskFlow conformance kit in core/testing is the authority.
import { randomUUID } from "node:crypto";
import pg from "pg";
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
  type BoundTaskFlow,
  type CancelResult,
  type Clock,
  type CreateManagedFlowParams,
  type FlowChange,
  type FlowPage,
  type FlowPageParams,
  type WriteOptions,
  type MutationResult,
  type RunTaskParams,
  type RunTaskResult,
  type TaskFlowRecord,
  type TaskFlowRuntime,
  type TaskRecord,
  type TaskSummary,
} from "@taskflow-webhooks/core";
import { flowTable, insertSql, setSql, taskTable } from "./record-columns.js";
import { DEFAULT_SCHEMA, PostgresTaskFlowSchemaError, SCHEMA_VERSION, checkSchemaName, migrate, readSchemaVersion } from "./schema.js";
import { OutcomeUnknownError, isPersistError, notApplied, persistFailure, statementFailure } from "./storage-errors.js";
import { createPostgresIdempotency, type PostgresIdempotencyStore } from "./postgres-idempotency.js";

export const DEFAULT_QUERY_TIMEOUT_MS = 5_000;
export const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;

export interface PostgresTaskFlowStoreOptions {
  /** `postgres://user:password@host:port/database`. Ignored when `pool` is given. */
  connectionString?: string;
  /** A pg Pool of your own; `close()` leaves it open. Set its connectionTimeoutMillis yourself. */
  pool?: pg.Pool;
  /** The PostgreSQL schema holding the tables (created if absent). Default `taskflow_webhooks`. */
  schema?: string;
  /** Apply pending migrations at open (default true). With false, an outdated schema fails the open. */
  migrate?: boolean;
  /** Longest one statement may take. Default 5000 ms. */
  queryTimeoutMs?: number;
  /** Longest to wait for a connection (own pool only). Default 5000 ms. */
  connectionTimeoutMs?: number;
  /** Connections in the pool this store opens. Default 10. */
  maxConnections?: number;
  clock?: Clock;
  generateId?: () => string;
}

/** The bound handle: the port's `BoundTaskFlow`, every method async, always with `tryCreateManaged`. */
export type PostgresBoundTaskFlow = { readonly sessionKey: string } & {
  [K in Exclude<keyof BoundTaskFlow, "sessionKey">]-?: (
    ...args: Parameters<NonNullable<BoundTaskFlow[K]>>
  ) => Promise<Awaited<ReturnType<NonNullable<BoundTaskFlow[K]>>>>;
};

export interface PostgresTaskFlowStore extends TaskFlowRuntime {
  bindSession(params: { sessionKey: string }): PostgresBoundTaskFlow;
  /**
   * Idempotency records in this database. Every write of a bound handle honours
   * `options.idempotency`: the record commits in the write's own transaction, so a crash
   * never keeps a write and loses its record (or the reverse), on any instance.
   */
  readonly idempotencyStore: PostgresIdempotencyStore;
  /** Ends the pool this store opened (not one passed in). Later calls fail like a storage failure. Idempotent. */
  close(): Promise<void>;
  /** `SELECT 1` answers within the query timeout. Never throws. */
  isHealthy(): Promise<boolean>;
  readonly schema: string;
  readonly schemaVersion: number;
  /** Test hook: stores a flow record exactly as given, replacing one with the same `flowId`. */
  seedUnmanagedFlow(record: TaskFlowRecord): Promise<void>;
  /** Test hook: stores a task record exactly as given, replacing one with the same `taskId`. */
  seedTask(record: TaskRecord): Promise<void>;
}

type Row = Record<string, unknown>;
type Query = (text: string, values?: unknown[]) => Promise<Row[]>;

const TASK_PERSIST_FAILED = "Task persistence failed.";
const FLOW_PERSIST_FAILED = "Flow persistence failed.";

// bigint columns hold epoch milliseconds, exact in a double: parse them as numbers.
const INT8_OID = 20;
const parseTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID && format !== "binary" ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as "text")) as pg.CustomTypesConfig["getTypeParser"],
};

/** Opens (creating and migrating the schema if needed) a store on a PostgreSQL database. */
export async function openPostgresTaskFlowStore(options: PostgresTaskFlowStoreOptions): Promise<PostgresTaskFlowStore> {
  const schema = checkSchemaName(options.schema ?? DEFAULT_SCHEMA);
  const clock = options.clock ?? systemClock;
  const generateId = options.generateId ?? randomUUID;
  const queryTimeoutMs = positive(options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS, "queryTimeoutMs");
  const owned = options.pool === undefined;
  if (owned && !options.connectionString) throw new TypeError("openPostgresTaskFlowStore needs a connectionString or a pool.");
  const pool =
    options.pool ??
    new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: positive(options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS, "connectionTimeoutMs"),
      // The server gives up first (a clean error: not applied); the client-side timeout
      // covers a server or network that does not answer at all.
      statement_timeout: queryTimeoutMs,
      idle_in_transaction_session_timeout: queryTimeoutMs * 2,
      application_name: "taskflow-webhooks",
    });
  // An idle connection that dies (database restarted) must not crash the process; the
  // pool drops it and opens a new one on the next checkout.
  if (owned) pool.on("error", () => {});
  const clientTimeoutMs = queryTimeoutMs + 1_000;

  // A connection that dies while checked out emits 'error' besides failing its query; with
  // no listener that would crash the process. The failed query already reports it.
  const listening = new WeakSet<pg.PoolClient>();
  const connect = async (): Promise<pg.PoolClient> => {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw persistFailure(error);
    }
    if (!listening.has(client)) {
      listening.add(client);
      client.on("error", () => {});
    }
    return client;
  };
  const queryOn =
    (client: pg.PoolClient): Query =>
    async (text, values) => {
      try {
        const result = await client.query({ text, values, types: parseTypes, query_timeout: clientTimeoutMs } as pg.QueryConfig);
        return result.rows as Row[];
      } catch (error) {
        throw statementFailure(error);
      }
    };
  /** One statement on its own connection; a connection that failed is destroyed, not reused. */
  const withClient = async <T>(work: (q: Query) => Promise<T>): Promise<T> => {
    const client = await connect();
    try {
      const result = await work(queryOn(client));
      client.release();
      return result;
    } catch (error) {
      client.release(error instanceof Error ? error : true);
      throw error;
    }
  };
  /** A read: any storage failure is a TaskFlowPersistError (→ 503). */
  const read = async <T>(work: (q: Query) => Promise<T>): Promise<T> => {
    try {
      return await withClient(work);
    } catch (error) {
      throw notApplied(error);
    }
  };
  /** BEGIN … COMMIT. A failure before COMMIT rolled back; a COMMIT without an answer is outcome unknown. */
  const inTransaction = async <T>(work: (q: Query) => Promise<T>): Promise<T> =>
    withClient(async (q) => {
      let result: T;
      try {
        await q("BEGIN");
        result = await work(q);
      } catch (error) {
        // The connection is destroyed on the way out, which rolls the transaction back.
        throw notApplied(error);
      }
      await q("COMMIT");
      return result;
    });

  // Migrate (or check) once at open, on one connection.
  let schemaVersion: number;
  try {
    const client = await pool.connect();
    try {
      if (options.migrate ?? true) await migrate(client, schema);
      schemaVersion = await readSchemaVersion(client, schema);
    } finally {
      client.release();
    }
    if (schemaVersion !== SCHEMA_VERSION) {
      throw new PostgresTaskFlowSchemaError(
        `schema ${schema}: version ${schemaVersion}, this store needs ${SCHEMA_VERSION}. Run \`taskflow-webhooks migrate\` (or open with migrate: true).`,
      );
    }
  } catch (error) {
    if (owned) await pool.end().catch(() => {});
    throw error;
  }

  const flows = `${schema}.flows`;
  const tasks = `${schema}.tasks`;
  const sql = {
    selectFlow: `SELECT * FROM ${flows} WHERE flow_id = $1`,
    selectOwnedFlow: `SELECT * FROM ${flows} WHERE flow_id = $1 AND owner_key = $2`,
    lockOwnedFlow: `SELECT * FROM ${flows} WHERE flow_id = $1 AND owner_key = $2 FOR UPDATE`,
    selectOwnerFlows: `SELECT * FROM ${flows} WHERE owner_key = $1 ORDER BY created_at DESC, seq DESC`,
    selectFlowPage: flowPageStatements(flows),
    selectLatestOwnerFlow: `SELECT * FROM ${flows} WHERE owner_key = $1 ORDER BY created_at DESC, seq DESC LIMIT 1`,
    insertFlow: `${insertSql(schema, flowTable)} RETURNING *`,
    updateFlow: `UPDATE ${flows} ${setSql(flowTable, 3)} WHERE flow_id = $1 AND owner_key = $2 AND revision = $3 RETURNING *`,
    deleteFlow: `DELETE FROM ${flows} WHERE flow_id = $1`,
    selectFlowTasks: `SELECT * FROM ${tasks} WHERE parent_flow_id = $1 ORDER BY seq`,
    lockFlowTasks: `SELECT * FROM ${tasks} WHERE parent_flow_id = $1 ORDER BY seq FOR UPDATE`,
    selectRetriedTask: `SELECT * FROM ${tasks} WHERE parent_flow_id = $1 AND runtime = $2 AND run_id = $3
      AND child_session_key IS NOT DISTINCT FROM $4 ORDER BY seq LIMIT 1`,
    insertTask: `${insertSql(schema, taskTable)} RETURNING *`,
    updateTask: `UPDATE ${tasks} ${setSql(taskTable, 1)} WHERE task_id = $1`,
    // Replacing a task keeps its place (seq) in the flow's task order, like a Map.set.
    upsertTask: `${insertSql(schema, taskTable)} ON CONFLICT (task_id) DO UPDATE SET ${taskTable.columnNames
      .map((n) => `${n} = excluded.${n}`)
      .join(", ")}`,
    // One statement, one snapshot: no row → unknown flow; a row with NULL status → no tasks.
    countFlowTasks: `SELECT t.status, t.runtime, count(t.task_id)::integer AS n
      FROM ${flows} f LEFT JOIN ${tasks} t ON t.parent_flow_id = f.flow_id
      WHERE f.flow_id = $1 AND f.owner_key = $2 GROUP BY t.status, t.runtime`,
  };

  const decodeFlow = (row: Row | undefined) => (row ? flowTable.decode(row) : undefined);
  /**
   * One page in list order, one statement: an index range scan from the place, LIMIT one
   * more than asked (to know whether more follow). The place is the named flow's own
   * (created_at, seq) when the owner has it, else "after everything created at createdAt
   * or later".
   */
  const readFlowPage = async (owner: string, { limit, after, status }: FlowPageParams): Promise<FlowPage> => {
    const values: unknown[] = [owner, limit + 1];
    if (after) values.push(after.flowId, after.createdAt);
    if (status !== undefined) values.push(status);
    const text = sql.selectFlowPage[`${after ? "after" : "first"}${status === undefined ? "" : "Status"}`];
    const rows = await read((q) => q(text, values));
    const more = rows.length > limit;
    return { flows: (more ? rows.slice(0, limit) : rows).map((row) => flowTable.decode(row)), more };
  };
  const readOwnedFlow = (q: Query, owner: string, flowId: string) =>
    q(sql.selectOwnedFlow, [flowId, owner]).then((rows) => decodeFlow(rows[0]));
  const readFlowTasks = (q: Query, flowId: string) =>
    q(sql.selectFlowTasks, [flowId]).then((rows) => rows.map((row) => taskTable.decode(row)));
  /** Best-effort read for a failure answer: the database may be unreachable too. */
  const tryRead = async <T>(work: (q: Query) => Promise<T>): Promise<T | undefined> => {
    try {
      return await read(work);
    } catch (error) {
      if (isPersistError(error)) return undefined;
      throw error;
    }
  };
  /** Writes `next` over `flow` (checked at flow.revision); inside a transaction. */
  const writeFlow = async (q: Query, flow: TaskFlowRecord, next: TaskFlowRecord) => {
    const rows = await q(sql.updateFlow, [flow.flowId, flow.ownerKey, flow.revision, ...flowTable.encode(next)]);
    if (rows.length !== 1) throw new Error(`TaskFlow ${flow.flowId} changed while its row was locked.`);
    return flowTable.decode(rows[0]!);
  };

  // -- operations ---------------------------------------------------------------------

  const idempotency = createPostgresIdempotency(schema, read);

  async function createManagedFlow(
    owner: string,
    params: CreateManagedFlowParams,
    options?: WriteOptions<TaskFlowRecord> | WriteOptions<TaskFlowRecord | null>,
  ): Promise<TaskFlowRecord> {
    const flow = newManagedFlow(params, { flowId: generateId(), ownerKey: owner, now: clock.now() });
    const insert = async (q: Query) => flowTable.decode((await q(sql.insertFlow, flowTable.encode(flow)))[0]!);
    const write = options?.idempotency as WriteOptions<TaskFlowRecord>["idempotency"];
    if (!write) return withClient(insert);
    return inTransaction(async (q) => {
      const created = await insert(q);
      await idempotency.recordInTransaction(q, write, created);
      return created;
    });
  }

  async function mutateFlow(
    owner: string,
    params: { flowId: string; expectedRevision: number },
    change: (now: number) => FlowChange,
    options?: WriteOptions<MutationResult>,
  ): Promise<MutationResult> {
    const why = (flow: TaskFlowRecord | undefined): MutationResult => {
      if (!flow) return { applied: false, code: "not_found" };
      if (flow.syncMode !== "managed") return { applied: false, code: "not_managed", current: flow };
      return { applied: false, code: "revision_conflict", current: flow };
    };
    let flow: TaskFlowRecord | undefined;
    const write = options?.idempotency;
    try {
      if (write) {
        // With an idempotency record: one transaction holding the row lock, so the write and
        // its record commit together.
        return await inTransaction(async (q) => {
          const locked = decodeFlow((await q(sql.lockOwnedFlow, [params.flowId, owner]))[0]);
          flow = locked;
          let outcome: MutationResult;
          if (!locked || locked.syncMode !== "managed" || locked.revision !== params.expectedRevision) outcome = why(locked);
          else {
            const now = clock.now();
            outcome = { applied: true, flow: await writeFlow(q, locked, applyChange(locked, change(now), now)) };
          }
          await idempotency.recordInTransaction(q, write, outcome);
          return outcome;
        });
      }
      flow = await read((q) => readOwnedFlow(q, owner, params.flowId));
      if (!flow || flow.syncMode !== "managed" || flow.revision !== params.expectedRevision) return why(flow);
      const now = clock.now();
      const next = applyChange(flow, change(now), now);
      const rows = await withClient((q) =>
        q(sql.updateFlow, [params.flowId, owner, params.expectedRevision, ...flowTable.encode(next)]),
      );
      if (rows.length === 1) return { applied: true, flow: flowTable.decode(rows[0]!) };
      // Someone else wrote first (or deleted it): say why from the row as it is now.
      return why(await read((q) => readOwnedFlow(q, owner, params.flowId)));
    } catch (error) {
      if (!isPersistError(error)) throw error;
      const current = flow && (await tryRead((q) => readOwnedFlow(q, owner, params.flowId)));
      return current ? { applied: false, code: "persist_failed", current } : { applied: false, code: "persist_failed" };
    }
  }

  async function cancelFlow(owner: string, flowId: string, options?: WriteOptions<CancelResult>): Promise<CancelResult> {
    try {
      return await inTransaction(async (q) => {
        const outcome = await cancelIn(q, owner, flowId);
        await idempotency.recordInTransaction(q, options?.idempotency, outcome);
        return outcome;
      });
    } catch (error) {
      if (!isPersistError(error)) throw error;
      // Nothing was written (rolled back). The flow may be unreadable too.
      const flow = await tryRead((q) => readOwnedFlow(q, owner, flowId));
      const children = flow ? await tryRead((q) => readFlowTasks(q, flowId)) : undefined;
      return { found: true, cancelled: false, reason: FLOW_PERSIST_FAILED, ...(flow && { flow }), ...(children && { tasks: children }) };
    }
  }

  async function cancelIn(q: Query, owner: string, flowId: string): Promise<CancelResult> {
    const flow = decodeFlow((await q(sql.lockOwnedFlow, [flowId, owner]))[0]);
    if (!flow) return { found: false, cancelled: false, reason: "Flow not found." };
    const children = (await q(sql.lockFlowTasks, [flowId])).map((row) => taskTable.decode(row));
    if (isTerminalFlow(flow)) return { found: true, cancelled: false, reason: `Flow is already ${flow.status}.`, flow, tasks: children };
    const now = clock.now();
    // Like the reference: record the request (its own revision), then end the flow;
    // both land in one UPDATE at the end of this transaction.
    let next = flow;
    if (next.cancelRequestedAt == null) next = applyChange(next, requestCancelChange(now), now);
    const settled = children.map((task) => (isActiveTask(task) ? cancelledTask(task, now) : task));
    for (let i = 0; i < settled.length; i++) {
      if (settled[i] !== children[i]) await q(sql.updateTask, [settled[i]!.taskId, ...taskTable.encode(settled[i]!)]);
    }
    next = applyChange(next, cancelledChange(now), now);
    const written = await writeFlow(q, flow, next);
    return { found: true, cancelled: true, flow: written, tasks: await readFlowTasks(q, flowId) };
  }

  async function runTask(owner: string, params: RunTaskParams, options?: WriteOptions<RunTaskResult>): Promise<RunTaskResult> {
    try {
      return await inTransaction(async (q) => {
        const outcome = await runTaskIn(q, owner, params);
        await idempotency.recordInTransaction(q, options?.idempotency, outcome);
        return outcome;
      });
    } catch (error) {
      if (!isPersistError(error)) throw error;
      const flow = await tryRead((q) => readOwnedFlow(q, owner, params.flowId));
      return { created: false, found: true, reason: TASK_PERSIST_FAILED, ...(flow && { flow }) };
    }
  }

  async function runTaskIn(q: Query, owner: string, params: RunTaskParams): Promise<RunTaskResult> {
    const flow = decodeFlow((await q(sql.lockOwnedFlow, [params.flowId, owner]))[0]);
    if (!flow) return { created: false, found: false, reason: "Flow not found." };
    const refusal = runTaskRefusal(flow);
    if (refusal) return { created: false, found: true, reason: refusal, flow };
    // A retry names the same run: same runId, runtime, flow and child session.
    if (params.runId) {
      const retried = await q(sql.selectRetriedTask, [flow.flowId, params.runtime, params.runId, params.childSessionKey ?? null]);
      if (retried[0]) return { created: true, flow, task: taskTable.decode(retried[0]) };
    }
    // Recording a child does not touch the flow, so its revision stays put.
    const task = newTaskRecord(flow, params, { taskId: generateId(), now: clock.now() });
    const rows = await q(sql.insertTask, taskTable.encode(task));
    return { created: true, flow, task: taskTable.decode(rows[0]!) };
  }

  async function taskSummary(owner: string, flowId: string): Promise<TaskSummary | undefined> {
    const rows = await read((q) => q(sql.countFlowTasks, [flowId, owner]));
    if (rows.length === 0) return undefined;
    return summarizeCounts(rows.filter((r) => r.status !== null) as Array<{ status: string; runtime: string; n: number }>);
  }

  function bindSession({ sessionKey }: { sessionKey: string }): PostgresBoundTaskFlow {
    // An empty owner would make every unowned lookup match: a caller bug, not a state.
    if (typeof sessionKey !== "string" || sessionKey.trim() === "") {
      throw new TypeError("bindSession requires a non-empty sessionKey.");
    }
    const owner = sessionKey;
    const latest = () => read((q) => q(sql.selectLatestOwnerFlow, [owner])).then((rows) => decodeFlow(rows[0]));
    return {
      sessionKey,
      // A TaskFlowPersistError ("TaskFlow persistence failed.") or an OutcomeUnknownError.
      createManaged: (params, options) => createManagedFlow(owner, params, options),
      async tryCreateManaged(params, options) {
        try {
          return await createManagedFlow(owner, params, options);
        } catch (error) {
          if (isPersistError(error)) return null;
          throw error;
        }
      },
      get: (flowId) => read((q) => readOwnedFlow(q, owner, flowId)),
      list: () => read((q) => q(sql.selectOwnerFlows, [owner])).then((rows) => rows.map((row) => flowTable.decode(row))),
      listPage: (params) => readFlowPage(owner, params),
      findLatest: latest,
      async resolve(token) {
        const direct = await read((q) => readOwnedFlow(q, owner, token));
        if (direct) return direct;
        // The owner's own session key names its latest flow; any other key names nothing.
        return token.trim() === owner.trim() ? latest() : undefined;
      },
      getTaskSummary: (flowId) => taskSummary(owner, flowId),
      setWaiting: (params, options) => mutateFlow(owner, params, () => setWaitingChange(params), options),
      resume: (params, options) => mutateFlow(owner, params, () => resumeChange(params), options),
      finish: (params, options) => mutateFlow(owner, params, (now) => finishChange(params, now), options),
      fail: (params, options) => mutateFlow(owner, params, (now) => failChange(params, now), options),
      requestCancel: (params, options) => mutateFlow(owner, params, requestCancelChange, options),
      cancel: ({ flowId }, options) => cancelFlow(owner, flowId, options),
      runTask: (params, options) => runTask(owner, params, options),
    };
  }

  let closed = false;
  return {
    bindSession,
    idempotencyStore: idempotency.store,
    schema,
    schemaVersion,
    async close() {
      if (closed) return;
      closed = true;
      if (owned) await pool.end();
    },
    async isHealthy() {
      if (closed) return false;
      try {
        return (await read((q) => q("SELECT 1 AS ok"))).length === 1;
      } catch {
        return false;
      }
    },
    async seedUnmanagedFlow(record) {
      await inTransaction(async (q) => {
        // Like the reference, a replaced flow counts as newly inserted for list() ties.
        await q(sql.deleteFlow, [record.flowId]);
        await q(sql.insertFlow, flowTable.encode(record));
      });
    },
    async seedTask(record) {
      await withClient((q) => q(sql.upsertTask, taskTable.encode(record)));
    },
  };
}

/** The four page queries: first page or after a place, all statuses or one. $1 owner, $2 limit. */
function flowPageStatements(flows: string) {
  const query = (after: boolean, status: boolean) => {
    const statusParam = after ? "$5" : "$3";
    // A seq of 0 sorts after every real row (identity starts at 1): "created before createdAt".
    const place = after
      ? ` AND (created_at, seq) < (SELECT COALESCE(max(created_at), $4::bigint), COALESCE(max(seq), 0) FROM ${flows} WHERE flow_id = $3 AND owner_key = $1)`
      : "";
    return (
      `SELECT * FROM ${flows} WHERE owner_key = $1${status ? ` AND status = ${statusParam}` : ""}${place}` +
      " ORDER BY created_at DESC, seq DESC LIMIT $2"
    );
  };
  return { first: query(false, false), firstStatus: query(false, true), after: query(true, false), afterStatus: query(true, true) };
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`${name} must be a positive number of milliseconds, not ${value}.`);
  return Math.ceil(value);
}
