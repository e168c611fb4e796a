// Differential test: random operation sequences run against the memory runtime (the
// behavioural reference) and the PostgreSQL store on one manual clock and one id sequence
// (the operation generator is the SQLite store's, packages/taskflow-sqlite/test/matches-memory.test.ts).
// Every answer must be strictly equal, so key presence (absent vs `null`), revisions,
// reason texts and orderings all match, not only the values the conformance kit pins.
import { createMemoryTaskFlowRuntime, type BoundTaskFlow, type JsonValue, type TaskFlowRecord } from "@taskflow-webhooks/core";
import { createManualClock } from "@taskflow-webhooks/core/testing";
import { openPostgresTaskFlowStore, type PostgresTaskFlowStore } from "../src/index.js";
import fc from "fast-check";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestDatabase, dropSchema, testSchemaName, TEST_DATABASE_URL } from "./database-url.js";

const SESSIONS = ["agent:main:webhooks:alpha", "agent:ops:webhooks:beta", "plain-session"] as const;
const UNKNOWN_FLOW = "00000000-0000-4000-8000-000000000000";

const session = fc.nat({ max: SESSIONS.length - 1 });
const flowRef = fc.nat({ max: 7 }); // an index into the flows created so far; past the end = unknown id
const revision = fc.oneof(fc.constant("current" as const), fc.nat({ max: 4 }));
// JSON that survives a round trip (no -0, no __proto__ keys: not JSON documents a caller can send).
const json: fc.Arbitrary<JsonValue> = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as JsonValue);
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const text = fc.constantFrom("", " ", "step-1", "task-9", "Waiting on a human");
const nullableText = optional(fc.oneof(fc.constant(null), text));

const operation = fc.oneof(
  fc.record({
    op: fc.constant("create" as const),
    session,
    status: optional(fc.constantFrom("queued", "running", "waiting", "blocked") as fc.Arbitrary<"queued" | "running" | "waiting" | "blocked">),
    notifyPolicy: optional(fc.constantFrom("done_only", "state_changes", "silent") as fc.Arbitrary<"done_only" | "state_changes" | "silent">),
    currentStep: nullableText,
    stateJson: optional(json),
    waitJson: optional(json),
  }),
  fc.record({
    op: fc.constant("setWaiting" as const),
    session,
    flow: flowRef,
    revision,
    currentStep: nullableText,
    stateJson: optional(json),
    waitJson: optional(json),
    blockedTaskId: nullableText,
    blockedSummary: nullableText,
  }),
  fc.record({ op: fc.constant("resume" as const), session, flow: flowRef, revision, status: optional(fc.constantFrom("queued", "running") as fc.Arbitrary<"queued" | "running">), currentStep: nullableText, stateJson: optional(json) }),
  fc.record({ op: fc.constant("finish" as const), session, flow: flowRef, revision, stateJson: optional(json) }),
  fc.record({ op: fc.constant("fail" as const), session, flow: flowRef, revision, stateJson: optional(json), blockedTaskId: nullableText, blockedSummary: nullableText }),
  fc.record({ op: fc.constant("requestCancel" as const), session, flow: flowRef, revision }),
  fc.record({ op: fc.constant("cancel" as const), session, flow: flowRef }),
  fc.record({
    op: fc.constant("runTask" as const),
    session,
    flow: flowRef,
    runtime: fc.constantFrom("subagent", "acp", "cli", "cron") as fc.Arbitrary<"subagent" | "acp" | "cli" | "cron">,
    runId: optional(fc.constantFrom("", "run-1", "run-2")),
    childSessionKey: optional(fc.constantFrom("agent:main:subagent:a", "agent:main:subagent:b")),
    status: optional(fc.constantFrom("queued", "running") as fc.Arbitrary<"queued" | "running">),
    startedAt: optional(fc.integer({ min: -5_000, max: 0 })),
    lastEventAt: optional(fc.integer({ min: -5_000, max: 0 })),
    progressSummary: nullableText,
    label: optional(text),
    agentId: optional(fc.constantFrom("writer", "main")),
  }),
  fc.record({ op: fc.constant("read" as const), session, flow: flowRef, resolveOwnKey: fc.boolean() }),
  fc.record({ op: fc.constant("tick" as const), ms: fc.constantFrom(0, 1, 1_000) }),
);

type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never;

