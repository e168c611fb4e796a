// The TaskFlow differential kit: random operation sequences run against the memory runtime
// (the behavioural reference) and a backend on one manual clock and one id sequence. Every
// answer must be strictly equal, so key presence (absent vs `null`), revisions, reason texts
// and orderings all match, not only the values the conformance kit pins. SQLite and
// PostgreSQL run it. Needs fast-check (an optional peer dependency, loaded when a property
// runs, so the other kits of this entry work without it).
import { describe, expect, it } from "vitest";
import { createMemoryTaskFlowRuntime, type MemoryTaskFlowRuntime } from "../taskflow/memory-runtime.js";
import type { BoundTaskFlow, TaskFlowRecord, TaskFlowRuntime, TaskRecord } from "../taskflow/types.js";
import { createManualClock, type ManualClock } from "./manual-clock.js";
import { applyOperation, issueOperation, operationArbitrary, sessionOf, SESSIONS, type FastCheck, type Operation, type StoreOperation } from "./taskflow-operations.js";

export interface DifferentialBackend {
  runtime: TaskFlowRuntime;
  /** Stores a flow record as given; required with `seeded: true`. */
  seedUnmanagedFlow?(record: TaskFlowRecord): void | Promise<void>;
  /** Stores a task record as given; required with `seeded: true`. */
  seedTask?(record: TaskRecord): void | Promise<void>;
  /** Called after each generated sequence (and after the seeded test). */
  close?(): void | Promise<void>;
}

export interface DifferentialOptions {
  /**
   * The backend answers calls issued in one turn, none awaited before the next, as if they
   * had been made one by one in that order (SQLite's group commit): registers the property
   * that checks it. A store that may reorder concurrent calls (a connection pool) leaves it out.
   */
  batches?: boolean;
  /** The backend implements `seedUnmanagedFlow` and `seedTask`: registers the test that seeded records are kept exactly. */
  seeded?: boolean;
}

export interface DifferentialContext {
  clock: ManualClock;
  /** The id sequence the memory runtime gets too: use it for every id the backend makes. */
  generateId: () => string;
  /**
   * In the batch property, a random bound from 1 to 12 on the writes a store may group in
   * one commit, so commits split the batch at every place; a store without groups ignores it.
   */
  maxWritesPerCommit?: number;
}

/** A fresh, empty backend for each generated sequence. */
export type DifferentialFactory = (ctx: DifferentialContext) => DifferentialBackend | Promise<DifferentialBackend>;

// Time for a whole property (every generated sequence, each on a fresh backend): a hang
// guard for a database backend, not a speed check.
const PROPERTY_TIMEOUT_MS = 120_000;

async function loadFastCheck(): Promise<FastCheck> {
  try {
    return (await import("fast-check")).default;
  } catch (error) {
    throw new Error("describeTaskFlowDifferential needs fast-check (an optional peer dependency of @taskflow-webhooks/core): install it", {
      cause: error,
    });
  }
}

