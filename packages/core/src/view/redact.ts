// Allow-list projections of flow and task records. Only listed keys can ever reach a
// caller, in a fixed order, so internal fields (ownerKey, requesterOrigin, chainId,
// requesterSessionKey, metadata, anything a runtime adds later) cannot leak.
import type { TaskFlowRecord, TaskRecord } from "../taskflow/types.js";

type Rule = readonly [key: string, when: "nonEmptyString" | "defined"];

const FLOW_RULES: readonly Rule[] = [
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
];

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

export const flowView = (flow: TaskFlowRecord): FlowView => project(flow, FLOW);
export const taskView = (task: TaskRecord): TaskView => project(task, TASK);
export const optionalFlowView = (flow: TaskFlowRecord | undefined | null): FlowView | null =>
  flow ? flowView(flow) : null;
