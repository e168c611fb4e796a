// valibot schemas for the 13 webhook actions (protocol.md §4). Every object is strict:
// an unknown key is a 400, so a typo never silently does nothing.
import * as v from "valibot";
import type {
  CreateManagedFlowParams,
  FailParams,
  FinishParams,
  JsonValue,
  RequestCancelParams,
  ResumeParams,
  RunTaskParams,
  SetWaitingParams,
} from "../taskflow/types.js";

const text = (field: string) =>
  v.pipe(
    v.string(`${field} must be a string`),
    v.trim(),
    v.nonEmpty(`${field} must be a non-empty string`),
  );
const optionalText = (field: string) => v.optional(text(field));
const clearableText = (field: string) => v.optional(v.nullable(text(field)));
// The body came from JSON.parse, so any value here is already JSON.
const json = v.optional(v.custom<JsonValue>(() => true));
const nonNegativeInt = (field: string) =>
  v.pipe(
    v.number(`${field} must be a number`),
    v.integer(`${field} must be an integer`),
    v.minValue(0, `${field} must be >= 0`),
    v.maxValue(Number.MAX_SAFE_INTEGER, `${field} must be a safe integer`),
  );
const oneOf = <const T extends readonly [string, ...string[]]>(field: string, values: T) =>
  v.picklist(values, `${field} must be one of: ${values.join(", ")}`);

const flowId = text("flowId");
const expectedRevision = nonNegativeInt("expectedRevision");
const notifyPolicy = v.optional(oneOf("notifyPolicy", ["done_only", "state_changes", "silent"]));

const action = <const A extends string, const E extends v.ObjectEntries>(name: A, entries: E) =>
  v.strictObject({ action: v.literal(name), ...entries }, (issue) => `unknown field ${issue.received}`);

export const CreateFlowSchema = action("create_flow", {
  goal: text("goal"),
  controllerId: optionalText("controllerId"),
  status: v.optional(oneOf("status", ["queued", "running", "waiting", "blocked"])),
  notifyPolicy,
  currentStep: clearableText("currentStep"),
  stateJson: json,
  waitJson: json,
});

export const GetFlowSchema = action("get_flow", { flowId });
export const ListFlowsSchema = action("list_flows", {});
export const FindLatestFlowSchema = action("find_latest_flow", {});
export const ResolveFlowSchema = action("resolve_flow", { token: text("token") });
export const GetTaskSummarySchema = action("get_task_summary", { flowId });

export const SetWaitingSchema = action("set_waiting", {
  flowId,
  expectedRevision,
  currentStep: clearableText("currentStep"),
  stateJson: json,
  waitJson: json,
  blockedTaskId: clearableText("blockedTaskId"),
  blockedSummary: clearableText("blockedSummary"),
});

export const ResumeFlowSchema = action("resume_flow", {
  flowId,
  expectedRevision,
  status: v.optional(oneOf("status", ["queued", "running"])),
  currentStep: clearableText("currentStep"),
  stateJson: json,
});

export const FinishFlowSchema = action("finish_flow", { flowId, expectedRevision, stateJson: json });

export const FailFlowSchema = action("fail_flow", {
  flowId,
  expectedRevision,
  stateJson: json,
  blockedTaskId: clearableText("blockedTaskId"),
  blockedSummary: clearableText("blockedSummary"),
});

export const RequestCancelSchema = action("request_cancel", { flowId, expectedRevision });
export const CancelFlowSchema = action("cancel_flow", { flowId });

const RUNNING_ONLY_FIELDS = ["startedAt", "lastEventAt", "progressSummary"] as const;

export const RunTaskSchema = v.pipe(
  action("run_task", {
    flowId,
    // cli and cron exist inside OpenClaw but are not for external callers.
    runtime: oneOf("runtime", ["subagent", "acp"]),
    task: text("task"),
    sourceId: optionalText("sourceId"),
    childSessionKey: optionalText("childSessionKey"),
    parentTaskId: optionalText("parentTaskId"),
    agentId: optionalText("agentId"),
    runId: optionalText("runId"),
    label: optionalText("label"),
    preferMetadata: v.optional(v.boolean("preferMetadata must be a boolean")),
    notifyPolicy,
    status: v.optional(oneOf("status", ["queued", "running"])),
    startedAt: v.optional(nonNegativeInt("startedAt")),
    lastEventAt: v.optional(nonNegativeInt("lastEventAt")),
    progressSummary: clearableText("progressSummary"),
  }),
  v.forward(
    v.check(
      (input) => input.status === "running" || RUNNING_ONLY_FIELDS.every((f) => input[f] === undefined),
      "status must be running when startedAt, lastEventAt, or progressSummary is provided",
    ),
    ["status"],
  ),
);

export const ACTION_NAMES = [
  "create_flow",
  "get_flow",
  "list_flows",
  "find_latest_flow",
  "resolve_flow",
  "get_task_summary",
  "set_waiting",
  "resume_flow",
  "finish_flow",
  "fail_flow",
  "request_cancel",
  "cancel_flow",
  "run_task",
] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

/** A validated webhook action body. Written out so consumers' type checks stay shallow. */
export type WebhookAction =
  | ({ action: "create_flow"; controllerId?: string | undefined } & Omit<CreateManagedFlowParams, "controllerId">)
  | { action: "get_flow"; flowId: string }
  | { action: "list_flows" }
  | { action: "find_latest_flow" }
  | { action: "resolve_flow"; token: string }
  | { action: "get_task_summary"; flowId: string }
  | ({ action: "set_waiting" } & SetWaitingParams)
  | ({ action: "resume_flow" } & ResumeParams)
  | ({ action: "finish_flow" } & FinishParams)
  | ({ action: "fail_flow" } & FailParams)
  | ({ action: "request_cancel" } & RequestCancelParams)
  | { action: "cancel_flow"; flowId: string }
  | ({ action: "run_task"; runtime: "subagent" | "acp" } & Omit<RunTaskParams, "runtime">);

export const WebhookActionSchema: v.GenericSchema<unknown, WebhookAction> = v.variant(
  "action",
  [
    CreateFlowSchema,
    GetFlowSchema,
    ListFlowsSchema,
    FindLatestFlowSchema,
    ResolveFlowSchema,
    GetTaskSummarySchema,
    SetWaitingSchema,
    ResumeFlowSchema,
    FinishFlowSchema,
    FailFlowSchema,
    RequestCancelSchema,
    CancelFlowSchema,
    RunTaskSchema,
  ],
  `action must be one of: ${ACTION_NAMES.join(", ")}`,
);
