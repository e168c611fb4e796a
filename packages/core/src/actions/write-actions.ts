// The actions that change state. An idempotency key applies to these; reads ignore it.
import type { ActionName, WebhookAction } from "./schemas.js";

export const WRITE_ACTIONS: ReadonlySet<ActionName> = new Set<ActionName>([
  "create_flow",
  "run_task",
  "set_waiting",
  "resume_flow",
  "finish_flow",
  "fail_flow",
  "request_cancel",
  "cancel_flow",
]);

export const isWriteAction = (action: WebhookAction): boolean => WRITE_ACTIONS.has(action.action);