/** Runs one operation on one backend and answers what a caller would observe. */
async function apply(
  op: Operation,
  handle: (sessionIndex: number) => BoundTaskFlow,
  flowIds: readonly string[],
  now: number,
): Promise<unknown> {
  if (op.op === "tick") return undefined;
  const flows = handle(op.session);
  if (op.op === "create") {
    const { op: _op, session: _session, ...params } = op;
    return flows.createManaged({ controllerId: "differential", goal: "compare", ...params });
  }
  const flowId = flowIds[op.flow] ?? UNKNOWN_FLOW;
  const expectedRevision = async () =>
    op.op !== "read" && "revision" in op && op.revision !== "current"
      ? op.revision
      : ((await flows.get(flowId))?.revision ?? 0);
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
    case "runTask": {
      const { op: _o, session: _s, flow: _f, startedAt, lastEventAt, ...rest } = op;
      return flows.runTask({
        flowId,
        task: "differential task",
        ...rest,
        ...(startedAt !== undefined ? { startedAt: now + startedAt } : {}),
        ...(lastEventAt !== undefined ? { lastEventAt: now + lastEventAt } : {}),
      });
    }
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

const schema = testSchemaName();
let admin: pg.Pool;
beforeAll(async () => {
  admin = await connectTestDatabase();
});
afterAll(async () => {
  await dropSchema(admin, schema);
  await admin.end();
});

describe("the PostgreSQL store matches the memory runtime", () => {
  it("answers every random operation sequence identically", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 40 }), async (operations) => {
        const clock = createManualClock();
        const ids = () => {
          let n = 0;
          return () => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, "0")}`;
        };
        const memory = createMemoryTaskFlowRuntime({ clock, generateId: ids() });
        const postgres = await openPostgresTaskFlowStore({ connectionString: TEST_DATABASE_URL, schema, clock, generateId: ids(), maxConnections: 2 });
        await admin.query(`TRUNCATE ${schema}.flows, ${schema}.tasks`);
        try {
          const memoryFlowIds: string[] = [];
          const postgresFlowIds: string[] = [];
          for (const op of operations) {
            if (op.op === "tick") {
              clock.advance(op.ms);
              continue;
            }
            const expected = await apply(op, (i) => memory.bindSession({ sessionKey: SESSIONS[i]! }), memoryFlowIds, clock.now());
            const actual = await apply(op, (i) => postgres.bindSession({ sessionKey: SESSIONS[i]! }), postgresFlowIds, clock.now());
            expect(actual, JSON.stringify(op)).toStrictEqual(expected);
            if (op.op === "create") {
              memoryFlowIds.push((expected as TaskFlowRecord).flowId);
              postgresFlowIds.push((actual as TaskFlowRecord).flowId);
            }
          }
          for (const sessionKey of SESSIONS) {
            expect(await postgres.bindSession({ sessionKey }).list()).toStrictEqual(await memory.bindSession({ sessionKey }).list());
          }
        } finally {
          await postgres.close();
        }
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it("keeps seeded records exactly as given, nulls and extra keys included", async () => {
    let store: PostgresTaskFlowStore | undefined;
    try {
      store = await openPostgresTaskFlowStore({ connectionString: TEST_DATABASE_URL, schema, maxConnections: 2 });
      await admin.query(`TRUNCATE ${schema}.flows, ${schema}.tasks`);
      const memory = createMemoryTaskFlowRuntime();

      const flow: TaskFlowRecord = {
        flowId: "6f1c1d0e-7c59-4b8e-9a51-0d2a3f6b9c11",
        syncMode: "task_mirrored",
        ownerKey: SESSIONS[0],
        revision: 7,
        status: "lost",
        notifyPolicy: "silent",
        goal: "seeded",
        currentStep: null,
        blockedTaskId: null,
        stateJson: null,
        waitJson: { nested: [1, null, "x"] },
        cancelRequestedAt: null,
        endedAt: null,
        createdAt: 1,
        updatedAt: 2,
        requesterOrigin: { channel: "webhook" },
        chainId: "chain-1",
      };
      await store.seedUnmanagedFlow(flow);
      memory.seed(flow);
      const postgresView = store.bindSession({ sessionKey: SESSIONS[0] });
      const memoryView = memory.bindSession({ sessionKey: SESSIONS[0] });
      expect(await postgresView.get(flow.flowId)).toStrictEqual(flow);
      expect(await postgresView.get(flow.flowId)).toStrictEqual(memoryView.get(flow.flowId));

      const task = {
        taskId: "task-seeded",
        runtime: "cli" as const,
        scopeKind: "session",
        parentFlowId: flow.flowId,
        task: "seeded task",
        status: "failed" as const,
        deliveryStatus: "delivered",
        notifyPolicy: "done_only" as const,
        createdAt: 3,
        endedAt: 4,
        error: "boom",
        progressSummary: null,
        metadata: { a: [1] },
        terminalOutcome: "error",
      };
      await store.seedTask(task);
      memory.seedTask(task);
      expect(await postgresView.getTaskSummary(flow.flowId)).toStrictEqual(memoryView.getTaskSummary(flow.flowId));
      expect(await postgresView.cancel({ flowId: flow.flowId })).toStrictEqual(memoryView.cancel({ flowId: flow.flowId }));
    } finally {
      await store?.close();
    }
  });
});
