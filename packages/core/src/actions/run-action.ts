// Runs one validated action against the route's owner-bound TaskFlow handle and maps the
// outcome to the envelope, status and code of protocol.md §5. Records leave only through
// the allow-list views.
import type { BoundTaskFlow, CancelResult, MutationResult, RunTaskResult, TaskFlowRecord } from "../taskflow/types.js";
import { TERMINAL_FLOW_STATUSES } from "../taskflow/types.js";
import { fail, succeed, type WebhookResponse } from "../view/envelope.js";
import { flowView, optionalFlowView, taskView } from "../view/redact.js";
import type { WebhookAction } from "./schemas.js";

export interface ActionContext {
  routeId: string;
  controllerId: string;
  flows: BoundTaskFlow;
}

/** Drops the `action` key and any key whose value is undefined. */
function paramsOf<T extends { action: string }>(input: T): Omit<T, "action"> {
  const { action: _action, ...rest } = input;
  for (const key of Object.keys(rest) as Array<keyof typeof rest>) if (rest[key] === undefined) delete rest[key];
  return rest;
}

export async function runAction(action: WebhookAction, ctx: ActionContext): Promise<WebhookResponse> {
  const { flows, routeId } = ctx;
  switch (action.action) {
    case "create_flow": {
      const params = { ...paramsOf(action), controllerId: action.controllerId ?? ctx.controllerId };
      const flow = flows.tryCreateManaged ? await flows.tryCreateManaged(params) : await flows.createManaged(params);
      if (!flow) return fail("persist_failed", { routeId, result: { created: false } });
      return succeed(routeId, { created: true, flow: flowView(flow) });
    }
    case "get_flow":
      return succeed(routeId, { flow: optionalFlowView(await flows.get(action.flowId)) });
    case "list_flows":
      return succeed(routeId, { flows: (await flows.list()).map(flowView) });
    case "find_latest_flow":
      return succeed(routeId, { flow: optionalFlowView(await flows.findLatest()) });
    case "resolve_flow":
      return succeed(routeId, { flow: optionalFlowView(await flows.resolve(action.token)) });
    case "get_task_summary":
      return succeed(routeId, { summary: (await flows.getTaskSummary(action.flowId)) ?? null });
    case "set_waiting":
      return mutationResponse(routeId, await flows.setWaiting(paramsOf(action)));
    case "resume_flow":
      return mutationResponse(routeId, await flows.resume(paramsOf(action)));
    case "finish_flow":
      return mutationResponse(routeId, await flows.finish(paramsOf(action)));
    case "fail_flow":
      return mutationResponse(routeId, await flows.fail(paramsOf(action)));
    case "request_cancel":
      return mutationResponse(routeId, await flows.requestCancel(paramsOf(action)));
    case "cancel_flow":
      return cancelResponse(routeId, await flows.cancel({ flowId: action.flowId }));
    case "run_task":
      return runTaskResponse(routeId, await flows.runTask(paramsOf(action)));
  }
}

const MUTATION_CODES = new Set(["not_found", "not_managed", "revision_conflict", "persist_failed"] as const);

function mutationResponse(routeId: string, outcome: MutationResult): WebhookResponse {
  if (outcome.applied) return succeed(routeId, { applied: true, flow: flowView(outcome.flow) });
  const result: Record<string, unknown> = { applied: false, code: outcome.code };
  if (outcome.current) result.current = flowView(outcome.current);
  const code = MUTATION_CODES.has(outcome.code) ? outcome.code : "mutation_rejected";
  return fail(code, { routeId, result });
}

const isTerminal = (flow: TaskFlowRecord | undefined): flow is TaskFlowRecord =>
  flow !== undefined && TERMINAL_FLOW_STATUSES.includes(flow.status);

const CANCEL_PENDING_REASON = "One or more child tasks are still active.";
const CANCEL_REQUESTED_REASON = "Flow cancellation has already been requested.";
const NOT_MANAGED_REASON = "Flow does not accept managed child tasks.";

function cancelResponse(routeId: string, outcome: CancelResult): WebhookResponse {
  const result: Record<string, unknown> = { found: outcome.found, cancelled: outcome.cancelled };
  if (outcome.reason !== undefined) result.reason = outcome.reason;
  if (outcome.flow) result.flow = flowView(outcome.flow);
  if (outcome.tasks) result.tasks = outcome.tasks.map(taskView);
  if (outcome.cancelled) return succeed(routeId, result);
  if (!outcome.found) return fail("not_found", { routeId, result });
  if (outcome.reason === CANCEL_PENDING_REASON) return succeed(routeId, result, "cancel_pending");
  if (outcome.flow && outcome.flow.syncMode !== "managed") return fail("not_managed", { routeId, result });
  if (isTerminal(outcome.flow)) return fail("terminal", { routeId, result, error: `Flow is already ${outcome.flow.status}.` });
  return fail("cancel_rejected", { routeId, result, error: outcome.reason ?? "Cancellation was rejected." });
}

function runTaskResponse(routeId: string, outcome: RunTaskResult): WebhookResponse {
  if (outcome.created) {
    return succeed(routeId, { created: true, flow: flowView(outcome.flow), task: taskView(outcome.task) });
  }
  const result: Record<string, unknown> = { found: outcome.found, created: false, reason: outcome.reason };
  if (outcome.flow) result.flow = flowView(outcome.flow);
  if (!outcome.found) return fail("not_found", { routeId, result });
  if (outcome.reason === NOT_MANAGED_REASON || (outcome.flow && outcome.flow.syncMode !== "managed")) {
    return fail("not_managed", { routeId, result });
  }
  if (outcome.reason === CANCEL_REQUESTED_REASON) return fail("cancel_requested", { routeId, result });
  if (isTerminal(outcome.flow)) return fail("terminal", { routeId, result, error: `Flow is already ${outcome.flow.status}.` });
  return fail("task_not_created", { routeId, result, error: outcome.reason });
}
