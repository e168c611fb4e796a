// What each TaskFlow operation does to a record, as pure functions of (record, params, now).
// Shared by the embedded stores (memory, SQLite) so they agree field for field: which keys
// are set, which are removed (absent, not `null`), and what `null` means. Exported for
// authors of other TaskFlow backends.
import {
  TASK_RUNTIMES,
  TASK_STATUSES,
  TERMINAL_FLOW_STATUSES,
  type CreateManagedFlowParams,
  type FailParams,
  type FinishParams,
  type JsonValue,
  type ResumeParams,
  type RunTaskParams,
  type SetWaitingParams,
  type TaskFlowRecord,
  type TaskRecord,
  type TaskStatus,
  type TaskSummary,
} from "./types.js";

/** What one applied change sets, and which keys it removes. */
export interface FlowChange {
  set: Partial<TaskFlowRecord>;
  remove?: readonly string[];
}

const BLOCKED_FIELDS = ["blockedTaskId", "blockedSummary"] as const;
type ClearableText = "currentStep" | (typeof BLOCKED_FIELDS)[number];
type JsonField = "stateJson" | "waitJson";

/** Text fields: `undefined` leaves the field alone, `null` removes it, a string sets it. */
function givenText(params: Partial<Record<ClearableText, string | null>>, keys: readonly ClearableText[]): FlowChange {
  const set: Partial<TaskFlowRecord> = {};
  const remove: string[] = [];
  for (const key of keys) {
    const value = params[key];
    if (value === null) remove.push(key);
    else if (value !== undefined) set[key] = value;
  }
  return { set, remove };
}

/** JSON fields: `undefined` leaves the field alone; anything else, `null` included, is stored. */
function givenJson(params: Partial<Record<JsonField, JsonValue>>, keys: readonly JsonField[]): FlowChange {
  const set: Partial<TaskFlowRecord> = {};
  for (const key of keys) if (params[key] !== undefined) set[key] = params[key];
  return { set };
}

function merge(...changes: FlowChange[]): FlowChange {
  return {
    set: Object.assign({}, ...changes.map((change) => change.set)) as Partial<TaskFlowRecord>,
    remove: changes.flatMap((change) => change.remove ?? []),
  };
}

const isNonEmptyText = (value: string | null | undefined) => typeof value === "string" && value.trim() !== "";

export function newManagedFlow(
  params: CreateManagedFlowParams,
  ids: { flowId: string; ownerKey: string; now: number },
): TaskFlowRecord {
  return {
    flowId: ids.flowId,
    syncMode: "managed",
    ownerKey: ids.ownerKey,
    controllerId: params.controllerId,
    revision: 0,
    // No check that a blocked flow names what blocks it: the reference accepts it bare.
    status: params.status ?? "queued",
    notifyPolicy: params.notifyPolicy ?? "done_only",
    goal: params.goal,
    ...(typeof params.currentStep === "string" ? { currentStep: params.currentStep } : {}),
    ...givenJson(params, ["stateJson", "waitJson"]).set,
    createdAt: ids.now,
    updatedAt: ids.now,
  };
}

export function setWaitingChange(params: SetWaitingParams): FlowChange {
  // Only the given blocked fields decide the status, not ones already on the flow.
  const blocked = isNonEmptyText(params.blockedTaskId) || isNonEmptyText(params.blockedSummary);
  return merge(
    { set: { status: blocked ? "blocked" : "waiting" }, remove: ["endedAt"] },
    givenText(params, ["currentStep", ...BLOCKED_FIELDS]),
    givenJson(params, ["stateJson", "waitJson"]),
  );
}

export function resumeChange(params: ResumeParams): FlowChange {
  return merge(
    { set: { status: params.status ?? "queued", waitJson: null }, remove: [...BLOCKED_FIELDS, "endedAt"] },
    givenText(params, ["currentStep"]),
    givenJson(params, ["stateJson"]),
  );
}

export function finishChange(params: FinishParams, now: number): FlowChange {
  return merge(
    { set: { status: "succeeded", endedAt: now, waitJson: null }, remove: BLOCKED_FIELDS },
    givenJson(params, ["stateJson"]),
  );
}

export function failChange(params: FailParams, now: number): FlowChange {
  return merge(
    { set: { status: "failed", endedAt: now, waitJson: null } },
    givenText(params, BLOCKED_FIELDS),
    givenJson(params, ["stateJson"]),
  );
}

export const requestCancelChange = (now: number): FlowChange => ({ set: { cancelRequestedAt: now } });

