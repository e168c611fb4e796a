// Turns a parsed body into a typed action or a list of `{path, message}` issues whose
// format does not depend on the validation library.
import * as v from "valibot";
import {
  CancelFlowSchema,
  CreateFlowSchema,
  FailFlowSchema,
  FindLatestFlowSchema,
  FinishFlowSchema,
  GetFlowSchema,
  GetTaskSummarySchema,
  ListFlowsSchema,
  RequestCancelSchema,
  ResolveFlowSchema,
  ResumeFlowSchema,
  RunTaskSchema,
  SetWaitingSchema,
  WebhookActionSchema,
  type ActionName,
  type WebhookAction,
} from "./schemas.js";

// The variant tries its options' discriminators one by one until one matches. Action names
// are unique, so the option whose literal equals `body.action` is the one the variant would
// pick, and its result (output or issues) is the variant's result: going straight to it
// answers the same, without the scan. Any other value goes through the variant, which
// builds the "action must be one of" issue.
const SCHEMA_BY_ACTION = new Map<unknown, v.GenericSchema<unknown, unknown>>([
  ["create_flow", CreateFlowSchema],
  ["get_flow", GetFlowSchema],
  ["list_flows", ListFlowsSchema],
  ["find_latest_flow", FindLatestFlowSchema],
  ["resolve_flow", ResolveFlowSchema],
  ["get_task_summary", GetTaskSummarySchema],
  ["set_waiting", SetWaitingSchema],
  ["resume_flow", ResumeFlowSchema],
  ["finish_flow", FinishFlowSchema],
  ["fail_flow", FailFlowSchema],
  ["request_cancel", RequestCancelSchema],
  ["cancel_flow", CancelFlowSchema],
  ["run_task", RunTaskSchema],
] satisfies Array<[ActionName, v.GenericSchema]>);

export interface ValidationIssue {
  path: string;
  message: string;
}

export type ActionValidation = { ok: true; action: WebhookAction } | { ok: false; issues: ValidationIssue[] };

export function validateAction(body: unknown): ActionValidation {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return { ok: false, issues: [{ path: "", message: "request body must be a JSON object" }] };
  }
  const schema = SCHEMA_BY_ACTION.get((body as { action?: unknown }).action) ?? WebhookActionSchema;
  const result = v.safeParse(schema, body);
  if (result.success) return { ok: true, action: result.output as WebhookAction };
  return { ok: false, issues: result.issues.map(toIssue) };
}

function toIssue(issue: v.BaseIssue<unknown>): ValidationIssue {
  const path = (issue.path ?? []).map((item) => String(item.key)).join(".");
  return { path, message: issue.message };
}

/** The single-line error text: `<field path>: <message>` for the first problem (no prefix at the root). */
export const issueText = (issue: ValidationIssue): string => (issue.path ? `${issue.path}: ${issue.message}` : issue.message);
