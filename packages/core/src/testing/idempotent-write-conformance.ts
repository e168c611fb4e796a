// The IdempotentWrite conformance kit: for TaskFlow stores that keep idempotency records in
// their own storage (`TaskFlowRuntime.idempotencyStore`: SQLite, PostgreSQL). A write and
// its record commit or roll back together, the handler uses those records by default, and a
// replay is answered from storage (after a restart, or on another instance). What is stored
// is read past the store, through the backend's `stored()`. Rules: IdempotentWrite in
// taskflow/types.ts. One fresh, empty storage and manual clock per test.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWebhookHandler } from "../handler.js";
import type { IdempotencyStore, StoredAnswer } from "../ports/idempotency-store.js";
import type { IdempotentWrite, TaskFlowRuntime } from "../taskflow/types.js";
import { createManualClock, type ManualClock } from "./manual-clock.js";

/** A TaskFlow store whose writes honour `options.idempotency` in their own transaction. */
export type IdempotentWriteStore = TaskFlowRuntime & { readonly idempotencyStore: IdempotencyStore };

/** What the storage holds, read past the store (another connection, a plain query). */
export interface IdempotentWriteStorage {
  flows: number;
  tasks: number;
  /** Every idempotency record (any order): its scope and its answer's status, `null` while only reserved. */
  records: Array<{ scope: string; status: number | null }>;
}

export interface IdempotentWriteBackend {
  store: IdempotentWriteStore;
  stored(): IdempotentWriteStorage | Promise<IdempotentWriteStorage>;
  /** Closes the store and opens the same storage again (a restart); required with `durable: true`. */
  reopen?(): IdempotentWriteStore | Promise<IdempotentWriteStore>;
  /** Opens one more store on the same storage beside the open ones (another server instance); required with `instances: true`. */
  openInstance?(): IdempotentWriteStore | Promise<IdempotentWriteStore>;
  /** Called after each test: closes every store it opened. */
  close?(): void | Promise<void>;
}

export interface IdempotentWriteOptions {
  /** Records survive a restart: registers the replay after `reopen`. */
  durable?: boolean;
  /** Instances open at once in one process share the records: registers the tests on `openInstance`. */
  instances?: boolean;
}

export type IdempotentWriteFactory = (ctx: { clock: ManualClock }) => IdempotentWriteBackend | Promise<IdempotentWriteBackend>;

const SESSION = "agent:main:main";
const SECRET = "idempotent-write-kit-secret-1234";
const LOCK_MS = 60_000;
const TTL_MS = 60_000;

type Answer = StoredAnswer | undefined;

