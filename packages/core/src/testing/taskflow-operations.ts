// Random TaskFlow operations for the differential kit: a fast-check generator of calls a
// caller can make (any session, known and unknown flows, stale and current revisions, JSON
// that survives a round trip), and two ways to make one on a backend. fast-check is passed
// in (the kit loads it), so this module costs nothing to those who never run the kit.
import type { Arbitrary } from "fast-check";
import type { BoundTaskFlow, JsonValue } from "../taskflow/types.js";

export type FastCheck = (typeof import("fast-check"))["default"];

export const SESSIONS = ["agent:main:webhooks:alpha", "agent:ops:webhooks:beta", "plain-session"] as const;
const UNKNOWN_FLOW = "00000000-0000-4000-8000-000000000000";

export function operationArbitrary(fc: FastCheck) {
  const session = fc.nat({ max: SESSIONS.length - 1 });
  // Most calls on a flow come from the session that owns it (`sessionOf`) and name a flow
  // that exists (`flowAt`), so sequences reach every state and its answers; the rest are a
  // foreign session or an id no flow has. (Uniform picks answered not_found to ~87 % of them.)
  const actor = fc.oneof({ weight: 3, arbitrary: fc.constant("owner" as const) }, { weight: 1, arbitrary: session });
  const flowRef = fc.oneof({ weight: 9, arbitrary: fc.nat({ max: 7 }) }, { weight: 1, arbitrary: fc.constant(-1) });
  const revision = fc.oneof(fc.constant("current" as const), fc.nat({ max: 4 }));
  // JSON that survives a round trip (no -0, no __proto__ keys: not JSON documents a caller can send).
  const json: Arbitrary<JsonValue> = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as JsonValue);
  const optional = <T>(arb: Arbitrary<T>) => fc.option(arb, { nil: undefined });
  const text = fc.constantFrom("", " ", "step-1", "task-9", "Waiting on a human");
  const nullableText = optional(fc.oneof(fc.constant(null), text));

  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant("create" as const),
        session,
        status: optional(fc.constantFrom("queued", "running", "waiting", "blocked") as Arbitrary<"queued" | "running" | "waiting" | "blocked">),
        notifyPolicy: optional(fc.constantFrom("done_only", "state_changes", "silent") as Arbitrary<"done_only" | "state_changes" | "silent">),
        currentStep: nullableText,
        stateJson: optional(json),
        waitJson: optional(json),
      }),
    },
    fc.record({
      op: fc.constant("setWaiting" as const),
      session: actor,
      flow: flowRef,
      revision,
      currentStep: nullableText,
      stateJson: optional(json),
      waitJson: optional(json),
      blockedTaskId: nullableText,
      blockedSummary: nullableText,
    }),
    fc.record({ op: fc.constant("resume" as const), session: actor, flow: flowRef, revision, status: optional(fc.constantFrom("queued", "running") as Arbitrary<"queued" | "running">), currentStep: nullableText, stateJson: optional(json) }),
    fc.record({ op: fc.constant("finish" as const), session: actor, flow: flowRef, revision, stateJson: optional(json) }),
    fc.record({ op: fc.constant("fail" as const), session: actor, flow: flowRef, revision, stateJson: optional(json), blockedTaskId: nullableText, blockedSummary: nullableText }),
    fc.record({ op: fc.constant("requestCancel" as const), session: actor, flow: flowRef, revision }),
    fc.record({ op: fc.constant("cancel" as const), session: actor, flow: flowRef }),
    fc.record({
      op: fc.constant("runTask" as const),
      session: actor,
      flow: flowRef,
      runtime: fc.constantFrom("subagent", "acp", "cli", "cron") as Arbitrary<"subagent" | "acp" | "cli" | "cron">,
      runId: optional(fc.constantFrom("", "run-1", "run-2")),
      childSessionKey: optional(fc.constantFrom("agent:main:subagent:a", "agent:main:subagent:b")),
      status: optional(fc.constantFrom("queued", "running") as Arbitrary<"queued" | "running">),
      startedAt: optional(fc.integer({ min: -5_000, max: 0 })),
      lastEventAt: optional(fc.integer({ min: -5_000, max: 0 })),
      progressSummary: nullableText,
      label: optional(text),
      agentId: optional(fc.constantFrom("writer", "main")),
    }),
    fc.record({ op: fc.constant("read" as const), session: actor, flow: flowRef, resolveOwnKey: fc.boolean() }),
    fc.record({ op: fc.constant("tick" as const), ms: fc.constantFrom(0, 1, 1_000) }),
  );
}

