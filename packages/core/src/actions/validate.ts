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
  invalidType,
  type ActionName,
  type WebhookAction,
} from "./schemas.js";
import { acceptsAsIs, compileActionChecks } from "./fast-accept.js";

// The variant tries its options' discriminators one by one until one matches. Action names
// are unique, so the option whose literal equals `body.action` is the one the variant would
// pick, and its result (output or issues) is the variant's result: going straight to it
// answers the same, without the scan. Any other value goes through the variant, which
// builds the "Invalid discriminator value" issue.
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
    return { ok: false, issues: [{ path: "", message: invalidType("object")({ input: body }) }] };
  }
  const schema = SCHEMA_BY_ACTION.get((body as { action?: unknown }).action) ?? WebhookActionSchema;
  const result = v.safeParse(schema, body);
  if (result.success) return { ok: true, action: result.output as WebhookAction };
  return { ok: false, issues: result.issues.map((issue) => toIssue(issue, body, schema)) };
}

const AS_IS = compileActionChecks([...SCHEMA_BY_ACTION.values()]);

/**
 * `validateAction` for a value JSON.parse just returned (plain objects, own enumerable data
 * keys only): a body valibot would return unchanged is the action itself, without valibot's
 * pass; every other body goes to `validateAction`. Same answers, texts and key order.
 */
export function validateParsedJson(body: unknown): ActionValidation {
  if (body !== null && typeof body === "object" && !Array.isArray(body) && acceptsAsIs(AS_IS, body)) {
    return { ok: true, action: body as WebhookAction };
  }
  return validateAction(body);
}

const UNKNOWN_KEY = "Unrecognized key: ";

// Unknown keys belong to the object that has them (as in the reference), not to the key,
// and are named all at once: valibot stops at the first one, so list them here.
function toIssue(issue: v.BaseIssue<unknown>, body: object, schema: v.GenericSchema): ValidationIssue {
  const keys = (issue.path ?? []).map((item) => String(item.key));
  if (!issue.message.startsWith(UNKNOWN_KEY) || keys.length !== 1) return { path: keys.join("."), message: issue.message };
  const known = entriesOf(schema);
  const unknown = Object.keys(body).filter((key) => !Object.hasOwn(known, key)).map((key) => JSON.stringify(key));
  return { path: "", message: unknown.length > 1 ? `Unrecognized keys: ${unknown.join(", ")}` : issue.message };
}

function entriesOf(schema: v.GenericSchema): Record<string, unknown> {
  const s = schema as { entries?: Record<string, unknown>; pipe?: Array<{ entries?: Record<string, unknown> }> };
  return s.entries ?? s.pipe?.[0]?.entries ?? {};
}

/** The single-line error text: `<field path>: <message>` for the first problem (no prefix at the root). */
export const issueText = (issue: ValidationIssue): string => (issue.path ? `${issue.path}: ${issue.message}` : issue.message);
