// Turns a parsed body into a typed action or a list of `{path, message}` issues whose
// format does not depend on the validation library.
import * as v from "valibot";
import { WebhookActionSchema, type WebhookAction } from "./schemas.js";

// The variant tries its options' discriminators one by one until one matches. Action names
// are unique, so the option whose literal equals `body.action` is the one the variant would
// pick, and its result (output or issues) is the variant's result: going straight to it
// answers the same, without the scan. Any other value goes through the variant, which
// builds the "action must be one of" issue.
const SCHEMA_BY_ACTION: ReadonlyMap<unknown, v.GenericSchema<unknown, WebhookAction>> = new Map(
  WebhookActionSchema.options.map((schema) => {
    const entries = ("pipe" in schema ? schema.pipe[0] : schema).entries;
    return [entries.action.literal, schema as v.GenericSchema<unknown, WebhookAction>];
  }),
);

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
  if (result.success) return { ok: true, action: result.output };
  return { ok: false, issues: result.issues.map(toIssue) };
}

function toIssue(issue: v.BaseIssue<unknown>): ValidationIssue {
  const path = (issue.path ?? []).map((item) => String(item.key)).join(".");
  return { path, message: issue.message };
}

/** The single-line error text: `<field path>: <message>` for the first problem (no prefix at the root). */
export const issueText = (issue: ValidationIssue): string => (issue.path ? `${issue.path}: ${issue.message}` : issue.message);
