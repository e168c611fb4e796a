// The TaskFlow conformance kit: one suite every backend of the port must pass (the memory
// runtime with and without listPage, SQLite, PostgreSQL), so a caller cannot tell them
// apart. This file is the written contract of the TaskFlow port (the reference is
// OpenClaw 2026.9.6's runtime): exact revisions, statuses, key presence and clock times.
// One fresh backend and one manual clock per test.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type {
  BoundTaskFlow,
  CreateManagedFlowParams,
  MaybePromise,
  MutationResult,
  RunTaskParams,
  FlowStatus,
  TaskFlowRecord,
  TaskFlowRuntime,
  TaskRecord,
  TaskSummary,
} from "../taskflow/types.js";
import { decodeFlowCursor } from "../actions/flow-cursor.js";
import { LIST_FLOWS_MAX_BYTES, listFlows, utf8Length, type ListFlowsParams } from "../actions/list-flows.js";
import { flowPageReader, positionOf } from "../taskflow/flow-page.js";
import { createManualClock, type ManualClock } from "./manual-clock.js";

export interface ConformanceBackend {
  runtime: TaskFlowRuntime;
  /** Called after each test. */
  close?(): void | Promise<void>;
  /** Stores a flow record as given; required when the suite runs with `seedUnmanaged: true`. */
  seedUnmanagedFlow?(record: TaskFlowRecord): void | Promise<void>;
}

export interface ConformanceOptions {
  /**
   * The backend implements `seedUnmanagedFlow`: registers the tests that need a
   * `task_mirrored` flow (`not_managed` and the first `runTask` refusal). The port
   * itself only creates managed flows, so without it those paths are unreachable.
   */
  seedUnmanaged?: boolean;
}

export type ConformanceFactory = (ctx: { clock: ManualClock }) => ConformanceBackend | Promise<ConformanceBackend>;

interface Harness {
  clock: ManualClock;
  backend: ConformanceBackend;
  /** Bound to SESSION_A: the owner in most tests. */
  alice: BoundTaskFlow;
  /** Bound to SESSION_B: another session that must see nothing of alice's. */
  bob: BoundTaskFlow;
}
type GetHarness = () => Harness;

const SESSION_A = "agent:main:webhooks:alpha";
const SESSION_B = "agent:ops:webhooks:beta";
const MIRRORED_FLOW_ID = "6f1c1d0e-7c59-4b8e-9a51-0d2a3f6b9c11";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STEP_MS = 1_000;

export function describeTaskFlowConformance(
  name: string,
  create: ConformanceFactory,
  options: ConformanceOptions = {},
): void {
  describe(`TaskFlow conformance: ${name}`, () => {
    let current: Harness | undefined;
    beforeEach(async () => {
      const clock = createManualClock();
      const backend = await create({ clock });
      const bind = (sessionKey: string) => backend.runtime.bindSession({ sessionKey });
      current = { clock, backend, alice: bind(SESSION_A), bob: bind(SESSION_B) };
    });
    afterEach(async () => {
      const finished = current;
      current = undefined;
      await finished?.backend.close?.();
    });
    const h: GetHarness = () => {
      if (!current) throw new Error("conformance harness used outside a test");
      return current;
    };

    describeCreate(h);
    describeReads(h);
    describePaging(h);
    describeOwnership(h);
    describeMutationChecks(h);
    describeSetWaiting(h);
    describeResume(h);
    describeFinishAndFail(h);
    describeRequestCancel(h);
    describeCancel(h);
    describeRunTask(h);
    describeTaskSummary(h);
    describeCopies(h);
    if (options.seedUnmanaged) describeUnmanaged(h);
  });
}

// ---------------------------------------------------------------------------
// Helpers

function tick(h: Harness, ms = STEP_MS): number {
  h.clock.advance(ms);
  return h.clock.now();
}

async function createFlow(flow: BoundTaskFlow, params: Partial<CreateManagedFlowParams> = {}): Promise<TaskFlowRecord> {
  return flow.createManaged({ controllerId: "conformance/controller", goal: "Ship the conformance kit", ...params });
}

function expectApplied(result: MutationResult): TaskFlowRecord {
  expect(result).toMatchObject({ applied: true });
  if (!result.applied) throw new Error(`expected the mutation to apply, got ${result.code}`);
  return result.flow;
}

async function runTask(flow: BoundTaskFlow, params: Omit<RunTaskParams, "runtime" | "task"> & Partial<RunTaskParams>) {
  return flow.runTask({ runtime: "subagent", task: "Summarise the inbox", ...params });
}

async function expectTaskCreated(
  flow: BoundTaskFlow,
  params: Omit<RunTaskParams, "runtime" | "task"> & Partial<RunTaskParams>,
): Promise<TaskRecord> {
  const result = await runTask(flow, params);
  expect(result).toMatchObject({ created: true });
  if (!result.created) throw new Error(`expected a task, got "${result.reason}"`);
  return result.task;
}

/** Blocks a fresh flow through setWaiting: revision 1, both blocked fields set. */
async function createBlockedFlow(h: Harness): Promise<TaskFlowRecord> {
  const flow = await createFlow(h.alice, { waitJson: { kind: "approval" } });
  return expectApplied(
    await h.alice.setWaiting({
      flowId: flow.flowId,
      expectedRevision: 0,
      blockedTaskId: "task-123",
      blockedSummary: "Waiting on a human",
    }),
  );
}

function zeroSummary(): TaskSummary {
  return {
    total: 0,
    active: 0,
    terminal: 0,
    failures: 0,
    byStatus: { queued: 0, running: 0, succeeded: 0, failed: 0, timed_out: 0, cancelled: 0, lost: 0 },
    byRuntime: { subagent: 0, acp: 0, cli: 0, cron: 0 },
  };
}

function mirroredRecord(h: Harness, overrides: Partial<TaskFlowRecord> = {}): TaskFlowRecord {
  return {
    flowId: MIRRORED_FLOW_ID,
    syncMode: "task_mirrored",
    ownerKey: SESSION_A,
    revision: 3,
    status: "running",
    notifyPolicy: "done_only",
    goal: "Mirrored from a detached task",
    createdAt: h.clock.now(),
    updatedAt: h.clock.now(),
    ...overrides,
  };
}

async function seedMirrored(h: Harness, overrides: Partial<TaskFlowRecord> = {}): Promise<TaskFlowRecord> {
  const seed = h.backend.seedUnmanagedFlow;
  if (!seed) throw new Error("seedUnmanaged: true requires the backend to implement seedUnmanagedFlow");
  const record = mirroredRecord(h, overrides);
  await seed.call(h.backend, record);
  return record;
}

interface MutationCase {
  name: string;
  run(flow: BoundTaskFlow, flowId: string, expectedRevision: number): MaybePromise<MutationResult>;
}

const MUTATIONS: readonly MutationCase[] = [
  {
    name: "setWaiting",
    run: (f, flowId, expectedRevision) => f.setWaiting({ flowId, expectedRevision, currentStep: "wait" }),
  },
  { name: "resume", run: (f, flowId, expectedRevision) => f.resume({ flowId, expectedRevision }) },
  { name: "finish", run: (f, flowId, expectedRevision) => f.finish({ flowId, expectedRevision }) },
  { name: "fail", run: (f, flowId, expectedRevision) => f.fail({ flowId, expectedRevision }) },
  { name: "requestCancel", run: (f, flowId, expectedRevision) => f.requestCancel({ flowId, expectedRevision }) },
];