export function describeIdempotentWriteConformance(
  name: string,
  create: IdempotentWriteFactory,
  options: IdempotentWriteOptions = {},
): void {
  describe(`IdempotentWrite conformance: ${name}: records commit in the write's own transaction`, () => {
    let clock: ManualClock;
    let current: IdempotentWriteBackend | undefined;
    beforeEach(async () => {
      clock = createManualClock();
      current = await create({ clock });
    });
    afterEach(async () => {
      const finished = current;
      current = undefined;
      await finished?.close?.();
    });
    const backend = () => {
      if (!current) throw new Error("IdempotentWrite harness used outside a test");
      return current;
    };
    const stored = async (): Promise<IdempotentWriteStorage> => {
      const { flows, tasks, records } = await backend().stored();
      return { flows, tasks, records: [...records].sort((a, b) => (a.scope < b.scope ? -1 : a.scope > b.scope ? 1 : 0)) };
    };
    /** Reserves `demo\n<key>` and answers the write option that completes it with `answerFor`. */
    const reserved = async <O>(key: string, answerFor: (outcome: O) => Answer): Promise<{ idempotency: IdempotentWrite<O> }> => {
      const scope = `demo\n${key}`;
      const r = await backend().store.idempotencyStore.reserve(scope, "fp", { now: clock.now(), lockMs: LOCK_MS });
      if (r.state !== "reserved") throw new Error(`expected a reservation of ${key}, got ${r.state}`);
      return { idempotency: { scope, token: r.token, now: clock.now(), ttlMs: TTL_MS, answerFor } };
    };
    const flowsOf = (store: IdempotentWriteStore = backend().store) => store.bindSession({ sessionKey: SESSION });

    it("create_flow: the flow and its answer are committed together, and the answer is replayed", async () => {
      const flow = await flowsOf().createManaged(
        { controllerId: "c", goal: "g" },
        await reserved("k", (f) => ({ status: 200, body: JSON.stringify({ flowId: f.flowId }) })),
      );
      expect(await stored()).toEqual({ flows: 1, tasks: 0, records: [{ scope: "demo\nk", status: 200 }] });
      clock.advance(1_000);
      expect(await backend().store.idempotencyStore.reserve("demo\nk", "fp", { now: clock.now(), lockMs: LOCK_MS })).toEqual({
        state: "completed",
        answer: { status: 200, body: JSON.stringify({ flowId: flow.flowId }) },
      });
    });

    it("when the record cannot be written, the flow or task write rolls back with it", async () => {
      const flows = flowsOf();
      const flow = await flows.createManaged({ controllerId: "c", goal: "seed" });
      const failing = <O>(): { idempotency: IdempotentWrite<O> } => ({
        idempotency: {
          scope: "demo\nk",
          token: "t",
          now: clock.now(),
          ttlMs: TTL_MS,
          answerFor: () => {
            throw new Error("record failed");
          },
        },
      });
      await expect(flows.createManaged({ controllerId: "c", goal: "g" }, failing())).rejects.toThrow("record failed");
      await expect(flows.runTask({ flowId: flow.flowId, runtime: "subagent", task: "t" }, failing())).rejects.toThrow("record failed");
      await expect(flows.setWaiting({ flowId: flow.flowId, expectedRevision: 0 }, failing())).rejects.toThrow("record failed");
      await expect(flows.cancel({ flowId: flow.flowId }, failing())).rejects.toThrow("record failed");
      expect(await stored()).toEqual({ flows: 1, tasks: 0, records: [] });
      expect(await flows.get(flow.flowId)).toMatchObject({ revision: 0, status: "queued" });
    });

    it("run_task, mutations (applied or refused) and cancel store their answer; an answerFor of undefined stores nothing", async () => {
      const flows = flowsOf();
      const flow = await flows.createManaged({ controllerId: "c", goal: "g" });
      const answering = <O>(key: string, answer: Answer) => reserved<O>(key, () => answer);
      await flows.runTask({ flowId: flow.flowId, runtime: "subagent", task: "t" }, await answering("task", { status: 200, body: "task" }));
      await flows.setWaiting({ flowId: flow.flowId, expectedRevision: 0 }, await answering("wait", { status: 200, body: "wait" }));
      await flows.finish({ flowId: flow.flowId, expectedRevision: 0 }, await answering("stale", { status: 409, body: "conflict" }));
      await flows.cancel({ flowId: flow.flowId }, await answering("none", undefined));
      expect((await stored()).records).toEqual([
        { scope: "demo\nnone", status: null },
        { scope: "demo\nstale", status: 409 },
        { scope: "demo\ntask", status: 200 },
        { scope: "demo\nwait", status: 200 },
      ]);
    });

    /** One keyed create_flow through the handler on `store`, with the store's own records (the default). */
    const deliver = (store: IdempotentWriteStore) =>
      createWebhookHandler({ config: { routes: { demo: { sessionKey: SESSION, secret: SECRET } } }, taskFlow: store, clock }).handle({
        method: "POST",
        path: "/plugins/webhooks/demo",
        remoteAddress: "192.0.2.1",
        headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}`, "idempotency-key": "order-1" },
        body: { kind: "text", text: JSON.stringify({ action: "create_flow", goal: "once" }) },
      });
    /** The first delivery stores its answer with the flow; the retry on `retryOn()` replays it. */
    const expectReplay = async (retryOn: () => IdempotentWriteStore | Promise<IdempotentWriteStore>) => {
      const first = await deliver(backend().store);
      expect(first?.status).toBe(200);
      expect(await stored()).toEqual({ flows: 1, tasks: 0, records: [{ scope: "demo\norder-1", status: 200 }] });
      const retry = await deliver(await retryOn());
      expect(retry?.headers["idempotent-replayed"]).toBe("true");
      expect(retry?.body).toBe(first?.body);
      expect((await stored()).flows).toBe(1);
    };

    it("through the handler: the store's own records are used by default and a retry replays the first answer", async () => {
      await expectReplay(() => backend().store);
    });

    if (options.durable) {
      it("through the handler: a retry after a restart (the storage reopened) replays the first answer", async () => {
        await expectReplay(async () => {
          const b = backend();
          if (!b.reopen) throw new Error("durable: true needs backend.reopen()");
          return (b.store = await b.reopen());
        });
      });
    }

    if (!options.instances) return;
    const openInstance = () => {
      const b = backend();
      if (!b.openInstance) throw new Error("instances: true needs backend.openInstance()");
      return b.openInstance();
    };

    it("through the handler: a retry on another instance replays the first answer", async () => {
      await expectReplay(openInstance);
    });

    it("eight instances delivering one key at once: one runs the action", async () => {
      const instances = await Promise.all(Array.from({ length: 8 }, openInstance));
      const answers = await Promise.all(
        instances.map((s) => s.idempotencyStore.reserve("demo\nrace", "fp", { now: clock.now(), lockMs: LOCK_MS })),
      );
      expect(answers.filter((a) => a.state === "reserved")).toHaveLength(1);
      expect(answers.filter((a) => a.state === "in_progress")).toHaveLength(7);
    });
  });
}
