// The memory TaskFlow runtime: the reference store for tests and quick starts.
// Semantics: the TaskFlow conformance kit (core/src/testing/conformance.ts). Every record is deep-copied on the way in and out,
// so a caller can never reach into the store, and no state is shared between runtimes.
import { randomUUID } from "node:crypto";
import { systemClock, type Clock } from "../ports/clock.js";
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
  type FlowChange,
} from "./flow-changes.js";
import {
  type BoundTaskFlow,
  type CancelResult,
  type CreateManagedFlowParams,
  type FlowPage,
  type FlowPageParams,
  type MutationResult,
  type RequestCancelParams,
  type RunTaskParams,
  type RunTaskResult,
  type TaskFlowRecord,
  type TaskFlowRuntime,
  type TaskRecord,
  type TaskSummary,
} from "./types.js";

export interface MemoryTaskFlowRuntimeOptions {
  /** Source of every timestamp. Default: the system clock. */
  clock?: Clock;
  /** Source of flow and task ids. Default: `crypto.randomUUID()`. */
  generateId?: () => string;
}

/** The memory runtime, plus test hooks that are not part of the TaskFlow port. */
export interface MemoryTaskFlowRuntime extends TaskFlowRuntime {
  /**
   * Stores a flow record exactly as given (a copy), replacing one with the same `flowId`.
   * Lets tests reach states the port cannot create, e.g. a `task_mirrored` flow
   * (`not_managed` paths) or a `lost` one.
   */
  seed(record: TaskFlowRecord): void;
  /** Stores a task record exactly as given (a copy), e.g. a `failed` child for summaries. */
  seedTask(record: TaskRecord): void;
  /**
   * Makes the next `count` writes fail as a storage failure would (default 1). A write
   * is one createManaged, one applied mutation, one runTask record, or one of cancel's
   * steps (request, settle children, cancel flow). Checks that refuse before writing
   * do not use it up.
   */
  failNextWrite(count?: number): void;
}


interface StoredFlow {
  record: TaskFlowRecord;
  /** Insertion order: breaks `createdAt` ties in `list()` (later insertion first). */
  seq: number;
}

interface MemoryStore {
  readonly clock: Clock;
  readonly generateId: () => string;
  readonly flows: Map<string, StoredFlow>;
  /** Insertion order is the order `cancel` reports a flow's tasks in. */
  readonly tasks: Map<string, TaskRecord>;
  nextSeq: number;
  failingWrites: number;
}

export function createMemoryTaskFlowRuntime(options: MemoryTaskFlowRuntimeOptions = {}): MemoryTaskFlowRuntime {
  const store: MemoryStore = {
    clock: options.clock ?? systemClock,
    generateId: options.generateId ?? randomUUID,
    flows: new Map(),
    tasks: new Map(),
    nextSeq: 0,
    failingWrites: 0,
  };
  return {
    bindSession: ({ sessionKey }) => bindMemorySession(store, sessionKey),
    seed(record) {
      insertFlow(store, structuredClone(record));
    },
    seedTask(record) {
      store.tasks.set(record.taskId, structuredClone(record));
    },
    failNextWrite(count = 1) {
      if (!Number.isInteger(count) || count < 0) throw new RangeError("failNextWrite needs a count of 0 or more.");
      store.failingWrites += count;
    },
  };
}

function bindMemorySession(store: MemoryStore, sessionKey: string): BoundTaskFlow {
  // An empty owner would make every unowned lookup match: a caller bug, not a state.
  if (typeof sessionKey !== "string" || sessionKey.trim() === "") {
    throw new TypeError("bindSession requires a non-empty sessionKey.");
  }
  const owner = sessionKey;
  return {
    sessionKey,
    createManaged: (params) => {
      const flow = createManagedFlow(store, owner, params);
      if (!flow) throw new Error("TaskFlow persistence failed.");
      return flow;
    },
    tryCreateManaged: (params) => createManagedFlow(store, owner, params),
    get: (flowId) => copyOrUndefined(ownedFlow(store, owner, flowId)?.record),
    list: () => ownedFlowsNewestFirst(store, owner).map((stored) => copy(stored.record)),
    listPage: (params) => flowPage(store, owner, params),
    findLatest: () => copyOrUndefined(ownedFlowsNewestFirst(store, owner)[0]?.record),
    resolve: (token) => resolveFlow(store, owner, token),
    getTaskSummary: (flowId) => (ownedFlow(store, owner, flowId) ? summarizeTasks(flowTasks(store, flowId)) : undefined),
    // Params are copied so their JSON is deep-copied into the store.
    setWaiting: (params) => mutateFlow(store, owner, params, () => setWaitingChange(copy(params))),
    resume: (params) => mutateFlow(store, owner, params, () => resumeChange(copy(params))),
    finish: (params) => mutateFlow(store, owner, params, (now) => finishChange(copy(params), now)),
    fail: (params) => mutateFlow(store, owner, params, (now) => failChange(copy(params), now)),
    requestCancel: (params: RequestCancelParams) => mutateFlow(store, owner, params, requestCancelChange),
    cancel: ({ flowId }) => cancelFlow(store, owner, flowId),
    runTask: (params) => runTask(store, owner, params),
  };
}