export const cancelledChange = (now: number): FlowChange => ({
  set: { status: "cancelled", endedAt: now, waitJson: null },
  remove: BLOCKED_FIELDS,
});

/** One applied change: revision +1 and `updatedAt` now. */
export function applyChange(record: TaskFlowRecord, change: FlowChange, now: number): TaskFlowRecord {
  const next: TaskFlowRecord = { ...record, ...change.set, revision: record.revision + 1, updatedAt: now };
  for (const key of change.remove ?? []) delete next[key];
  return next;
}

export const isTerminalFlow = (record: TaskFlowRecord) => TERMINAL_FLOW_STATUSES.includes(record.status);

export const isActiveTask = (task: TaskRecord) => task.status === "queued" || task.status === "running";

/** An embedded store has no live runs to stop, so it settles its own active records. */
export const cancelledTask = (task: TaskRecord, now: number): TaskRecord => ({
  ...task,
  status: "cancelled",
  endedAt: now,
  lastEventAt: now,
});

/** Why runTask refuses, checked in the reference's order (after "not found"). */
export function runTaskRefusal(record: TaskFlowRecord): string | undefined {
  if (record.syncMode !== "managed") return "Flow does not accept managed child tasks.";
  if (record.cancelRequestedAt != null) return "Flow cancellation has already been requested.";
  if (isTerminalFlow(record)) return `Flow is already ${record.status}.`;
  return undefined;
}

/** `agent:<agentId>:...` names the agent a session belongs to. */
function agentIdOfSessionKey(sessionKey: string): string | undefined {
  return /^agent:([^:]+)(?::|$)/.exec(sessionKey)?.[1];
}

function optionalText<K extends string>(key: K, value: string | null | undefined): Partial<Record<K, string>> {
  return typeof value === "string" ? ({ [key]: value } as Record<K, string>) : {};
}

/**
 * Records what the caller says: embedded stores have no agent runs, so a
 * `childSessionKey` is taken as given and nothing is started.
 */
export function newTaskRecord(flow: TaskFlowRecord, params: RunTaskParams, ids: { taskId: string; now: number }): TaskRecord {
  const running = params.status === "running";
  // Run timing only belongs to running tasks; a running task dates from when it started.
  const startedAt = running ? (params.startedAt ?? ids.now) : undefined;
  const createdAt = startedAt ?? ids.now;
  const agentId = params.agentId ?? agentIdOfSessionKey(flow.ownerKey);
  return {
    taskId: ids.taskId,
    runtime: params.runtime,
    ownerKey: flow.ownerKey,
    requesterSessionKey: flow.ownerKey,
    scopeKind: "session",
    parentFlowId: flow.flowId,
    ...optionalText("sourceId", params.sourceId),
    ...optionalText("childSessionKey", params.childSessionKey),
    ...optionalText("parentTaskId", params.parentTaskId),
    ...optionalText("agentId", agentId),
    ...optionalText("runId", params.runId),
    ...optionalText("label", params.label),
    task: params.task,
    status: running ? "running" : "queued",
    deliveryStatus: "pending",
    notifyPolicy: params.notifyPolicy ?? "done_only",
    createdAt,
    ...(startedAt !== undefined ? { startedAt } : {}),
    lastEventAt: running ? (params.lastEventAt ?? createdAt) : createdAt,
    ...(running ? optionalText("progressSummary", params.progressSummary) : {}),
  };
}

const TERMINAL_TASK_STATUSES: readonly TaskStatus[] = ["succeeded", "failed", "timed_out", "cancelled", "lost"];
const FAILURE_TASK_STATUSES: readonly TaskStatus[] = ["failed", "timed_out", "lost"];

/** Builds a summary from `(status, runtime, n)` counts. */
export function summarizeCounts(counts: Iterable<{ status: string; runtime: string; n: number }>): TaskSummary {
  const byStatus = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as TaskSummary["byStatus"];
  const byRuntime = Object.fromEntries(TASK_RUNTIMES.map((runtime) => [runtime, 0])) as TaskSummary["byRuntime"];
  let total = 0;
  for (const { status, runtime, n } of counts) {
    total += n;
    byStatus[status as TaskStatus] += n;
    byRuntime[runtime as TaskRecord["runtime"]] += n;
  }
  const count = (statuses: readonly TaskStatus[]) => statuses.reduce((sum, status) => sum + byStatus[status], 0);
  return {
    total,
    active: byStatus.queued + byStatus.running,
    terminal: count(TERMINAL_TASK_STATUSES),
    failures: count(FAILURE_TASK_STATUSES),
    byStatus,
    byRuntime,
  };
}
