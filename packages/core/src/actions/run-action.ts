// Runs one validated action against the route's owner-bound TaskFlow handle and maps the
// outcome to the envelope, status and code of the README's "Answers and error codes". Records leave only through
// the allow-list views.
import { storedAnswerOf } from "../idempotency/stored-answer.js";
import type {
  BoundTaskFlow,
  CancelResult,
  CreateManagedFlowParams,
  IdempotentWrite,
  MutationResult,
  RunTaskResult,
  TaskFlowRecord,
  WriteOptions,
} from "../taskflow/types.js";
import { fail, succeed, type WebhookResponse } from "../view/envelope.js";
import { flowView, optionalFlowView, taskView } from "../view/redact.js";
import { listFlows } from "./list-flows.js";
import type { WebhookAction } from "./schemas.js";

export interface ActionContext {
  routeId: string;
  controllerId: string;
  flows: BoundTaskFlow;
  /**
   * The reservation to complete inside the write's transaction (runtimes that declare
   * `idempotencyStore` only). Each write gets it with the answer mapping of its action.
   */
  idempotency?: Omit<IdempotentWrite<unknown>, "answerFor">;
}

/**
 * Copies the action's fields except `action` (and `skip`), dropping undefined values, in
 * their order. One plain loop: object rest with an excluded key and `delete` both take
 * V8's slow paths. The keys are the schema's own (strict objects), never `__proto__`.
 */
function paramsOf<T extends { action: string }>(input: T, skip?: string): Omit<T, "action"> {
  const params: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    if (key === "action" || key === skip) continue;
    const value = (input as Record<string, unknown>)[key];
    if (value !== undefined) params[key] = value;
  }
  return params as Omit<T, "action">;
}

/** `map(value)` now, or once the promise settles: only a real promise costs a tick. */
function then<T, R>(value: T | PromiseLike<T>, map: (value: T) => R): R | Promise<R> {
  return typeof (value as { then?: unknown } | null)?.then === "function"
    ? Promise.resolve(value as PromiseLike<T>).then(map)
    : map(value as T);
}

/**
 * The action's answer: at once when the TaskFlow answered synchronously (the memory
 * runtime does), else a promise. A synchronous throw from the TaskFlow throws here.
 */
export function runAction(action: WebhookAction, ctx: ActionContext): WebhookResponse | Promise<WebhookResponse> {
  const { flows, routeId } = ctx;
  // The write options whose stored answer is `respond(outcome)`, exactly what this call
  // answers; no argument at all without a reservation (hosts see the calls they always saw).
  const write = <O>(respond: (routeId: string, outcome: O) => WebhookResponse): [] | [WriteOptions<O>] =>
    ctx.idempotency
      ? [{ idempotency: { ...ctx.idempotency, answerFor: (outcome: O) => storedAnswerOf(respond(routeId, outcome)) } }]
      : [];
  const flowAnswer = (flow: TaskFlowRecord | undefined | null) => succeed(routeId, { flow: optionalFlowView(flow) });
  const mutation = (outcome: MutationResult) => mutationResponse(routeId, outcome);
  switch (action.action) {
    case "create_flow": {
      // `currentStep: null` means "none" at creation, as in the reference. (Same object as
      // `{...rest, controllerId, ...(currentStep != null && {currentStep})}`, keys in order.)
      const params = paramsOf(action, "currentStep") as CreateManagedFlowParams;
      params.controllerId = action.controllerId ?? ctx.controllerId;
      if (action.currentStep != null) params.currentStep = action.currentStep;
      const flow = flows.tryCreateManaged
        ? flows.tryCreateManaged(params, ...write(createResponse))
        : flows.createManaged(params, ...write(createResponse));
      return then(flow, (created) => createResponse(routeId, created));
    }
    case "get_flow":
      return then(flows.get(action.flowId), flowAnswer);
    case "list_flows":
      return then(listFlows(flows, { limit: action.limit, after: action.cursor, status: action.status }), (page) => succeed(routeId, page));
    case "find_latest_flow":
      return then(flows.findLatest(), flowAnswer);
    case "resolve_flow":
      return then(flows.resolve(action.token), flowAnswer);
    case "get_task_summary":
      return then(flows.getTaskSummary(action.flowId), (summary) => succeed(routeId, { summary: summary ?? null }));
    case "set_waiting":
      return then(flows.setWaiting(paramsOf(action), ...write(mutationResponse)), mutation);
    case "resume_flow":
      return then(flows.resume(paramsOf(action), ...write(mutationResponse)), mutation);
    case "finish_flow":
      return then(flows.finish(paramsOf(action), ...write(mutationResponse)), mutation);
    case "fail_flow":
      return then(flows.fail(paramsOf(action), ...write(mutationResponse)), mutation);
    case "request_cancel":
      return then(flows.requestCancel(paramsOf(action), ...write(mutationResponse)), mutation);
    case "cancel_flow":
      return then(flows.cancel({ flowId: action.flowId }, ...write(cancelResponse)), (outcome) => cancelResponse(routeId, outcome));
    case "run_task":
      return then(flows.runTask(paramsOf(action), ...write(runTaskResponse)), (outcome) => runTaskResponse(routeId, outcome));
  }
}

