// valibot schemas for the 13 webhook actions (README "Actions"). Every object is strict:
// an unknown key is a 400, so a typo never silently does nothing.
import * as v from "valibot";
import { FLOW_STATUSES } from "../taskflow/types.js";
import type {
  CreateManagedFlowParams,
  FailParams,
  FinishParams,
  FlowPosition,
  FlowStatus,
  JsonValue,
  RequestCancelParams,
  ResumeParams,
  RunTaskParams,
  SetWaitingParams,
} from "../taskflow/types.js";
import { decodeFlowCursor, INVALID_CURSOR_MESSAGE } from "./flow-cursor.js";
import { LIST_FLOWS_MAX_LIMIT } from "./list-flows.js";

// Error texts follow the reference plugin word for word (it validates with zod 4), so a
// caller that matches on them works unchanged. See validate.ts for paths and merging.
const receivedType = (input: unknown): string =>
  input === null ? "null" : Array.isArray(input) ? "array" : Number.isNaN(input) ? "nan" : typeof input;
export const invalidType = (expected: string) => (issue: { input: unknown }) =>
  `Invalid input: expected ${expected}, received ${receivedType(issue.input)}`;
const invalidOption = (values: readonly string[]) => `Invalid option: expected one of ${values.map((v) => `"${v}"`).join("|")}`;

const text = v.pipe(v.string(invalidType("string")), v.trim(), v.nonEmpty("Too small: expected string to have >=1 characters"));
const optionalText = v.optional(text);
const clearableText = v.optional(v.nullable(text));
// The body came from JSON.parse, so any value here is already JSON.
const json = v.optional(v.custom<JsonValue>(() => true));
const nonNegativeInt = v.pipe(
  v.number(invalidType("number")),
  v.integer(invalidType("int")),
  v.minValue(0, "Too small: expected number to be >=0"),
  v.maxValue(Number.MAX_SAFE_INTEGER, `Too big: expected int to be <=${Number.MAX_SAFE_INTEGER}`),
);
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  v.picklist(values, invalidOption(values));

const flowId = text;
const expectedRevision = nonNegativeInt;
const notifyPolicy = v.optional(oneOf(["done_only", "state_changes", "silent"]));

/**
 * A strict action object. valibot reports a missing key with the object's message, so the
 * message looks the missing field's own schema up to word it like a wrong type would be.
 */
const action = <const A extends string, const E extends v.ObjectEntries>(name: A, entries: E) => {
  const all = { action: v.literal(name), ...entries };
  return v.strictObject(all, (issue) => {
    if (issue.expected === "never") return `Unrecognized key: ${issue.received}`;
    const key = issue.path?.[issue.path.length - 1]?.key;
    return missingFieldMessage(typeof key === "string" ? (all as v.ObjectEntries)[key] : undefined);
  });
};

function missingFieldMessage(schema: v.GenericSchema | undefined): string {
  // Unwrap pipes to the base schema: string/number/boolean → type text, picklist → options.
  const base = (schema as { pipe?: v.GenericSchema[] } | undefined)?.pipe?.[0] ?? schema;
  if (base?.type === "picklist") return invalidOption((base as unknown as { options: string[] }).options);
  return `Invalid input: expected ${base?.expects ?? "value"}, received undefined`;
}

export const CreateFlowSchema = action("create_flow", {
  goal: text,
  controllerId: optionalText,
  status: v.optional(oneOf(["queued", "running", "waiting", "blocked"])),
  notifyPolicy,
  currentStep: clearableText,
  stateJson: json,
  waitJson: json,
});

export const GetFlowSchema = action("get_flow", { flowId });
// Paging fields are ours (the reference takes none and answers every flow); their texts
// are worded like the reference's own.
const listLimit = v.optional(
  v.pipe(
    v.number(invalidType("number")),
    v.integer(invalidType("int")),
    v.minValue(1, "Too small: expected number to be >=1"),
    v.maxValue(LIST_FLOWS_MAX_LIMIT, `Too big: expected number to be <=${LIST_FLOWS_MAX_LIMIT}`),
  ),
);
// The cursor is decoded here, so a bad one is a 400 like any other bad field.
const listCursor = v.optional(
  v.pipe(
    v.string(invalidType("string")),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const position = decodeFlowCursor(dataset.value);
      if (position) return position;
      addIssue({ message: INVALID_CURSOR_MESSAGE });
      return NEVER;
    }),
  ),
);
export const ListFlowsSchema = action("list_flows", {
  limit: listLimit,
  cursor: listCursor,
  status: v.optional(oneOf(FLOW_STATUSES)),
});
export const FindLatestFlowSchema = action("find_latest_flow", {});
export const ResolveFlowSchema = action("resolve_flow", { token: text });
export const GetTaskSummarySchema = action("get_task_summary", { flowId });

export const SetWaitingSchema = action("set_waiting", {
  flowId,
  expectedRevision,
  currentStep: clearableText,
  stateJson: json,
  waitJson: json,
  blockedTaskId: clearableText,
  blockedSummary: clearableText,
});

export const ResumeFlowSchema = action("resume_flow", {
  flowId,
  expectedRevision,
  status: v.optional(oneOf(["queued", "running"])),
  currentStep: clearableText,
  stateJson: json,
});

export const FinishFlowSchema = action("finish_flow", { flowId, expectedRevision, stateJson: json });

export const FailFlowSchema = action("fail_flow", {
  flowId,
  expectedRevision,
  stateJson: json,
  blockedTaskId: clearableText,
  blockedSummary: clearableText,
});

export const RequestCancelSchema = action("request_cancel", { flowId, expectedRevision });
export const CancelFlowSchema = action("cancel_flow", { flowId });

const RUNNING_ONLY_FIELDS = ["startedAt", "lastEventAt", "progressSummary"] as const;

export const RunTaskSchema = v.pipe(
  action("run_task", {
    flowId,
    // cli and cron exist inside OpenClaw but are not for external callers.
    runtime: oneOf(["subagent", "acp"]),
    task: text,
    sourceId: optionalText,
    childSessionKey: optionalText,
    parentTaskId: optionalText,
    agentId: optionalText,
    runId: optionalText,
    label: optionalText,
    preferMetadata: v.optional(v.boolean(invalidType("boolean"))),
    notifyPolicy,
    status: v.optional(oneOf(["queued", "running"])),
    startedAt: v.optional(nonNegativeInt),
    lastEventAt: v.optional(nonNegativeInt),
    progressSummary: clearableText,
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
  | { action: "list_flows"; limit?: number; cursor?: FlowPosition; status?: FlowStatus }
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
  `Invalid discriminator value. Expected ${ACTION_NAMES.map((a) => `'${a}'`).join(" | ")}`,
);
