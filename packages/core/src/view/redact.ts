// Allow-list projections of flow and task records. Only listed keys can ever reach a
// caller, in a fixed order, so internal fields (ownerKey, requesterOrigin, chainId,
// requesterSessionKey, metadata, anything a runtime adds later) cannot leak.
import type { TaskFlowRecord, TaskRecord } from "../taskflow/types.js";

type Rule = readonly [key: string, when: "nonEmptyString" | "defined"];

const FLOW_RULES = [
  ["flowId", "defined"],
  ["syncMode", "defined"],
  ["controllerId", "nonEmptyString"],
  ["currentStep", "nonEmptyString"],
  ["blockedTaskId", "nonEmptyString"],
  ["blockedSummary", "nonEmptyString"],
  ["revision", "defined"],
  ["status", "defined"],
  ["notifyPolicy", "defined"],
  ["goal", "defined"],
  ["stateJson", "defined"],
  ["waitJson", "defined"],
  ["cancelRequestedAt", "defined"],
  ["createdAt", "defined"],
  ["updatedAt", "defined"],
  ["endedAt", "defined"],
] as const satisfies readonly Rule[];

const TASK_RULES: readonly Rule[] = [
  ["taskId", "defined"],
  ["runtime", "defined"],
  ["sourceId", "nonEmptyString"],
  ["childSessionKey", "nonEmptyString"],
  ["parentFlowId", "nonEmptyString"],
  ["parentTaskId", "nonEmptyString"],
  ["agentId", "nonEmptyString"],
  ["runId", "nonEmptyString"],
  ["label", "nonEmptyString"],
  ["error", "nonEmptyString"],
  ["progressSummary", "nonEmptyString"],
  ["terminalSummary", "nonEmptyString"],
  ["terminalOutcome", "nonEmptyString"],
  ["scopeKind", "defined"],
  ["task", "defined"],
  ["status", "defined"],
  ["deliveryStatus", "defined"],
  ["notifyPolicy", "defined"],
  ["createdAt", "defined"],
  ["startedAt", "defined"],
  ["endedAt", "defined"],
  ["lastEventAt", "defined"],
  ["cleanupAfter", "defined"],
];

/** The rules as two parallel arrays: an indexed loop, no tuple destructured per key. */
interface CompiledRules {
  keys: readonly string[];
  nonEmptyString: readonly boolean[];
}

const compile = (rules: readonly Rule[]): CompiledRules => ({
  keys: rules.map(([key]) => key),
  nonEmptyString: rules.map(([, when]) => when === "nonEmptyString"),
});

const FLOW = compile(FLOW_RULES);
const TASK = compile(TASK_RULES);

function project(record: Record<string, unknown>, { keys, nonEmptyString }: CompiledRules): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = record[key];
    if (nonEmptyString[i] ? typeof value === "string" && value.length > 0 : value !== undefined) view[key] = value;
  }
  return view;
}

export type FlowView = Record<string, unknown>;
export type TaskView = Record<string, unknown>;

/**
 * FLOW_RULES written out: one named property load per field instead of a keyed load by a
 * variable key (flows go out in nearly every answer; redact.test.ts checks this against
 * the rules over random records, so the two cannot drift apart).
 */
export function flowView(flow: TaskFlowRecord): FlowView {
  const f = flow as unknown as FlowFields;
  const view: FlowView = {};
  if (f.flowId !== undefined) view.flowId = f.flowId;
  if (f.syncMode !== undefined) view.syncMode = f.syncMode;
  if (isText(f.controllerId)) view.controllerId = f.controllerId;
  if (isText(f.currentStep)) view.currentStep = f.currentStep;
  if (isText(f.blockedTaskId)) view.blockedTaskId = f.blockedTaskId;
  if (isText(f.blockedSummary)) view.blockedSummary = f.blockedSummary;
  if (f.revision !== undefined) view.revision = f.revision;
  if (f.status !== undefined) view.status = f.status;
  if (f.notifyPolicy !== undefined) view.notifyPolicy = f.notifyPolicy;
  if (f.goal !== undefined) view.goal = f.goal;
  if (f.stateJson !== undefined) view.stateJson = f.stateJson;
  if (f.waitJson !== undefined) view.waitJson = f.waitJson;
  if (f.cancelRequestedAt !== undefined) view.cancelRequestedAt = f.cancelRequestedAt;
  if (f.createdAt !== undefined) view.createdAt = f.createdAt;
  if (f.updatedAt !== undefined) view.updatedAt = f.updatedAt;
  if (f.endedAt !== undefined) view.endedAt = f.endedAt;
  return view;
}

type FlowFields = { [K in (typeof FLOW_RULES)[number][0]]?: unknown };
const isText = (value: unknown): value is string => typeof value === "string" && value.length > 0;

/** The rule-driven projection of a flow, which `flowView` spells out (for its test). */
export const flowViewByRules = (flow: TaskFlowRecord): FlowView => project(flow, FLOW);
export const taskView = (task: TaskRecord): TaskView => project(task, TASK);
export const optionalFlowView = (flow: TaskFlowRecord | undefined | null): FlowView | null =>
  flow ? flowView(flow) : null;