const ACTIVE_CREATE_STATUSES = ["queued", "running", "waiting", "blocked"] as const;

// ---------------------------------------------------------------------------
// createManaged

function describeCreate(h: GetHarness): void {
  describe("createManaged", () => {
    it("creates a managed flow owned by the session with the documented defaults", async () => {
      const now = h().clock.now();
      const flow = await createFlow(h().alice);
      expect(flow.flowId).toMatch(UUID);
      expect(flow).toMatchObject({
        syncMode: "managed",
        ownerKey: SESSION_A,
        controllerId: "conformance/controller",
        revision: 0,
        status: "queued",
        notifyPolicy: "done_only",
        goal: "Ship the conformance kit",
        createdAt: now,
        updatedAt: now,
      });
      for (const key of ["endedAt", "cancelRequestedAt", "blockedTaskId", "blockedSummary", "waitJson", "stateJson"]) {
        expect(flow).not.toHaveProperty(key);
      }
      expect(flow.currentStep ?? null).toBeNull();
    });

    it("gives every flow a new id", async () => {
      const first = await createFlow(h().alice);
      const second = await createFlow(h().alice);
      expect(second.flowId).toMatch(UUID);
      expect(second.flowId).not.toBe(first.flowId);
    });

    it("stores the given status, notifyPolicy, currentStep and JSON (null kept as null)", async () => {
      const flow = await createFlow(h().alice, {
        status: "running",
        notifyPolicy: "state_changes",
        currentStep: "collect",
        stateJson: { cursor: 3, seen: ["a", "b"] },
        waitJson: null,
      });
      expect(flow).toMatchObject({ status: "running", notifyPolicy: "state_changes", currentStep: "collect" });
      expect(flow.stateJson).toEqual({ cursor: 3, seen: ["a", "b"] });
      expect(flow).toHaveProperty("waitJson", null);
    });

    it("accepts status waiting and notifyPolicy silent", async () => {
      const flow = await createFlow(h().alice, { status: "waiting", notifyPolicy: "silent" });
      expect(flow).toMatchObject({ status: "waiting", notifyPolicy: "silent", revision: 0 });
    });

    it("accepts status blocked without blocked fields", async () => {
      const flow = await createFlow(h().alice, { status: "blocked" });
      expect(flow.status).toBe("blocked");
      expect(flow).not.toHaveProperty("blockedTaskId");
      expect(flow).not.toHaveProperty("blockedSummary");
      expect((await h().alice.get(flow.flowId))?.status).toBe("blocked");
    });

    it("tryCreateManaged creates exactly like createManaged", async (ctx) => {
      const tryCreate = h().alice.tryCreateManaged;
      if (!tryCreate) return ctx.skip("backend has no tryCreateManaged");
      const flow = await tryCreate.call(h().alice, { controllerId: "conformance/controller", goal: "Try" });
      expect(flow).toMatchObject({ syncMode: "managed", ownerKey: SESSION_A, revision: 0, status: "queued" });
      expect(await h().alice.get(flow!.flowId)).toEqual(flow);
    });

    it("persists across calls and across handles bound to the same session", async () => {
      const flow = await createFlow(h().alice);
      expectApplied(await h().alice.requestCancel({ flowId: flow.flowId, expectedRevision: 0 }));
      const again = h().backend.runtime.bindSession({ sessionKey: SESSION_A });
      expect(again.sessionKey).toBe(SESSION_A);
      expect(h().alice.sessionKey).toBe(SESSION_A);
      expect(await again.get(flow.flowId)).toEqual(await h().alice.get(flow.flowId));
      expect((await again.get(flow.flowId))?.revision).toBe(1);
      expect((await again.list()).map((f) => f.flowId)).toEqual([flow.flowId]);
    });
  });
}

// ---------------------------------------------------------------------------
// get, list, findLatest, resolve

function describeReads(h: GetHarness): void {
  describe("reads", () => {
    it("get answers the stored flow, or undefined for an unknown id", async () => {
      const flow = await createFlow(h().alice);
      expect(await h().alice.get(flow.flowId)).toEqual(flow);
      expect(await h().alice.get("00000000-0000-4000-8000-000000000000")).toBeUndefined();
    });

    it("list answers the owner's flows, newest createdAt first", async () => {
      expect(await h().alice.list()).toEqual([]);
      const first = await createFlow(h().alice, { goal: "first" });
      tick(h());
      const second = await createFlow(h().alice, { goal: "second" });
      tick(h());
      const third = await createFlow(h().alice, { goal: "third" });
      // A later update must not reorder: the order is by creation.
      expectApplied(await h().alice.finish({ flowId: first.flowId, expectedRevision: 0 }));
      expect((await h().alice.list()).map((f) => f.goal)).toEqual(["third", "second", "first"]);
      expect((await h().alice.list())[0]).toEqual(third);
      expect((await h().alice.list())[1]).toEqual(second);
    });

    it("list breaks createdAt ties by insertion, later first", async () => {
      const first = await createFlow(h().alice, { goal: "first" });
      const second = await createFlow(h().alice, { goal: "second" });
      expect(first.createdAt).toBe(second.createdAt);
      expect((await h().alice.list()).map((f) => f.flowId)).toEqual([second.flowId, first.flowId]);
      expect((await h().alice.findLatest())?.flowId).toBe(second.flowId);
    });

    it("findLatest answers the most recently created flow, or undefined", async () => {
      expect(await h().alice.findLatest()).toBeUndefined();
      await createFlow(h().alice, { goal: "older" });
      tick(h());
      const newer = await createFlow(h().alice, { goal: "newer" });
      tick(h());
      await createFlow(h().bob, { goal: "bob's, newest of all" });
      expect(await h().alice.findLatest()).toEqual(newer);
    });

    it("resolve takes a flow id of the owner's", async () => {
      const older = await createFlow(h().alice, { goal: "older" });
      tick(h());
      await createFlow(h().alice, { goal: "newer" });
      expect(await h().alice.resolve(older.flowId)).toEqual(older);
    });

    it("resolve takes the owner's own session key for its latest flow", async () => {
      expect(await h().alice.resolve(SESSION_A)).toBeUndefined();
      await createFlow(h().alice, { goal: "older" });
      tick(h());
      const newer = await createFlow(h().alice, { goal: "newer" });
      expect(await h().alice.resolve(SESSION_A)).toEqual(newer);
    });

    it("resolve answers undefined for unknown tokens and for another session's key or flow", async () => {
      await createFlow(h().alice);
      const bobs = await createFlow(h().bob);
      expect(await h().alice.resolve("no-such-flow")).toBeUndefined();
      expect(await h().alice.resolve(SESSION_B)).toBeUndefined();
      expect(await h().alice.resolve(bobs.flowId)).toBeUndefined();
    });
  });
}

// ---------------------------------------------------------------------------
// Paging (list_flows): the store's listPage when it has one, else pages of list()

