import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { flowView, flowViewByRules, taskView } from "./redact.js";
import type { TaskFlowRecord, TaskRecord } from "../taskflow/types.js";

const FLOW_ALLOWED = new Set([
  "flowId", "syncMode", "controllerId", "currentStep", "blockedTaskId", "blockedSummary", "revision", "status",
  "notifyPolicy", "goal", "stateJson", "waitJson", "cancelRequestedAt", "createdAt", "updatedAt", "endedAt",
]);
const TASK_ALLOWED = new Set([
  "taskId", "runtime", "sourceId", "childSessionKey", "parentFlowId", "parentTaskId", "agentId", "runId", "label",
  "error", "progressSummary", "terminalSummary", "terminalOutcome", "scopeKind", "task", "status", "deliveryStatus",
  "notifyPolicy", "createdAt", "startedAt", "endedAt", "lastEventAt", "cleanupAfter",
]);
const MARK = "LEAK-9f3a";

// Records with internal fields carrying a marker, plus random extra keys with the marker.
const withInternals = (base: fc.Arbitrary<Record<string, unknown>>, internal: string[]) =>
  fc.tuple(base, fc.dictionary(fc.string({ minLength: 1 }).filter((k) => !FLOW_ALLOWED.has(k) && !TASK_ALLOWED.has(k)), fc.constant(MARK))).map(
    ([record, extra]) => {
      const out: Record<string, unknown> = { ...record };
      for (const [k, v] of Object.entries(extra)) Object.defineProperty(out, k, { value: v, enumerable: true, configurable: true, writable: true });
      for (const key of internal) out[key] = `${MARK}:${key}`;
      return out;
    },
  );

const optionalString = fc.option(fc.string(), { nil: undefined });

describe("allow-list views", () => {
  it("never expose a field outside the flow allow-list (ownerKey, requesterOrigin, chainId, extras)", () => {
    const flow = fc.record({
      flowId: fc.uuid(),
      syncMode: fc.constantFrom("managed", "task_mirrored"),
      controllerId: optionalString,
      currentStep: fc.option(fc.string(), { nil: undefined }),
      revision: fc.nat(),
      status: fc.constantFrom("queued", "running", "succeeded"),
      notifyPolicy: fc.constant("done_only"),
      goal: fc.string(),
      stateJson: fc.option(fc.jsonValue(), { nil: undefined }),
      createdAt: fc.nat(),
      updatedAt: fc.nat(),
    });
    fc.assert(
      fc.property(withInternals(flow, ["ownerKey", "requesterOrigin", "chainId"]), (record) => {
        const view = flowView(record as TaskFlowRecord);
        for (const key of Object.keys(view)) expect(FLOW_ALLOWED.has(key)).toBe(true);
        expect(JSON.stringify(view)).not.toContain(`${MARK}:`);
        expect(Object.values(view)).not.toContain(MARK);
      }),
    );
  });

  it("never expose a field outside the task allow-list (ownerKey, requesterSessionKey, metadata, ...)", () => {
    const task = fc.record({
      taskId: fc.uuid(),
      runtime: fc.constantFrom("subagent", "acp"),
      scopeKind: fc.constant("session"),
      task: fc.string(),
      label: optionalString,
      status: fc.constant("queued"),
      deliveryStatus: fc.constant("pending"),
      notifyPolicy: fc.constant("done_only"),
      createdAt: fc.nat(),
    });
    fc.assert(
      fc.property(withInternals(task, ["ownerKey", "requesterSessionKey", "requesterAgentId", "taskKind", "metadata"]), (record) => {
        const view = taskView(record as TaskRecord);
        for (const key of Object.keys(view)) expect(TASK_ALLOWED.has(key)).toBe(true);
        expect(JSON.stringify(view)).not.toContain(`${MARK}:`);
      }),
    );
  });

  it("keeps the documented key order and the string/defined rules", () => {
    const view = flowView({
      endedAt: 9, updatedAt: 8, createdAt: 7, cancelRequestedAt: null, waitJson: null, stateJson: { a: 1 }, goal: "g",
      notifyPolicy: "silent", status: "failed", revision: 3, blockedSummary: "", blockedTaskId: "t", currentStep: "",
      controllerId: "c", syncMode: "managed", flowId: "f", ownerKey: "agent:x",
    } as TaskFlowRecord);
    expect(Object.keys(view)).toEqual([
      "flowId", "syncMode", "controllerId", "blockedTaskId", "revision", "status", "notifyPolicy", "goal", "stateJson",
      "waitJson", "cancelRequestedAt", "createdAt", "updatedAt", "endedAt",
    ]);
    expect(view.cancelRequestedAt).toBeNull();
  });
});

describe("flowView, written out", () => {
  it("answers what the allow-list rules answer: same keys, order and values, over random records", () => {
    const fields = ["flowId", "syncMode", "controllerId", "currentStep", "blockedTaskId", "blockedSummary", "revision", "status",
      "notifyPolicy", "goal", "stateJson", "waitJson", "cancelRequestedAt", "createdAt", "updatedAt", "endedAt", "ownerKey", "extra"];
    const anything = fc.oneof(fc.constant(undefined), fc.constant(""), fc.string(), fc.integer(), fc.constant(null), fc.object({ maxDepth: 1 }));
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...fields), anything), (record) => {
        const written = flowView(record as unknown as TaskFlowRecord);
        const ruled = flowViewByRules(record as unknown as TaskFlowRecord);
        expect(Object.keys(written)).toEqual(Object.keys(ruled));
        expect(written).toStrictEqual(ruled);
      }),
      { numRuns: 2000 },
    );
  });
});