export type Operation = ReturnType<typeof operationArbitrary> extends Arbitrary<infer T> ? T : never;
/** An operation that calls the store (a tick only moves the clock). */
export type StoreOperation = Exclude<Operation, { op: "tick" }>;

/** Which of `count` flows an operation's `flow` names: its index modulo the count; -1 (or no flow yet): none. */
const flowIndex = (ref: number, count: number): number => (ref < 0 || count === 0 ? -1 : ref % count);

/** The flow an operation names, or an id no flow has. */
export function flowAt(flowIds: readonly string[], ref: number): string {
  const i = flowIndex(ref, flowIds.length);
  return i < 0 ? UNKNOWN_FLOW : flowIds[i]!;
}

/** The index into SESSIONS an operation calls from; `owners[i]` is the session of the i-th flow, in `flowIds` order. */
export function sessionOf(op: StoreOperation, owners: readonly number[]): number {
  if (op.session !== "owner") return op.session;
  const i = op.op === "create" ? -1 : flowIndex(op.flow, owners.length);
  return i < 0 ? 0 : owners[i]!;
}

const createParams = (op: Extract<Operation, { op: "create" }>) => {
  const { op: _op, session: _session, ...params } = op;
  return { controllerId: "differential", goal: "compare", ...params };
};

/** runTask's times are offsets from `now` (a generator cannot know the clock). */
const runTaskParams = (op: Extract<Operation, { op: "runTask" }>, flowId: string, now: number) => {
  const { op: _o, session: _s, flow: _f, startedAt, lastEventAt, ...rest } = op;
  return {
    flowId,
    task: "differential task",
    ...rest,
    ...(startedAt !== undefined ? { startedAt: now + startedAt } : {}),
    ...(lastEventAt !== undefined ? { lastEventAt: now + lastEventAt } : {}),
  };
};

/**
 * Runs one operation on one backend and answers what a caller would observe: a "current"
 * revision is read first, a read is every read method.
 */
export async function applyOperation(op: StoreOperation, flows: BoundTaskFlow, flowIds: readonly string[], now: number): Promise<unknown> {
  if (op.op === "create") return flows.createManaged(createParams(op));
  const flowId = flowAt(flowIds, op.flow);
  const expectedRevision = async () =>
    op.op !== "read" && "revision" in op && op.revision !== "current" ? op.revision : ((await flows.get(flowId))?.revision ?? 0);
  switch (op.op) {
    case "setWaiting": {
      const { op: _o, session: _s, flow: _f, revision: _r, ...rest } = op;
      return flows.setWaiting({ flowId, expectedRevision: await expectedRevision(), ...rest });
    }
    case "resume": {
      const { op: _o, session: _s, flow: _f, revision: _r, ...rest } = op;
      return flows.resume({ flowId, expectedRevision: await expectedRevision(), ...rest });
    }
    case "finish":
      return flows.finish({ flowId, expectedRevision: await expectedRevision(), stateJson: op.stateJson });
    case "fail": {
      const { op: _o, session: _s, flow: _f, revision: _r, ...rest } = op;
      return flows.fail({ flowId, expectedRevision: await expectedRevision(), ...rest });
    }
    case "requestCancel":
      return flows.requestCancel({ flowId, expectedRevision: await expectedRevision() });
    case "cancel":
      return flows.cancel({ flowId });
    case "runTask":
      return flows.runTask(runTaskParams(op, flowId, now));
    case "read":
      return {
        get: await flows.get(flowId),
        list: await flows.list(),
        findLatest: await flows.findLatest(),
        resolve: await flows.resolve(op.resolveOwnKey ? flows.sessionKey : flowId),
        summary: await flows.getTaskSummary(flowId),
      };
  }
}

/**
 * Makes one operation's store call at once, with no read before it (a "current" revision is
 * 0, a read is one `get`), so a batch of them is issued in one turn.
 */
export function issueOperation(op: StoreOperation, flows: BoundTaskFlow, flowIds: readonly string[], now: number): unknown {
  if (op.op === "create") return flows.createManaged(createParams(op));
  const flowId = flowAt(flowIds, op.flow);
  const expectedRevision = "revision" in op && op.revision !== "current" ? op.revision : 0;
  switch (op.op) {
    case "setWaiting":
    case "resume":
    case "fail":
    case "finish":
    case "requestCancel": {
      const { op: name, session: _s, flow: _f, revision: _r, ...rest } = op;
      return (flows[name] as (params: object) => unknown)({ flowId, expectedRevision, ...rest });
    }
    case "cancel":
      return flows.cancel({ flowId });
    case "runTask":
      return flows.runTask(runTaskParams(op, flowId, now));
    case "read":
      return flows.get(flowId);
  }
}