/** Walks every page of `limit` flows; answers the flow ids in order and the page count. */
async function walkPages(
  flow: BoundTaskFlow,
  params: ListFlowsParams,
  between?: (page: number) => Promise<void>,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let after = params.after;
  for (let pages = 1; ; pages++) {
    const page = await listFlows(flow, { ...params, after });
    ids.push(...page.flows.map((f) => f.flowId as string));
    if (!page.nextCursor) return { ids, pages };
    after = decodeFlowCursor(page.nextCursor);
    expect(after, "nextCursor decodes").toBeDefined();
    if (pages > 10_000) throw new Error("the walk does not end");
    await between?.(pages);
  }
}

/** Seven flows, newest last, two pairs created in the same millisecond (seq breaks the tie). */
async function createSevenFlows(h: Harness, statuses: readonly FlowStatus[] = []): Promise<TaskFlowRecord[]> {
  const created: TaskFlowRecord[] = [];
  for (let i = 0; i < 7; i++) {
    if (i !== 2 && i !== 5) tick(h);
    const status = (statuses[i] ?? "queued") as CreateManagedFlowParams["status"];
    created.push(await createFlow(h.alice, { goal: `flow ${i}`, status }));
  }
  return created;
}

function describePaging(h: GetHarness): void {
  describe("paging (list_flows)", () => {
    it("pages of every size walk exactly list(), ties included, and the last page has no nextCursor", async () => {
      await createSevenFlows(h());
      await createFlow(h().bob, { goal: "bob's" });
      const listed = (await h().alice.list()).map((f) => f.flowId);
      expect(listed).toHaveLength(7);
      for (const limit of [1, 2, 3, 7, 8, 1000]) {
        const walk = await walkPages(h().alice, { limit });
        expect(walk.ids, `limit ${limit}`).toEqual(listed);
        expect(walk.pages, `limit ${limit}`).toBe(Math.max(1, Math.ceil(7 / limit)));
      }
      expect(await listFlows(h().bob, { limit: 5 })).toMatchObject({ flows: [{ goal: "bob's" }] });
      expect(await listFlows(h().bob, { limit: 5 })).not.toHaveProperty("nextCursor");
    });

    it("a page holds the flows as list() shows them (redacted views, nothing else)", async () => {
      await createSevenFlows(h());
      const page = await listFlows(h().alice, { limit: 3 });
      const listed = await h().alice.list();
      expect(page.flows.map((f) => f.goal)).toEqual(listed.slice(0, 3).map((f) => f.goal));
      expect(page.flows[0]).toMatchObject({ flowId: listed[0]!.flowId, revision: 0, status: "queued", createdAt: listed[0]!.createdAt });
      expect(page.flows[0]).not.toHaveProperty("ownerKey");
      expect(typeof page.nextCursor).toBe("string");
    });

    it("an empty list is one page without nextCursor", async () => {
      expect(await listFlows(h().alice, { limit: 10 })).toEqual({ flows: [] });
      expect(await listFlows(h().alice, {})).toEqual({ flows: [] });
    });

    it("flows created between pages (same millisecond or later) neither repeat nor shift the walk", async () => {
      const before = (await createSevenFlows(h())).map((f) => f.flowId).reverse();
      const walk = await walkPages(h().alice, { limit: 2 }, async (page) => {
        await createFlow(h().alice, { goal: `inserted after page ${page}` });
        tick(h());
        await createFlow(h().alice, { goal: `inserted later after page ${page}` });
      });
      expect(walk.ids).toEqual(before);
      expect(await h().alice.list()).toHaveLength(7 + 2 * (walk.pages - 1));
    });

    it("mutating flows between pages does not move them", async () => {
      const created = await createSevenFlows(h());
      const before = created.map((f) => f.flowId).reverse();
      const walk = await walkPages(h().alice, { limit: 3 }, async () => {
        tick(h());
        for (const flow of created) {
          const current = await h().alice.get(flow.flowId);
          if (current?.status === "queued") await h().alice.resume({ flowId: flow.flowId, expectedRevision: current.revision });
        }
      });
      expect(walk.ids).toEqual(before);
    });

    it("status keeps only flows of that status, in list order, across pages", async () => {
      const statuses: FlowStatus[] = ["queued", "running", "running", "waiting", "running", "blocked", "running"];
      await createSevenFlows(h(), statuses);
      const listed = await h().alice.list();
      const running = listed.filter((f) => f.status === "running").map((f) => f.flowId);
      expect(running).toHaveLength(4);
      for (const limit of [1, 3, 4, 10]) {
        expect((await walkPages(h().alice, { limit, status: "running" })).ids, `limit ${limit}`).toEqual(running);
      }
      expect((await walkPages(h().alice, { status: "succeeded" })).ids).toEqual([]);
      const [first] = listed;
      expectApplied(await h().alice.finish({ flowId: first!.flowId, expectedRevision: 0 }));
      expect((await walkPages(h().alice, { limit: 1, status: "succeeded" })).ids).toEqual([first!.flowId]);
    });

    it("a place naming a flow the owner does not have continues after its createdAt; another session's id reveals nothing", async () => {
      const created = await createSevenFlows(h());
      const bobs = await createFlow(h().bob);
      const listed = await h().alice.list();
      // created[3] was made alone in its millisecond: "after createdAt" starts right below it.
      const createdAt = created[3]!.createdAt;
      const expected = listed.filter((f) => f.createdAt < createdAt).map((f) => f.flowId);
      const unknown = await walkPages(h().alice, { limit: 2, after: { createdAt, flowId: "no-such-flow" } });
      const foreign = await walkPages(h().alice, { limit: 2, after: { createdAt, flowId: bobs.flowId } });
      expect(unknown.ids).toEqual(expected);
      expect(foreign.ids).toEqual(expected);
      // A place past the oldest flow is an empty last page; one before the newest is everything.
      expect(await listFlows(h().alice, { limit: 3, after: { createdAt: -1, flowId: "x" } })).toEqual({ flows: [] });
      const all = await walkPages(h().alice, { limit: 3, after: { createdAt: Number.MAX_SAFE_INTEGER, flowId: "x" } });
      expect(all.ids).toEqual(listed.map((f) => f.flowId));
    });

    it("a place naming the owner's flow uses that flow's own time, whatever createdAt it carries", async () => {
      await createSevenFlows(h());
      const listed = await h().alice.list();
      const page = await listFlows(h().alice, { limit: 2, after: { createdAt: 0, flowId: listed[1]!.flowId } });
      expect(page.flows.map((f) => f.flowId)).toEqual([listed[2]!.flowId, listed[3]!.flowId]);
    });

    it("a page answers at most limit flows, whether more follow, and copies", async () => {
      // The store's own listPage when it has one, else the core's pages of list().
      const pages = flowPageReader(h().alice);
      await createSevenFlows(h());
      const listed = await h().alice.list();
      expect(await pages.read({ limit: 7 })).toEqual({ flows: listed, more: false });
      const partial = await pages.read({ limit: 3, after: positionOf(listed[2]!) });
      expect(partial).toEqual({ flows: listed.slice(3, 6), more: true });
      const [copy] = (await flowPageReader(h().alice).read({ limit: 1 })).flows;
      copy!.goal = "changed by caller";
      expect((await h().alice.get(copy!.flowId))?.goal).toBe(listed[0]!.goal);
    });

    it("without limit an answer stops at the flow cap with nextCursor", async () => {
      await createSevenFlows(h());
      const page = await listFlows(h().alice, {}, { defaultCap: 4 });
      expect(page.flows).toHaveLength(4);
      expect(page.nextCursor).toBeDefined();
      const rest = await listFlows(h().alice, { after: decodeFlowCursor(page.nextCursor!) }, { defaultCap: 4 });
      expect(rest.flows).toHaveLength(3);
      expect(rest).not.toHaveProperty("nextCursor");
    });

    it("big flows: every answer stays under the byte cap, carries nextCursor, and the walk still sees every flow", async () => {
      const big = "x".repeat(1024 * 1024);
      for (let i = 0; i < 10; i++) {
        tick(h());
        await createFlow(h().alice, { goal: `big ${i}`, stateJson: { blob: big, i } });
      }
      const first = await listFlows(h().alice, {});
      const bytes = utf8Length(JSON.stringify({ ok: true, routeId: "route", result: first }));
      expect(bytes).toBeLessThan(LIST_FLOWS_MAX_BYTES);
      expect(first.flows.length).toBeGreaterThanOrEqual(5);
      expect(first.flows.length).toBeLessThan(10);
      expect(first.nextCursor).toBeDefined();
      const walk = await walkPages(h().alice, { limit: 1000 });
      expect(walk.ids).toEqual((await h().alice.list()).map((f) => f.flowId));
      expect(walk.pages).toBe(2);
    });

    it("a single flow bigger than the byte cap is still answered, alone", async () => {
      await createFlow(h().alice, { goal: "small" });
      tick(h());
      await createFlow(h().alice, { goal: "huge", stateJson: "y".repeat(64 * 1024) });
      const page = await listFlows(h().alice, {}, { maxBytes: 16 * 1024 });
      expect(page.flows.map((f) => f.goal)).toEqual(["huge"]);
      const rest = await listFlows(h().alice, { after: decodeFlowCursor(page.nextCursor!) }, { maxBytes: 16 * 1024 });
      expect(rest).toMatchObject({ flows: [{ goal: "small" }] });
    });
  });
}

