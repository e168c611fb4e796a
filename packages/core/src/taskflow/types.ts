// The TaskFlow port: the records and the owner-bound handle every backend implements
// (OpenClaw's runtime, the memory runtime, SQLite). Semantics: pinned by the TaskFlow conformance kit (testing/conformance.ts).
import type { CompleteOptions, IdempotencyStore, StoredAnswer } from "../ports/idempotency-store.js";

/** A value a method may return synchronously or as a Promise. */
export type MaybePromise<T> = T | Promise<T>;

/** Any JSON value. Stores deep-copy it on the way in and out. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export const FLOW_STATUSES = [
  "queued",
  "running",
  "waiting",
  "blocked",
  "succeeded",
  "failed",
  "cancelled",
  "lost",
] as const;
export type FlowStatus = (typeof FLOW_STATUSES)[number];

/** Statuses after which a flow accepts no more child tasks and cannot be cancelled. */
export const TERMINAL_FLOW_STATUSES: readonly FlowStatus[] = ["succeeded", "failed", "cancelled", "lost"];

export const NOTIFY_POLICIES = ["done_only", "state_changes", "silent"] as const;
export type NotifyPolicy = (typeof NOTIFY_POLICIES)[number];

export const TASK_STATUSES = [
  "queued",
  "running",
  "succeeded",
  "failed",
  "timed_out",
  "cancelled",
  "lost",
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TASK_RUNTIMES = ["subagent", "acp", "cli", "cron"] as const;
export type TaskRuntime = (typeof TASK_RUNTIMES)[number];

export type SyncMode = "managed" | "task_mirrored";

export interface TaskFlowRecord {
  flowId: string;
  syncMode: SyncMode;
  /** Internal: the owning session key. Never shown to callers. */
  ownerKey: string;
  controllerId?: string;
  revision: number;
  status: FlowStatus;
  notifyPolicy: NotifyPolicy;
  goal: string;
  currentStep?: string | null;
  blockedTaskId?: string | null;
  blockedSummary?: string | null;
  stateJson?: JsonValue;
  waitJson?: JsonValue;
  cancelRequestedAt?: number | null;
  createdAt: number;
  updatedAt: number;
  endedAt?: number | null;
  /** Internal fields some runtimes carry; never shown. */
  requesterOrigin?: unknown;
  chainId?: unknown;
  [extra: string]: unknown;
}

export interface TaskRecord {
  taskId: string;
  runtime: TaskRuntime;
  /** Internal owner fields. Never shown. */
  ownerKey?: string;
  requesterSessionKey?: string;
  requesterAgentId?: string;
  taskKind?: string;
  metadata?: unknown;
  scopeKind: string;
  parentFlowId?: string;
  sourceId?: string;
  childSessionKey?: string;
  parentTaskId?: string;
  agentId?: string;
  runId?: string;
  label?: string;
  task: string;
  status: TaskStatus;
  deliveryStatus: string;
  notifyPolicy: NotifyPolicy;
  createdAt: number;
  startedAt?: number;
  lastEventAt?: number;
  endedAt?: number;
  cleanupAfter?: number;
  error?: string;
  progressSummary?: string | null;
  terminalSummary?: string;
  terminalOutcome?: string;
  [extra: string]: unknown;
}

export interface TaskSummary {
  total: number;
  active: number;
  terminal: number;
  failures: number;
  byStatus: Record<TaskStatus, number>;
  byRuntime: Record<TaskRuntime, number>;
}

export interface CreateManagedFlowParams {
  controllerId: string;
  goal: string;
  status?: "queued" | "running" | "waiting" | "blocked";
  notifyPolicy?: NotifyPolicy;
  currentStep?: string | null;
  stateJson?: JsonValue;
  waitJson?: JsonValue;
}

interface RevisionParams {
  flowId: string;
  expectedRevision: number;
}

export interface SetWaitingParams extends RevisionParams {
  currentStep?: string | null;
  stateJson?: JsonValue;
  waitJson?: JsonValue;
  blockedTaskId?: string | null;
  blockedSummary?: string | null;
}

export interface ResumeParams extends RevisionParams {
  status?: "queued" | "running";
  currentStep?: string | null;
  stateJson?: JsonValue;
}

export interface FinishParams extends RevisionParams {
  stateJson?: JsonValue;
}

export interface FailParams extends RevisionParams {
  stateJson?: JsonValue;
  blockedTaskId?: string | null;
  blockedSummary?: string | null;
}

export type RequestCancelParams = RevisionParams;

export type MutationFailureCode = "not_found" | "not_managed" | "revision_conflict" | "persist_failed";

export type MutationResult =
  | { applied: true; flow: TaskFlowRecord }
  | { applied: false; code: MutationFailureCode; current?: TaskFlowRecord };

export interface CancelParams {
  flowId: string;
}

export interface CancelResult {
  found: boolean;
  cancelled: boolean;
  reason?: string;
  flow?: TaskFlowRecord;
  tasks?: TaskRecord[];
}

export interface RunTaskParams {
  flowId: string;
  runtime: TaskRuntime;
  task: string;
  sourceId?: string;
  childSessionKey?: string;
  parentTaskId?: string;
  agentId?: string;
  runId?: string;
  label?: string;
  preferMetadata?: boolean;
  notifyPolicy?: NotifyPolicy;
  status?: "queued" | "running";
  startedAt?: number;
  lastEventAt?: number;
  progressSummary?: string | null;
}

export type RunTaskResult =
  | { created: true; flow: TaskFlowRecord; task: TaskRecord }
  | { created: false; found: boolean; reason: string; flow?: TaskFlowRecord };

/**
 * A place in `list()` order (createdAt DESC, then insertion DESC): "after the flow with
 * this id". When the owner has no flow with that id (never had, or it is gone), the place
 * is "after every flow created at `createdAt` or later". Built by the core from the last
 * flow of a page; a store never needs to invent one.
 */
export interface FlowPosition {
  createdAt: number;
  flowId: string;
}

export interface FlowPageParams {
  /** At most this many flows (a positive integer). */
  limit: number;
  /** Start after this place; absent: from the newest flow. */
  after?: FlowPosition;
  /** Only flows with this status. */
  status?: FlowStatus;
}

export interface FlowPage {
  /** The owner's flows after `after`, in `list()` order, at most `limit`. */
  flows: TaskFlowRecord[];
  /** More flows (matching `status`) follow the last one. */
  more: boolean;
}

/**
 * Completes an idempotency reservation inside a write's own transaction, so a crash can
 * never keep the write and lose its record (or the reverse). The core passes it only to
 * runtimes that declare `idempotencyStore` (see TaskFlowRuntime).
 *
 * A runtime honouring it, after applying the write and before committing, calls
 * `answerFor(outcome)` with exactly what the method is about to return. When that yields an
 * answer, the runtime stores it as `idempotencyStore.complete(scope, token, answer,
 * {now, ttlMs})` would, in the same transaction (a no-op when `token` no longer holds the
 * reservation). `undefined` means "not an outcome" (e.g. a storage failure): store nothing.
 * A write that throws or rolls back stores nothing either; the core then releases.
 */
export interface IdempotentWrite<Outcome> extends CompleteOptions {
  scope: string;
  token: string;
  answerFor(outcome: Outcome): StoredAnswer | undefined;
}

/** Per-call options of the write methods. */
export interface WriteOptions<Outcome> {
  idempotency?: IdempotentWrite<Outcome>;
}

/** A TaskFlow handle bound to one owner session. Every method may return a Promise. */
export interface BoundTaskFlow {
  readonly sessionKey: string;
  createManaged(params: CreateManagedFlowParams, options?: WriteOptions<TaskFlowRecord>): MaybePromise<TaskFlowRecord>;
  /** Like createManaged, but answers `null` when storage fails. */
  tryCreateManaged?(
    params: CreateManagedFlowParams,
    options?: WriteOptions<TaskFlowRecord | null>,
  ): MaybePromise<TaskFlowRecord | null>;
  get(flowId: string): MaybePromise<TaskFlowRecord | undefined>;
  list(): MaybePromise<TaskFlowRecord[]>;
  /**
   * One page of `list()`, read natively (an index and a LIMIT; only the page is copied).
   * Optional: without it the core pages over `list()` (bounded answers, unbounded reads).
   */
  listPage?(params: FlowPageParams): MaybePromise<FlowPage>;
  findLatest(): MaybePromise<TaskFlowRecord | undefined>;
  resolve(token: string): MaybePromise<TaskFlowRecord | undefined>;
  getTaskSummary(flowId: string): MaybePromise<TaskSummary | undefined>;
  setWaiting(params: SetWaitingParams, options?: WriteOptions<MutationResult>): MaybePromise<MutationResult>;
  resume(params: ResumeParams, options?: WriteOptions<MutationResult>): MaybePromise<MutationResult>;
  finish(params: FinishParams, options?: WriteOptions<MutationResult>): MaybePromise<MutationResult>;
  fail(params: FailParams, options?: WriteOptions<MutationResult>): MaybePromise<MutationResult>;
  requestCancel(params: RequestCancelParams, options?: WriteOptions<MutationResult>): MaybePromise<MutationResult>;
  cancel(params: CancelParams, options?: WriteOptions<CancelResult>): MaybePromise<CancelResult>;
  runTask(params: RunTaskParams, options?: WriteOptions<RunTaskResult>): MaybePromise<RunTaskResult>;
}

/** The runtime the core binds one handle per route from. */
export interface TaskFlowRuntime {
  bindSession(params: { sessionKey: string }): BoundTaskFlow;
  /**
   * Present when the runtime keeps idempotency records in its own storage and every write
   * of its bound handles honours `options.idempotency` (IdempotentWrite) in the write's
   * transaction. The core then uses this store (unless the host passes another one) and
   * never calls `complete` itself for a write; `reserve` and `release` go through it as usual.
   * Runtimes without it get no write options at all.
   */
  readonly idempotencyStore?: IdempotencyStore;
}