function createResponse(routeId: string, flow: TaskFlowRecord | null): WebhookResponse {
  if (!flow) return fail("persist_failed", { routeId, result: { created: false, code: "persist_failed" } });
  const response = succeed(routeId, { created: true, flow: flowView(flow) });
  response.meta = { flowId: flow.flowId };
  return response;
}

const MUTATION_CODES = new Set(["not_found", "not_managed", "revision_conflict", "persist_failed"] as const);

function mutationResponse(routeId: string, outcome: MutationResult): WebhookResponse {
  if (outcome.applied) return succeed(routeId, { applied: true, flow: flowView(outcome.flow) });
  const result: Record<string, unknown> = { applied: false, code: outcome.code };
  if (outcome.current) result.current = flowView(outcome.current);
  const code = MUTATION_CODES.has(outcome.code) ? outcome.code : "mutation_rejected";
  return fail(code, { routeId, result });
}

// Refusal reasons the runtimes use; the reference maps them to codes by their text.
const CANCEL_PENDING = "One or more child tasks are still active.";
const CANCEL_RACED = "Flow changed while cancellation was in progress.";
const FLOW_PERSIST_FAILED = "Flow persistence failed.";
const CANCEL_REQUESTED = "Flow cancellation has already been requested.";
const NOT_MANAGED = "Flow does not accept managed child tasks.";
const TASK_PERSIST_FAILED = "Task persistence failed.";
const isTerminalReason = (reason: string | undefined) => reason?.startsWith("Flow is already ") === true;

function cancelResponse(routeId: string, outcome: CancelResult): WebhookResponse {
  const result: Record<string, unknown> = { found: outcome.found, cancelled: outcome.cancelled };
  if (outcome.reason) result.reason = outcome.reason;
  if (outcome.flow) result.flow = flowView(outcome.flow);
  if (outcome.tasks) result.tasks = outcome.tasks.map(taskView);
  const { reason } = outcome;
  if (outcome.cancelled) return succeed(routeId, result);
  if (!outcome.found) return fail("not_found", { routeId, result });
  if (reason === CANCEL_PENDING) return succeed(routeId, result, "cancel_pending");
  if (reason === CANCEL_RACED) return fail("revision_conflict", { routeId, result, error: reason });
  if (isTerminalReason(reason)) return fail("terminal", { routeId, result, error: reason! });
  if (reason === FLOW_PERSIST_FAILED) return fail("persist_failed", { routeId, result, error: reason });
  return fail("cancel_rejected", { routeId, result, error: reason ?? "TaskFlow cancellation was rejected." });
}

function runTaskResponse(routeId: string, outcome: RunTaskResult): WebhookResponse {
  if (outcome.created) {
    return succeed(routeId, { created: true, flow: flowView(outcome.flow), task: taskView(outcome.task) });
  }
  const { reason } = outcome;
  const result: Record<string, unknown> = { found: outcome.found, created: false, reason };
  if (outcome.flow) result.flow = flowView(outcome.flow);
  if (!outcome.found) return fail("not_found", { routeId, result });
  if (reason === CANCEL_REQUESTED) return fail("cancel_requested", { routeId, result, error: reason });
  if (reason === NOT_MANAGED) return fail("not_managed", { routeId, result, error: reason });
  if (isTerminalReason(reason)) return fail("terminal", { routeId, result, error: reason });
  if (reason === TASK_PERSIST_FAILED) return fail("persist_failed", { routeId, result, error: reason });
  return fail("task_not_created", { routeId, result, error: reason || "TaskFlow task was not created." });
}