// ---------------------------------------------------------------------------
// Owner scoping

function describeOwnership(h: GetHarness): void {
  describe("owner scoping", () => {
    it("a flow of another session is invisible to every read", async () => {
      const flow = await createFlow(h().alice);
      await expectTaskCreated(h().alice, { flowId: flow.flowId });
      expect(await h().bob.get(flow.flowId)).toBeUndefined();
      expect(await h().bob.list()).toEqual([]);
      expect(await h().bob.findLatest()).toBeUndefined();
      expect(await h().bob.resolve(flow.flowId)).toBeUndefined();
      expect(await h().bob.resolve(SESSION_A)).toBeUndefined();
      expect(await h().bob.getTaskSummary(flow.flowId)).toBeUndefined();
    });

    it("a flow of another session answers not_found to every mutation and leaves it untouched", async () => {
      const flow = await createFlow(h().alice);
      for (const mutation of MUTATIONS) {
        expect(await mutation.run(h().bob, flow.flowId, 0), mutation.name).toEqual({
          applied: false,
          code: "not_found",
        });
      }
      expect(await h().bob.cancel({ flowId: flow.flowId })).toEqual({
        found: false,
        cancelled: false,
        reason: "Flow not found.",
      });
      expect(await runTask(h().bob, { flowId: flow.flowId })).toEqual({
        created: false,
        found: false,
        reason: "Flow not found.",
      });
      expect(await h().alice.get(flow.flowId)).toEqual(flow);
      expect(await h().alice.getTaskSummary(flow.flowId)).toEqual(zeroSummary());
    });

    it("each session lists only its own flows", async () => {
      const alices = await createFlow(h().alice, { goal: "alice" });
      const bobs = await createFlow(h().bob, { goal: "bob" });
      expect((await h().alice.list()).map((f) => f.flowId)).toEqual([alices.flowId]);
      expect((await h().bob.list()).map((f) => f.flowId)).toEqual([bobs.flowId]);
      expect(bobs.ownerKey).toBe(SESSION_B);
    });
  });
}

// ---------------------------------------------------------------------------
// Checks common to setWaiting, resume, finish, fail, requestCancel

function describeMutationChecks(h: GetHarness): void {
  describe.each(MUTATIONS)("$name: owner and revision checks", (mutation) => {
    it("raises the revision by exactly 1 and sets updatedAt to now", async () => {
      const flow = await createFlow(h().alice);
      const now = tick(h());
      const applied = expectApplied(await mutation.run(h().alice, flow.flowId, 0));
      expect(applied).toMatchObject({ flowId: flow.flowId, revision: 1, updatedAt: now, createdAt: flow.createdAt });
      expect(await h().alice.get(flow.flowId)).toEqual(applied);
      tick(h());
      expect(expectApplied(await mutation.run(h().alice, flow.flowId, 1)).revision).toBe(2);
    });

    it("answers not_found for an unknown flow", async () => {
      expect(await mutation.run(h().alice, "00000000-0000-4000-8000-000000000000", 0)).toEqual({
        applied: false,
        code: "not_found",
      });
    });

    it("answers revision_conflict with the current flow and changes nothing", async () => {
      const flow = await createFlow(h().alice);
      const changed = expectApplied(await h().alice.setWaiting({ flowId: flow.flowId, expectedRevision: 0 }));
      tick(h());
      for (const stale of [0, 2]) {
        const result = await mutation.run(h().alice, flow.flowId, stale);
        expect(result).toMatchObject({ applied: false, code: "revision_conflict", current: changed });
      }
      expect(await h().alice.get(flow.flowId)).toEqual(changed);
    });
  });

  it("two writers at one revision: exactly one applies", async () => {
    const flow = await createFlow(h().alice);
    const results = await Promise.all([
      h().alice.finish({ flowId: flow.flowId, expectedRevision: 0 }),
      h().alice.fail({ flowId: flow.flowId, expectedRevision: 0 }),
      h().alice.setWaiting({ flowId: flow.flowId, expectedRevision: 0 }),
    ]);
    expect(results.filter((r) => r.applied)).toHaveLength(1);
    expect(results.filter((r) => !r.applied && r.code === "revision_conflict")).toHaveLength(2);
    expect((await h().alice.get(flow.flowId))?.revision).toBe(1);
  });
}

// ---------------------------------------------------------------------------
// setWaiting