// ---------------------------------------------------------------------------
// Storage primitives

/** Applies `apply` unless a simulated storage failure is armed; answers whether it did. */
function write(store: MemoryStore, apply: () => void): boolean {
  if (store.failingWrites > 0) {
    store.failingWrites -= 1;
    return false;
  }
  apply();
  return true;
}

function insertFlow(store: MemoryStore, record: TaskFlowRecord): void {
  store.flows.set(record.flowId, { record, seq: store.nextSeq++ });
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

function copyOrUndefined<T>(value: T | undefined): T | undefined {
  return value === undefined ? undefined : structuredClone(value);
}

/** A flow of another session is indistinguishable from a missing one. */
function ownedFlow(store: MemoryStore, owner: string, flowId: string): StoredFlow | undefined {
  const stored = store.flows.get(flowId);
  return stored && stored.record.ownerKey === owner ? stored : undefined;
}

function ownedFlowsNewestFirst(store: MemoryStore, owner: string): StoredFlow[] {
  return [...store.flows.values()]
    .filter((stored) => stored.record.ownerKey === owner)
    .sort(newestFirst);
}

/** `list()` order: newest createdAt first, later insertion first among ties. */
const newestFirst = (x: StoredFlow, y: StoredFlow) => y.record.createdAt - x.record.createdAt || y.seq - x.seq;

/**
 * One page in list order. Only the page's records are copied; the scan keeps references.
 * The place is the named flow's own (createdAt, seq) when the owner has it, else "after
 * everything created at `createdAt` or later".
 */
function flowPage(store: MemoryStore, owner: string, params: FlowPageParams): FlowPage {
  const { after, status, limit } = params;
  const from = after ? ownedFlow(store, owner, after.flowId) : undefined;
  const createdAt = from ? from.record.createdAt : (after?.createdAt ?? Infinity);
  const seq = from ? from.seq : -Infinity; // not the owner's: no flow of that same createdAt follows
  const candidates: StoredFlow[] = [];
  for (const stored of store.flows.values()) {
    const record = stored.record;
    if (record.ownerKey !== owner || (status !== undefined && record.status !== status)) continue;
    if (record.createdAt < createdAt || (record.createdAt === createdAt && stored.seq < seq)) candidates.push(stored);
  }
  candidates.sort(newestFirst);
  return { flows: candidates.slice(0, limit).map((stored) => copy(stored.record)), more: candidates.length > limit };
}

function flowTasks(store: MemoryStore, flowId: string): TaskRecord[] {
  return [...store.tasks.values()].filter((task) => task.parentFlowId === flowId);
}

// ---------------------------------------------------------------------------
// Reads

function resolveFlow(store: MemoryStore, owner: string, token: string): TaskFlowRecord | undefined {
  const direct = ownedFlow(store, owner, token);
  if (direct) return copy(direct.record);
  // The owner's own session key names its latest flow; any other key names nothing.
  if (token.trim() !== owner.trim()) return undefined;
  return copyOrUndefined(ownedFlowsNewestFirst(store, owner)[0]?.record);
}

const summarizeTasks = (tasks: readonly TaskRecord[]): TaskSummary =>
  summarizeCounts(tasks.map((task) => ({ status: task.status, runtime: task.runtime, n: 1 })));

// ---------------------------------------------------------------------------
// Flow writes

function createManagedFlow(store: MemoryStore, owner: string, params: CreateManagedFlowParams): TaskFlowRecord | null {
  // Copying the params copies their JSON in, so the caller keeps no handle on stored data.
  const record = newManagedFlow(copy(params), { flowId: store.generateId(), ownerKey: owner, now: store.clock.now() });
  return write(store, () => insertFlow(store, record)) ? copy(record) : null;
}

/** Applies a change as one write: revision +1, `updatedAt` now. Answers whether it was stored. */
function writeFlowChange(store: MemoryStore, stored: StoredFlow, change: FlowChange, now: number): boolean {
  const next = applyChange(stored.record, change, now);
  return write(store, () => {
    stored.record = next;
  });
}

/** Optimistic concurrency: only owner, managed mode and revision are checked, in that order. */
function mutateFlow(
  store: MemoryStore,
  owner: string,
  params: { flowId: string; expectedRevision: number },
  change: (now: number) => FlowChange,
): MutationResult {
  const stored = ownedFlow(store, owner, params.flowId);
  if (!stored) return { applied: false, code: "not_found" };
  if (stored.record.syncMode !== "managed") return { applied: false, code: "not_managed", current: copy(stored.record) };
  if (stored.record.revision !== params.expectedRevision) {
    return { applied: false, code: "revision_conflict", current: copy(stored.record) };
  }
  const now = store.clock.now();
  if (!writeFlowChange(store, stored, change(now), now)) {
    return { applied: false, code: "persist_failed", current: copy(stored.record) };
  }
  return { applied: true, flow: copy(stored.record) };
}

// ---------------------------------------------------------------------------
// cancel

function cancelFlow(store: MemoryStore, owner: string, flowId: string): CancelResult {
  const stored = ownedFlow(store, owner, flowId);
  if (!stored) return { found: false, cancelled: false, reason: "Flow not found." };
  const refuse = (reason: string): CancelResult => ({
    found: true,
    cancelled: false,
    reason,
    flow: copy(stored.record),
    tasks: copy(flowTasks(store, flowId)),
  });
  if (isTerminalFlow(stored.record)) return refuse(`Flow is already ${stored.record.status}.`);
  const now = store.clock.now();
  // Like the reference, cancel first records the request (its own revision), then ends the flow.
  if (stored.record.cancelRequestedAt == null) {
    if (!writeFlowChange(store, stored, requestCancelChange(now), now)) {
      return refuse("Flow persistence failed.");
    }
  }
  if (!settleActiveTasks(store, flowId, now)) return refuse("One or more child tasks are still active.");
  if (!writeFlowChange(store, stored, cancelledChange(now), now)) return refuse("Flow persistence failed.");
  return { found: true, cancelled: true, flow: copy(stored.record), tasks: copy(flowTasks(store, flowId)) };
}

/**
 * An embedded store has no live runs to stop, so it cancels its own queued and running
 * records (one write). The reference would wait forever here ("We go further").
 */
function settleActiveTasks(store: MemoryStore, flowId: string, now: number): boolean {
  const active = flowTasks(store, flowId).filter(isActiveTask);
  if (active.length === 0) return true;
  return write(store, () => {
    for (const task of active) {
      store.tasks.set(task.taskId, cancelledTask(task, now));
    }
  });
}

// ---------------------------------------------------------------------------
// runTask

/** A retry names the same run: same `runId`, runtime, flow and child session. */
function findRetriedTask(store: MemoryStore, flowId: string, params: RunTaskParams): TaskRecord | undefined {
  if (!params.runId) return undefined;
  return flowTasks(store, flowId).find(
    (task) =>
      task.runId === params.runId &&
      task.runtime === params.runtime &&
      task.childSessionKey === params.childSessionKey,
  );
}

function runTask(store: MemoryStore, owner: string, params: RunTaskParams): RunTaskResult {
  const stored = ownedFlow(store, owner, params.flowId);
  if (!stored) return { created: false, found: false, reason: "Flow not found." };
  const refusal = runTaskRefusal(stored.record);
  if (refusal) return { created: false, found: true, reason: refusal, flow: copy(stored.record) };
  const retried = findRetriedTask(store, stored.record.flowId, params);
  if (retried) return { created: true, flow: copy(stored.record), task: copy(retried) };
  const task = newTaskRecord(stored.record, params, { taskId: store.generateId(), now: store.clock.now() });
  // Recording a child does not touch the flow, so its revision stays put.
  if (!write(store, () => store.tasks.set(task.taskId, task))) {
    return { created: false, found: true, reason: "Task persistence failed.", flow: copy(stored.record) };
  }
  return { created: true, flow: copy(stored.record), task: copy(task) };
}
