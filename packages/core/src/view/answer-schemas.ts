// valibot schemas of what the webhook surface answers: the envelopes, the flow and task
// views and each action's result. They describe the allow-list views (redact.ts) and the
// envelope (envelope.ts); the OpenAPI document is generated from them and the action
// schemas (scripts/openapi.mjs), and the tests check real answers against them.
import * as v from "valibot";
import type { ActionName } from "../actions/schemas.js";
import { ERROR_CODES, type ErrorCode } from "../errors/codes.js";
import { FLOW_STATUSES, NOTIFY_POLICIES, TASK_RUNTIMES, TASK_STATUSES } from "../taskflow/types.js";

const nonEmpty = v.pipe(v.string(), v.minLength(1));
const count = v.pipe(v.number(), v.integer(), v.minValue(0));
/** Milliseconds since the epoch. */
const timestamp = v.pipe(v.number(), v.minValue(0));
const anyJson = v.unknown();

/** A flow as callers see it (README "Answers and error codes"); owner and origin fields never appear. */
export const FlowViewSchema = v.strictObject({
  flowId: nonEmpty,
  syncMode: v.picklist(["managed", "task_mirrored"]),
  controllerId: v.optional(nonEmpty),
  currentStep: v.optional(nonEmpty),
  blockedTaskId: v.optional(nonEmpty),
  blockedSummary: v.optional(nonEmpty),
  revision: count,
  status: v.picklist(FLOW_STATUSES),
  notifyPolicy: v.picklist(NOTIFY_POLICIES),
  goal: v.string(),
  stateJson: v.optional(anyJson),
  waitJson: v.optional(anyJson),
  cancelRequestedAt: v.optional(v.nullable(timestamp)),
  createdAt: timestamp,
  updatedAt: timestamp,
  endedAt: v.optional(v.nullable(timestamp)),
});

/** A child task as callers see it; requester and metadata fields never appear. */
export const TaskViewSchema = v.strictObject({
  taskId: nonEmpty,
  runtime: v.picklist(TASK_RUNTIMES),
  sourceId: v.optional(nonEmpty),
  childSessionKey: v.optional(nonEmpty),
  parentFlowId: v.optional(nonEmpty),
  parentTaskId: v.optional(nonEmpty),
  agentId: v.optional(nonEmpty),
  runId: v.optional(nonEmpty),
  label: v.optional(nonEmpty),
  error: v.optional(nonEmpty),
  progressSummary: v.optional(nonEmpty),
  terminalSummary: v.optional(nonEmpty),
  terminalOutcome: v.optional(nonEmpty),
  scopeKind: v.string(),
  task: v.string(),
  status: v.picklist(TASK_STATUSES),
  deliveryStatus: v.string(),
  notifyPolicy: v.picklist(NOTIFY_POLICIES),
  createdAt: timestamp,
  startedAt: v.optional(timestamp),
  endedAt: v.optional(timestamp),
  lastEventAt: v.optional(timestamp),
  cleanupAfter: v.optional(timestamp),
});

/** Counts of a flow's child tasks. `byStatus`/`byRuntime` are keyed by task status/runtime. */
export const TaskSummarySchema = v.strictObject({
  total: count,
  active: count,
  terminal: count,
  failures: count,
  byStatus: v.record(v.string(), count),
  byRuntime: v.record(v.string(), count),
});

const flowResult = v.strictObject({ flow: v.nullable(FlowViewSchema) });
const applied = v.strictObject({ applied: v.literal(true), flow: FlowViewSchema });

/** The `result` of a 200 answer, per action. */
export const ActionResultSchemas = {
  create_flow: v.strictObject({ created: v.literal(true), flow: FlowViewSchema }),
  get_flow: flowResult,
  /** `nextCursor` is there when more flows remain: pass it back as `cursor`. */
  list_flows: v.strictObject({ flows: v.array(FlowViewSchema), nextCursor: v.optional(nonEmpty) }),
  find_latest_flow: flowResult,
  resolve_flow: flowResult,
  get_task_summary: v.strictObject({ summary: v.nullable(TaskSummarySchema) }),
  set_waiting: applied,
  resume_flow: applied,
  finish_flow: applied,
  fail_flow: applied,
  request_cancel: applied,
  cancel_flow: v.strictObject({
    found: v.literal(true),
    cancelled: v.literal(true),
    flow: v.optional(FlowViewSchema),
    tasks: v.optional(v.array(TaskViewSchema)),
  }),
  run_task: v.strictObject({ created: v.literal(true), flow: FlowViewSchema, task: TaskViewSchema }),
} satisfies Record<ActionName, v.GenericSchema>;

/** The `result` of a refused action (transport rejections answer `{}`). */
export const FailureResultSchema = v.union([
  v.strictObject({}),
  v.strictObject({ created: v.literal(false), code: v.string() }),
  v.strictObject({ applied: v.literal(false), code: v.string(), current: v.optional(FlowViewSchema) }),
  v.strictObject({ found: v.boolean(), created: v.literal(false), reason: v.string(), flow: v.optional(FlowViewSchema) }),
  v.strictObject({
    found: v.boolean(),
    cancelled: v.literal(false),
    reason: v.optional(v.string()),
    flow: v.optional(FlowViewSchema),
    tasks: v.optional(v.array(TaskViewSchema)),
  }),
]);

/** Codes of answers that still succeed (`ok: true`, e.g. 202 `cancel_pending`). */
export const SUCCESS_CODES = (Object.keys(ERROR_CODES) as ErrorCode[]).filter((code) => ERROR_CODES[code].status < 400);
/** Codes of rejections (`ok: false`). */
export const FAILURE_CODES = (Object.keys(ERROR_CODES) as ErrorCode[]).filter((code) => ERROR_CODES[code].status >= 400);

export const SuccessEnvelopeSchema = v.strictObject({
  ok: v.literal(true),
  routeId: v.string(),
  code: v.optional(v.picklist(SUCCESS_CODES)),
  result: v.unknown(),
});

export const ValidationIssueSchema = v.strictObject({ path: v.string(), message: v.string() });

export const FailureEnvelopeSchema = v.strictObject({
  ok: v.literal(false),
  /** Left out before authentication. */
  routeId: v.optional(v.string()),
  code: v.picklist(FAILURE_CODES),
  error: v.string(),
  result: FailureResultSchema,
  /** `invalid_request` only: every problem. */
  issues: v.optional(v.array(ValidationIssueSchema)),
  /** `internal_error` only: matches the server's log line. */
  correlationId: v.optional(v.string()),
});