function describeSetWaiting(h: GetHarness): void {
  describe("setWaiting", () => {
    it("sets status waiting and the given fields", async () => {
      const flow = await createFlow(h().alice);
      const now = tick(h());
      const waiting = expectApplied(
        await h().alice.setWaiting({
          flowId: flow.flowId,
          expectedRevision: 0,
          currentStep: "await approval",
          stateJson: { step: 2 },
          waitJson: { kind: "approval", until: 5 },
        }),
      );
      expect(waiting).toMatchObject({
        status: "waiting",
        revision: 1,
        currentStep: "await approval",
        stateJson: { step: 2 },
        waitJson: { kind: "approval", until: 5 },
        updatedAt: now,
      });
      expect(waiting).not.toHaveProperty("blockedTaskId");
      expect(waiting).not.toHaveProperty("blockedSummary");
      expect(waiting).not.toHaveProperty("endedAt");
    });

    it("sets status blocked when blockedTaskId is a non-empty string", async () => {
      const flow = await createFlow(h().alice);
      const blocked = expectApplied(
        await h().alice.setWaiting({ flowId: flow.flowId, expectedRevision: 0, blockedTaskId: "task-9" }),
      );
      expect(blocked).toMatchObject({ status: "blocked", blockedTaskId: "task-9" });
      expect(blocked).not.toHaveProperty("blockedSummary");
    });

    it("sets status blocked when blockedSummary is a non-empty string", async () => {
      const flow = await createFlow(h().alice);
      const blocked = expectApplied(
        await h().alice.setWaiting({ flowId: flow.flowId, expectedRevision: 0, blockedSummary: "Needs a key" }),
      );
      expect(blocked).toMatchObject({ status: "blocked", blockedSummary: "Needs a key" });
      expect(blocked).not.toHaveProperty("blockedTaskId");
    });

    it("an empty blockedSummary does not block", async () => {
      const flow = await createFlow(h().alice);
      const result = await h().alice.setWaiting({ flowId: flow.flowId, expectedRevision: 0, blockedSummary: "" });
      expect(expectApplied(result).status).toBe("waiting");
    });

    it("only the given blocked fields decide: blocked fields already on the flow do not", async () => {
      const blocked = await createBlockedFlow(h());
      const result = await h().alice.setWaiting({ flowId: blocked.flowId, expectedRevision: 1 });
      const waiting = expectApplied(result);
      expect(waiting).toMatchObject({ status: "waiting", blockedTaskId: "task-123", blockedSummary: "Waiting on a human" });
    });

    it("leaves fields given as undefined unchanged", async () => {
      const flow = await createFlow(h().alice, { currentStep: "one", stateJson: { a: 1 }, waitJson: { w: 1 } });
      const waiting = expectApplied(
        await h().alice.setWaiting({
          flowId: flow.flowId,
          expectedRevision: 0,
          currentStep: undefined,
          stateJson: undefined,
          waitJson: undefined,
        }),
      );
      expect(waiting).toMatchObject({ currentStep: "one", stateJson: { a: 1 }, waitJson: { w: 1 } });
    });

    it("null clears: JSON fields become null, currentStep is cleared, blocked fields are removed", async () => {
      const blocked = await createBlockedFlow(h());
      const cleared = expectApplied(
        await h().alice.setWaiting({
          flowId: blocked.flowId,
          expectedRevision: 1,
          currentStep: null,
          stateJson: null,
          waitJson: null,
          blockedTaskId: null,
          blockedSummary: null,
        }),
      );
      expect(cleared.status).toBe("waiting");
      expect(cleared).toHaveProperty("stateJson", null);
      expect(cleared).toHaveProperty("waitJson", null);
      expect(cleared.currentStep ?? null).toBeNull();
      expect(cleared).not.toHaveProperty("blockedTaskId");
      expect(cleared).not.toHaveProperty("blockedSummary");
    });

    it("clears endedAt (no transition guard: a finished flow can wait again)", async () => {
      const flow = await createFlow(h().alice);
      expectApplied(await h().alice.finish({ flowId: flow.flowId, expectedRevision: 0 }));
      tick(h());
      const waiting = expectApplied(await h().alice.setWaiting({ flowId: flow.flowId, expectedRevision: 1 }));
      expect(waiting).toMatchObject({ status: "waiting", revision: 2 });
      expect(waiting).not.toHaveProperty("endedAt");
    });
  });
}

// ---------------------------------------------------------------------------
// resume

function describeResume(h: GetHarness): void {
  describe("resume", () => {
    it("returns to queued, writes waitJson null and removes the blocked fields", async () => {
      const blocked = await createBlockedFlow(h());
      const now = tick(h());
      const resumed = expectApplied(await h().alice.resume({ flowId: blocked.flowId, expectedRevision: 1 }));
      expect(resumed).toMatchObject({ status: "queued", revision: 2, updatedAt: now });
      expect(resumed).toHaveProperty("waitJson", null);
      expect(resumed).not.toHaveProperty("blockedTaskId");
      expect(resumed).not.toHaveProperty("blockedSummary");
      expect(resumed).not.toHaveProperty("endedAt");
    });

    it("takes the given status, currentStep and stateJson", async () => {
      const flow = await createFlow(h().alice, { status: "waiting", currentStep: "wait", stateJson: { n: 1 } });
      const resumed = expectApplied(
        await h().alice.resume({
          flowId: flow.flowId,
          expectedRevision: 0,
          status: "running",
          currentStep: "work",
          stateJson: { n: 2 },
        }),
      );
      expect(resumed).toMatchObject({ status: "running", currentStep: "work", stateJson: { n: 2 } });
    });

    it("writes waitJson null even when the flow never had one", async () => {
      const flow = await createFlow(h().alice);
      expect(flow).not.toHaveProperty("waitJson");
      const resumed = expectApplied(await h().alice.resume({ flowId: flow.flowId, expectedRevision: 0 }));
      expect(resumed).toHaveProperty("waitJson", null);
    });

    it("no transition guard: a failed flow returns to queued and loses endedAt", async () => {
      const flow = await createFlow(h().alice);
      const failed = expectApplied(await h().alice.fail({ flowId: flow.flowId, expectedRevision: 0 }));
      expect(failed).toHaveProperty("endedAt");
      const resumed = expectApplied(await h().alice.resume({ flowId: flow.flowId, expectedRevision: 1 }));
      expect(resumed).toMatchObject({ status: "queued", revision: 2 });
      expect(resumed).not.toHaveProperty("endedAt");
    });

    it("leaves cancelRequestedAt alone", async () => {
      const flow = await createFlow(h().alice, { status: "waiting" });
      const requestedAt = tick(h());
      expectApplied(await h().alice.requestCancel({ flowId: flow.flowId, expectedRevision: 0 }));
      tick(h());
      const resumed = expectApplied(await h().alice.resume({ flowId: flow.flowId, expectedRevision: 1 }));
      expect(resumed).toMatchObject({ status: "queued", cancelRequestedAt: requestedAt });
    });
  });
}

// ---------------------------------------------------------------------------
// finish, fail