/** Ids 00000000-0000-4000-8000-000000000001, …: one sequence per backend, so both make the same ones. */
function idSequence(): () => string {
  let n = 0;
  return () => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, "0")}`;
}

/** Runs `body` on a fresh backend and the memory runtime (same clock, same ids), then closes the backend. */
async function withBackends(
  create: DifferentialFactory,
  extra: Pick<DifferentialContext, "maxWritesPerCommit">,
  body: (backend: DifferentialBackend, memory: MemoryTaskFlowRuntime, clock: ManualClock) => Promise<void>,
): Promise<void> {
  const clock = createManualClock();
  const memory = createMemoryTaskFlowRuntime({ clock, generateId: idSequence() });
  const backend = await create({ clock, generateId: idSequence(), ...extra });
  try {
    await body(backend, memory, clock);
    for (const sessionKey of SESSIONS) {
      expect(await backend.runtime.bindSession({ sessionKey }).list()).toStrictEqual(await memory.bindSession({ sessionKey }).list());
    }
  } finally {
    await backend.close?.();
  }
}

/**
 * Makes each call of `operations` in order, with the backend's and the memory runtime's
 * handles bound to its session (`owners`: the session of each flow the calls can name, so
 * "owner" resolves); a tick moves the clock instead. Awaiting `call` only runs microtasks,
 * so calls issued without awaiting their answers stay in one turn.
 */
async function forEachCall(
  operations: readonly Operation[],
  clock: ManualClock,
  backend: TaskFlowRuntime,
  memory: TaskFlowRuntime,
  owners: readonly number[],
  call: (op: StoreOperation, backendFlows: BoundTaskFlow, memoryFlows: BoundTaskFlow) => Promise<void>,
): Promise<void> {
  for (const op of operations) {
    if (op.op === "tick") {
      clock.advance(op.ms);
      continue;
    }
    const sessionKey = SESSIONS[sessionOf(op, owners)]!;
    await call(op, backend.bindSession({ sessionKey }), memory.bindSession({ sessionKey }));
  }
}

export function describeTaskFlowDifferential(name: string, create: DifferentialFactory, options: DifferentialOptions = {}): void {
  describe(`TaskFlow differential: ${name} matches the memory runtime`, () => {
    if (options.batches) {
      it("answers a batch issued in one turn as the memory runtime answers it one by one", { timeout: PROPERTY_TIMEOUT_MS }, async () => {
        const fc = await loadFastCheck();
        const batch = fc.array(operationArbitrary(fc), { minLength: 1, maxLength: 40 });
        await fc.assert(
          fc.asyncProperty(batch, fc.integer({ min: 1, max: 12 }), (operations, maxWritesPerCommit) =>
            withBackends(create, { maxWritesPerCommit }, async (backend, memory, clock) => {
              // Flows to act on, created first (the same ids in both backends).
              const flowIds: string[] = [];
              const owners: number[] = [];
              for (let i = 0; i < 4; i++) {
                const params = { controllerId: "differential", goal: `seed ${i}` };
                owners.push(i % 2);
                flowIds.push((await backend.runtime.bindSession({ sessionKey: SESSIONS[i % 2]! }).createManaged(params)).flowId);
                memory.bindSession({ sessionKey: SESSIONS[i % 2]! }).createManaged(params);
              }
              const expected: unknown[] = [];
              const pending: unknown[] = [];
              await forEachCall(operations, clock, backend.runtime, memory, owners, async (op, backendFlows, memoryFlows) => {
                // The backend's call starts its work now (a group commit stays open); the memory call right after it.
                pending.push(issueOperation(op, backendFlows, flowIds, clock.now()));
                expected.push(await issueOperation(op, memoryFlows, flowIds, clock.now()));
              });
              expect(await Promise.all(pending)).toStrictEqual(expected);
            }),
          ),
          { numRuns: 100 },
        );
      });
    }

    it("answers every random operation sequence identically", { timeout: PROPERTY_TIMEOUT_MS }, async () => {
      const fc = await loadFastCheck();
      await fc.assert(
        fc.asyncProperty(fc.array(operationArbitrary(fc), { minLength: 1, maxLength: 40 }), (operations) =>
          withBackends(create, {}, async (backend, memory, clock) => {
            const memoryFlowIds: string[] = [];
            const backendFlowIds: string[] = [];
            const owners: number[] = [];
            await forEachCall(operations, clock, backend.runtime, memory, owners, async (op, backendFlows, memoryFlows) => {
              const expected = await applyOperation(op, memoryFlows, memoryFlowIds, clock.now());
              const actual = await applyOperation(op, backendFlows, backendFlowIds, clock.now());
              expect(actual, JSON.stringify(op)).toStrictEqual(expected);
              if (op.op === "create") {
                memoryFlowIds.push((expected as TaskFlowRecord).flowId);
                backendFlowIds.push((actual as TaskFlowRecord).flowId);
                owners.push(op.session);
              }
            });
          }),
        ),
        { numRuns: 150 },
      );
    });

    if (!options.seeded) return;
    it("keeps seeded records exactly as given, nulls and extra keys included", async () => {
      await withBackends(create, {}, async (backend, memory) => {
        if (!backend.seedUnmanagedFlow || !backend.seedTask) throw new Error("seeded: true needs backend.seedUnmanagedFlow() and backend.seedTask()");
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
        await backend.seedUnmanagedFlow(flow);
        memory.seed(flow);
        const backendView = backend.runtime.bindSession({ sessionKey: SESSIONS[0] });
        const memoryView = memory.bindSession({ sessionKey: SESSIONS[0] });
        expect(await backendView.get(flow.flowId)).toStrictEqual(flow);
        expect(await backendView.get(flow.flowId)).toStrictEqual(memoryView.get(flow.flowId));

        const task: TaskRecord = {
          taskId: "task-seeded",
          runtime: "cli",
          scopeKind: "session",
          parentFlowId: flow.flowId,
          task: "seeded task",
          status: "failed",
          deliveryStatus: "delivered",
          notifyPolicy: "done_only",
          createdAt: 3,
          endedAt: 4,
          error: "boom",
          progressSummary: null,
          metadata: { a: [1] },
          terminalOutcome: "error",
        };
        await backend.seedTask(task);
        memory.seedTask(task);
        expect(await backendView.getTaskSummary(flow.flowId)).toStrictEqual(memoryView.getTaskSummary(flow.flowId));
        expect(await backendView.cancel({ flowId: flow.flowId })).toStrictEqual(memoryView.cancel({ flowId: flow.flowId }));
      });
    });
  });
}
