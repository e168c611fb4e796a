// Turns a parsed body into a typed action or a list of `{path, message}` issues whose
// format does not depend on the validation library.
import * as v from "valibot";
import { WebhookActionSchema, type WebhookAction } from "./schemas.js";

export interface ValidationIssue {
  path: string;
  message: string;
}

export type ActionValidation = { ok: true; action: WebhookAction } | { ok: false; issues: ValidationIssue[] };

export function validateAction(body: unknown): ActionValidation {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return { ok: false, issues: [{ path: "body", message: "request body must be a JSON object" }] };
  }
  const result = v.safeParse(WebhookActionSchema, body);
  if (result.success) return { ok: true, action: result.output };
  return { ok: false, issues: result.issues.map(toIssue) };
}

function toIssue(issue: v.BaseIssue<unknown>): ValidationIssue {
  const path = (issue.path ?? []).map((item) => String(item.key)).join(".");
  return { path: path || "body", message: issue.message };
}

/** The single-line error text: `<field path>: <message>` for the first problem. */
export const issueText = (issue: ValidationIssue): string => `${issue.path}: ${issue.message}`;