function describeFinishAndFail(h: GetHarness): void {
  describe("finish", () => {
    it("succeeds with endedAt now, waitJson null, blocked fields removed, given stateJson", async () => {
      const blocked = await createBlockedFlow(h());
      const now = tick(h());
      const finished = expectApplied(
        await h().alice.finish({ flowId: blocked.flowId, expectedRevision: 1, stateJson: { result: "ok" } }),
      );
      expect(finished).toMatchObject({
        status: "succeeded",
        revision: 2,
        endedAt: now,
        updatedAt: now,
        stateJson: { result: "ok" },
      });
      expect(finished).toHaveProperty("waitJson", null);
      expect(finished).not.toHaveProperty("blockedTaskId");
      expect(finished).not.toHaveProperty("blockedSummary");
    });

    it("keeps stateJson and currentStep when not given", async () => {
      const flow = await createFlow(h().alice, { currentStep: "last", stateJson: { kept: true } });
      const finished = expectApplied(await h().alice.finish({ flowId: flow.flowId, expectedRevision: 0 }));
      expect(finished).toMatchObject({ currentStep: "last", stateJson: { kept: true } });
    });

    it("no transition guard: finishing a succeeded flow applies again", async () => {
      const flow = await createFlow(h().alice);
      expectApplied(await h().alice.finish({ flowId: flow.flowId, expectedRevision: 0 }));
      const later = tick(h());
      const again = expectApplied(await h().alice.finish({ flowId: flow.flowId, expectedRevision: 1 }));
      expect(again).toMatchObject({ status: "succeeded", revision: 2, endedAt: later });
    });
  });

  describe("fail", () => {
    it("fails with endedAt now, waitJson null and the given blocked fields and stateJson", async () => {
      const flow = await createFlow(h().alice, { waitJson: { w: 1 } });
      const now = tick(h());
      const failed = expectApplied(
        await h().alice.fail({
          flowId: flow.flowId,
          expectedRevision: 0,
          stateJson: { error: "boom" },
          blockedTaskId: "task-7",
          blockedSummary: "Crashed",
        }),
      );
      expect(failed).toMatchObject({
        status: "failed",
        revision: 1,
        endedAt: now,
        updatedAt: now,
        stateJson: { error: "boom" },
        blockedTaskId: "task-7",
        blockedSummary: "Crashed",
      });
      expect(failed).toHaveProperty("waitJson", null);
    });

    it("keeps blocked fields already on the flow when not given", async () => {
      const blocked = await createBlockedFlow(h());
      const failed = expectApplied(await h().alice.fail({ flowId: blocked.flowId, expectedRevision: 1 }));
      expect(failed).toMatchObject({ status: "failed", blockedTaskId: "task-123", blockedSummary: "Waiting on a human" });
    });

    it("removes blocked fields given as null", async () => {
      const blocked = await createBlockedFlow(h());
      const failed = expectApplied(
        await h().alice.fail({ flowId: blocked.flowId, expectedRevision: 1, blockedTaskId: null, blockedSummary: null }),
      );
      expect(failed).not.toHaveProperty("blockedTaskId");
      expect(failed).not.toHaveProperty("blockedSummary");
    });
  });
}

// ---------------------------------------------------------------------------
// requestCancel

function describeRequestCancel(h: GetHarness): void {
  describe("requestCancel", () => {
    it("sets cancelRequestedAt to now and leaves the status", async () => {
      const flow = await createFlow(h().alice, { status: "waiting", waitJson: { w: 1 } });
      const now = tick(h());
      const requested = expectApplied(await h().alice.requestCancel({ flowId: flow.flowId, expectedRevision: 0 }));
      expect(requested).toMatchObject({
        status: "waiting",
        revision: 1,
        cancelRequestedAt: now,
        updatedAt: now,
        waitJson: { w: 1 },
      });
      expect(requested).not.toHaveProperty("endedAt");
    });

    it("no transition guard: applies to a succeeded flow too", async () => {
      const flow = await createFlow(h().alice);
      expectApplied(await h().alice.finish({ flowId: flow.flowId, expectedRevision: 0 }));
      const requested = expectApplied(await h().alice.requestCancel({ flowId: flow.flowId, expectedRevision: 1 }));
      expect(requested).toMatchObject({ status: "succeeded", revision: 2, cancelRequestedAt: h().clock.now() });
    });
  });
}

// ---------------------------------------------------------------------------
// cancel

function describeCancel(h: GetHarness): void {
  describe("cancel", () => {
    it("answers Flow not found. for an unknown flow", async () => {
      expect(await h().alice.cancel({ flowId: "00000000-0000-4000-8000-000000000000" })).toEqual({
        found: false,
        cancelled: false,
        reason: "Flow not found.",
      });
    });

    it.each(ACTIVE_CREATE_STATUSES)(
      "cancels a %s flow: revision +2 without a prior requestCancel, endedAt now",
      async (status) => {
        const flow = await createFlow(h().alice, { status, waitJson: { w: 1 } });
        const now = tick(h());
        const result = await h().alice.cancel({ flowId: flow.flowId });
        expect(result).toMatchObject({ found: true, cancelled: true, tasks: [] });
        expect(result.reason).toBeUndefined();
        expect(result.flow).toMatchObject({
          status: "cancelled",
          revision: 2,
          cancelRequestedAt: now,
          endedAt: now,
          updatedAt: now,
        });
        expect(result.flow).toHaveProperty("waitJson", null);
        expect(await h().alice.get(flow.flowId)).toEqual(result.flow);
      },
    );

    it("removes the blocked fields and writes waitJson null", async () => {
      const blocked = await createBlockedFlow(h());
      const result = await h().alice.cancel({ flowId: blocked.flowId });
      expect(result.flow).toMatchObject({ status: "cancelled", revision: 3 });
      expect(result.flow).toHaveProperty("waitJson", null);
      expect(result.flow).not.toHaveProperty("blockedTaskId");
      expect(result.flow).not.toHaveProperty("blockedSummary");
    });

    it("after requestCancel raises the revision by 1 and keeps the first cancelRequestedAt", async () => {
      const flow = await createFlow(h().alice, { status: "running" });
      const requestedAt = tick(h());
      expectApplied(await h().alice.requestCancel({ flowId: flow.flowId, expectedRevision: 0 }));
      const now = tick(h());
      const result = await h().alice.cancel({ flowId: flow.flowId });
      expect(result).toMatchObject({ found: true, cancelled: true });
      expect(result.flow).toMatchObject({
        status: "cancelled",
        revision: 2,
        cancelRequestedAt: requestedAt,
        endedAt: now,
      });
    });

    it("cancels the flow's queued and running tasks itself, then the flow", async () => {
      const flow = await createFlow(h().alice, { status: "running" });
      const queued = await expectTaskCreated(h().alice, { flowId: flow.flowId });
      const running = await expectTaskCreated(h().alice, { flowId: flow.flowId, runtime: "acp", status: "running" });
      const other = await createFlow(h().alice);
      await expectTaskCreated(h().alice, { flowId: other.flowId });
      const now = tick(h());
      const result = await h().alice.cancel({ flowId: flow.flowId });
      expect(result).toMatchObject({ found: true, cancelled: true });
      expect(result.flow).toMatchObject({ status: "cancelled", revision: 2, endedAt: now });
      const tasks = result.tasks ?? [];
      expect(tasks.map((t) => t.taskId).sort()).toEqual([queued.taskId, running.taskId].sort());
      for (const task of tasks) expect(task).toMatchObject({ status: "cancelled", endedAt: now, parentFlowId: flow.flowId });
      expect(await h().alice.getTaskSummary(flow.flowId)).toMatchObject({
        total: 2,
        active: 0,
        terminal: 2,
        failures: 0,
        byStatus: { cancelled: 2, queued: 0, running: 0 },
      });
      // Another flow's children are not touched.
      expect(await h().alice.getTaskSummary(other.flowId)).toMatchObject({ total: 1, byStatus: { queued: 1 } });
    });

    it.each(["succeeded", "failed"] as const)("refuses a %s flow and changes nothing", async (status) => {
      const flow = await createFlow(h().alice);
      const ended =
        status === "succeeded"
          ? expectApplied(await h().alice.finish({ flowId: flow.flowId, expectedRevision: 0 }))
          : expectApplied(await h().alice.fail({ flowId: flow.flowId, expectedRevision: 0 }));
      tick(h());
      const result = await h().alice.cancel({ flowId: flow.flowId });
      expect(result).toMatchObject({ found: true, cancelled: false, reason: `Flow is already ${status}.`, flow: ended });
      expect(await h().alice.get(flow.flowId)).toEqual(ended);
    });

    it("refuses a second cancel: Flow is already cancelled.", async () => {
      const flow = await createFlow(h().alice);
      const first = await h().alice.cancel({ flowId: flow.flowId });
      tick(h());
      const second = await h().alice.cancel({ flowId: flow.flowId });
      expect(second).toMatchObject({
        found: true,
        cancelled: false,
        reason: "Flow is already cancelled.",
        flow: first.flow,
      });
    });
  });
}

// ---------------------------------------------------------------------------
// runTask

function describeRunTask(h: GetHarness): void {
  describe("runTask", () => {
    it("records a queued task and leaves the flow's revision alone", async () => {
      const flow = await createFlow(h().alice);
      const now = tick(h());
      const result = await runTask(h().alice, { flowId: flow.flowId });
      expect(result).toMatchObject({ created: true, flow });
      if (!result.created) throw new Error("expected a task");
      const task = result.task;
      expect(task.taskId).toMatch(UUID);
      expect(task).toMatchObject({
        runtime: "subagent",
        ownerKey: SESSION_A,
        requesterSessionKey: SESSION_A,
        scopeKind: "session",
        parentFlowId: flow.flowId,
        agentId: "main",
        task: "Summarise the inbox",
        status: "queued",
        deliveryStatus: "pending",
        notifyPolicy: "done_only",
        createdAt: now,
        lastEventAt: now,
      });
      for (const key of ["startedAt", "endedAt", "runId", "childSessionKey", "sourceId", "parentTaskId", "label"]) {
        expect(task).not.toHaveProperty(key);
      }
      expect((await h().alice.get(flow.flowId))?.revision).toBe(0);
    });

    it("records the given optional fields, the child session key as given", async () => {
      const flow = await createFlow(h().alice);
      const task = await expectTaskCreated(h().alice, {
        flowId: flow.flowId,
        runtime: "acp",
        task: "Draft the reply",
        sourceId: "webhook:github",
        childSessionKey: "agent:main:acp:child-1",
        parentTaskId: "task-parent",
        agentId: "writer",
        runId: "run-1",
        label: "reply",
        notifyPolicy: "silent",
      });
      expect(task).toMatchObject({
        runtime: "acp",
        task: "Draft the reply",
        sourceId: "webhook:github",
        childSessionKey: "agent:main:acp:child-1",
        parentTaskId: "task-parent",
        agentId: "writer",
        runId: "run-1",
        label: "reply",
        notifyPolicy: "silent",
      });
    });

    it("defaults agentId to the agent named in the owner's session key", async () => {
      const flow = await createFlow(h().bob);
      expect((await expectTaskCreated(h().bob, { flowId: flow.flowId })).agentId).toBe("ops");
    });

    it("records a running task; one created with startedAt takes it as createdAt", async () => {
      const flow = await createFlow(h().alice);
      const now = tick(h(), 10_000);
      const task = await expectTaskCreated(h().alice, {
        flowId: flow.flowId,
        status: "running",
        startedAt: now - 5_000,
        lastEventAt: now - 1_000,
        progressSummary: "Halfway",
      });
      expect(task).toMatchObject({
        status: "running",
        createdAt: now - 5_000,
        startedAt: now - 5_000,
        lastEventAt: now - 1_000,
        progressSummary: "Halfway",
      });
      expect(task).not.toHaveProperty("endedAt");
    });

    it("a running task without startedAt starts now", async () => {
      const flow = await createFlow(h().alice);
      const now = tick(h());
      const task = await expectTaskCreated(h().alice, { flowId: flow.flowId, status: "running" });
      expect(task).toMatchObject({ status: "running", createdAt: now, startedAt: now });
    });

    it("never starts work: the task stays queued", async () => {
      const flow = await createFlow(h().alice);
      await expectTaskCreated(h().alice, { flowId: flow.flowId });
      tick(h(), 60_000);
      expect(await h().alice.getTaskSummary(flow.flowId)).toMatchObject({ total: 1, active: 1, byStatus: { queued: 1 } });
    });

    it("a retry with the same runId, runtime, flow and child returns the same task", async () => {
      const flow = await createFlow(h().alice);
      const params = { flowId: flow.flowId, runId: "run-7", childSessionKey: "agent:main:subagent:c" };
      const first = await expectTaskCreated(h().alice, params);
      tick(h());
      const again = await expectTaskCreated(h().alice, params);
      expect(again).toEqual(first);
      const bare = await expectTaskCreated(h().alice, { flowId: flow.flowId, runId: "run-8" });
      expect(await expectTaskCreated(h().alice, { flowId: flow.flowId, runId: "run-8" })).toEqual(bare);
      expect((await h().alice.getTaskSummary(flow.flowId))?.total).toBe(2);
    });

    it("a differing runtime, child, flow or a missing runId records a new task", async () => {
      const flow = await createFlow(h().alice);
      const other = await createFlow(h().alice);
      const base = { flowId: flow.flowId, runId: "run-1", childSessionKey: "agent:main:subagent:c" };
      const ids = new Set<string>();
      ids.add((await expectTaskCreated(h().alice, base)).taskId);
      ids.add((await expectTaskCreated(h().alice, { ...base, runtime: "acp" })).taskId);
      ids.add((await expectTaskCreated(h().alice, { ...base, childSessionKey: "agent:main:subagent:d" })).taskId);
      ids.add((await expectTaskCreated(h().alice, { ...base, flowId: other.flowId })).taskId);
      ids.add((await expectTaskCreated(h().alice, { flowId: flow.flowId })).taskId);
      ids.add((await expectTaskCreated(h().alice, { flowId: flow.flowId })).taskId);
      expect(ids.size).toBe(6);
      expect((await h().alice.getTaskSummary(flow.flowId))?.total).toBe(5);
      expect((await h().alice.getTaskSummary(other.flowId))?.total).toBe(1);
    });

    it("refuses an unknown flow: found false, Flow not found., no flow", async () => {
      const result = await runTask(h().alice, { flowId: "00000000-0000-4000-8000-000000000000" });
      expect(result).toEqual({ created: false, found: false, reason: "Flow not found." });
      expect(result).not.toHaveProperty("flow");
    });

    it("refuses after requestCancel, before checking for a terminal status", async () => {
      const flow = await createFlow(h().alice);
      const requested = expectApplied(await h().alice.requestCancel({ flowId: flow.flowId, expectedRevision: 0 }));
      const reason = "Flow cancellation has already been requested.";
      expect(await runTask(h().alice, { flowId: flow.flowId })).toEqual({
        created: false,
        found: true,
        reason,
        flow: requested,
      });
      const finished = expectApplied(await h().alice.finish({ flowId: flow.flowId, expectedRevision: 1 }));
      expect(await runTask(h().alice, { flowId: flow.flowId })).toEqual({
        created: false,
        found: true,
        reason,
        flow: finished,
      });
      expect(await h().alice.getTaskSummary(flow.flowId)).toEqual(zeroSummary());
    });

    it("a cancelled flow refuses as cancellation requested (cancel sets cancelRequestedAt)", async () => {
      const flow = await createFlow(h().alice);
      await h().alice.cancel({ flowId: flow.flowId });
      expect(await runTask(h().alice, { flowId: flow.flowId })).toMatchObject({
        created: false,
        found: true,
        reason: "Flow cancellation has already been requested.",
      });
    });

    it.each(["succeeded", "failed"] as const)("refuses a %s flow: Flow is already %s.", async (status) => {
      const flow = await createFlow(h().alice);
      const ended =
        status === "succeeded"
          ? expectApplied(await h().alice.finish({ flowId: flow.flowId, expectedRevision: 0 }))
          : expectApplied(await h().alice.fail({ flowId: flow.flowId, expectedRevision: 0 }));
      expect(await runTask(h().alice, { flowId: flow.flowId })).toEqual({
        created: false,
        found: true,
        reason: `Flow is already ${status}.`,
        flow: ended,
      });
      expect(await h().alice.get(flow.flowId)).toEqual(ended);
      expect(await h().alice.getTaskSummary(flow.flowId)).toEqual(zeroSummary());
    });
  });
}

// ---------------------------------------------------------------------------
// getTaskSummary

function describeTaskSummary(h: GetHarness): void {
  describe("getTaskSummary", () => {
    it("answers undefined for an unknown flow", async () => {
      expect(await h().alice.getTaskSummary("00000000-0000-4000-8000-000000000000")).toBeUndefined();
    });

    it("answers a zeroed summary for a flow without tasks", async () => {
      const flow = await createFlow(h().alice);
      expect(await h().alice.getTaskSummary(flow.flowId)).toEqual(zeroSummary());
    });

    it("counts the flow's tasks per status and runtime", async () => {
      const flow = await createFlow(h().alice);
      const other = await createFlow(h().alice);
      await expectTaskCreated(h().alice, { flowId: flow.flowId });
      await expectTaskCreated(h().alice, { flowId: flow.flowId });
      await expectTaskCreated(h().alice, { flowId: flow.flowId, runtime: "acp", status: "running" });
      await expectTaskCreated(h().alice, { flowId: other.flowId, runtime: "acp" });
      const expected = zeroSummary();
      expected.total = 3;
      expected.active = 3;
      expected.byStatus.queued = 2;
      expected.byStatus.running = 1;
      expected.byRuntime.subagent = 2;
      expected.byRuntime.acp = 1;
      expect(await h().alice.getTaskSummary(flow.flowId)).toEqual(expected);
    });

    it("counts cancelled tasks as terminal, not as failures", async () => {
      const flow = await createFlow(h().alice);
      await expectTaskCreated(h().alice, { flowId: flow.flowId, runtime: "acp" });
      await h().alice.cancel({ flowId: flow.flowId });
      const expected = zeroSummary();
      expected.total = 1;
      expected.terminal = 1;
      expected.byStatus.cancelled = 1;
      expected.byRuntime.acp = 1;
      expect(await h().alice.getTaskSummary(flow.flowId)).toEqual(expected);
    });
  });
}

// ---------------------------------------------------------------------------
// Deep copies

function describeCopies(h: GetHarness): void {
  describe("deep copies", () => {
    it("JSON given to createManaged and setWaiting is copied on the way in", async () => {
      const state = { items: [1, 2], nested: { ok: true } };
      const wait: { kind: string; tags: string[] } = { kind: "approval", tags: ["a"] };
      const flow = await createFlow(h().alice, { stateJson: state });
      state.items.push(3);
      state.nested.ok = false;
      expectApplied(await h().alice.setWaiting({ flowId: flow.flowId, expectedRevision: 0, waitJson: wait }));
      wait.tags.push("b");
      const stored = await h().alice.get(flow.flowId);
      expect(stored?.stateJson).toEqual({ items: [1, 2], nested: { ok: true } });
      expect(stored?.waitJson).toEqual({ kind: "approval", tags: ["a"] });
    });

    it("records handed out are copies: mutating them changes nothing stored", async () => {
      const created = await createFlow(h().alice, { stateJson: { items: [1] } });
      (created.stateJson as { items: number[] }).items.push(99);
      created.goal = "changed by caller";
      const got = await h().alice.get(created.flowId);
      if (!got) throw new Error("flow vanished");
      got.status = "lost";
      (got.stateJson as { items: number[] }).items.push(100);
      const [listed] = await h().alice.list();
      if (listed) listed.revision = 42;
      const applied = expectApplied(await h().alice.setWaiting({ flowId: created.flowId, expectedRevision: 0 }));
      (applied.stateJson as { items: number[] }).items.length = 0;
      const stored = await h().alice.get(created.flowId);
      expect(stored).toMatchObject({ goal: "Ship the conformance kit", status: "waiting", revision: 1 });
      expect(stored?.stateJson).toEqual({ items: [1] });
    });

    it("tasks handed out are copies", async () => {
      const flow = await createFlow(h().alice);
      const task = await expectTaskCreated(h().alice, { flowId: flow.flowId });
      task.status = "failed";
      task.runtime = "cron";
      const expected = zeroSummary();
      expected.total = 1;
      expected.active = 1;
      expected.byStatus.queued = 1;
      expected.byRuntime.subagent = 1;
      expect(await h().alice.getTaskSummary(flow.flowId)).toEqual(expected);
    });
  });
}

// ---------------------------------------------------------------------------
// Unmanaged (task_mirrored) flows: only for backends that can seed one

function describeUnmanaged(h: GetHarness): void {
  describe("unmanaged (task_mirrored) flows", () => {
    it("are the owner's to read and invisible to others", async () => {
      const seeded = await seedMirrored(h());
      expect(await h().alice.get(seeded.flowId)).toMatchObject({ syncMode: "task_mirrored", revision: 3 });
      expect((await h().alice.list()).map((f) => f.flowId)).toEqual([seeded.flowId]);
      expect(await h().alice.getTaskSummary(seeded.flowId)).toEqual(zeroSummary());
      expect(await h().bob.get(seeded.flowId)).toBeUndefined();
    });

    it.each(MUTATIONS)("$name answers not_managed, before the revision check, and changes nothing", async (mutation) => {
      const seeded = await seedMirrored(h());
      for (const revision of [3, 0]) {
        expect(await mutation.run(h().alice, seeded.flowId, revision)).toMatchObject({
          applied: false,
          code: "not_managed",
        });
      }
      expect(await mutation.run(h().bob, seeded.flowId, 3)).toEqual({ applied: false, code: "not_found" });
      expect(await h().alice.get(seeded.flowId)).toMatchObject({ revision: 3, status: "running" });
    });

    it("runTask refuses first of all for not being managed", async () => {
      const seeded = await seedMirrored(h(), { status: "succeeded", cancelRequestedAt: h().clock.now() });
      const result = await runTask(h().alice, { flowId: seeded.flowId });
      expect(result).toMatchObject({
        created: false,
        found: true,
        reason: "Flow does not accept managed child tasks.",
        flow: { flowId: seeded.flowId, syncMode: "task_mirrored" },
      });
      expect(await h().alice.getTaskSummary(seeded.flowId)).toEqual(zeroSummary());
    });

    it("runTask answers Flow not found. to another session before anything else", async () => {
      const seeded = await seedMirrored(h());
      expect(await runTask(h().bob, { flowId: seeded.flowId })).toEqual({
        created: false,
        found: false,
        reason: "Flow not found.",
      });
    });
  });
}
