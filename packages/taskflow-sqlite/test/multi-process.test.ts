// Several processes on one file: writes serialise on the file lock, the revision check
// inside the write transaction lets exactly one writer apply per revision, a waiting
// writer waits (busy_timeout) instead of failing, and an acknowledged write survives
// kill -9. The children run the current source (bundle-store.ts).
import { fork, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { openSqliteTaskFlowStore } from "../src/index.js";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bundleStore, type StoreBundle } from "./bundle-store.js";
import { tempDatabase, type TempDatabase } from "./temp-db.js";

const here = dirname(fileURLToPath(import.meta.url));
const workerScript = join(here, "fixtures", "store-worker.mjs");
const SESSION = "agent:main:webhooks:alpha";

let bundle: StoreBundle;
beforeAll(async () => {
  bundle = await bundleStore();
});
afterAll(() => bundle.remove());

interface Worker {
  child: ChildProcess;
  request<T>(cmd: string, args?: Record<string, unknown>): Promise<T>;
  next<T>(predicate: (message: Record<string, unknown>) => boolean): Promise<T>;
}

let file: TempDatabase;
const workers: Worker[] = [];

beforeEach(() => {
  file = tempDatabase();
});
afterEach(() => {
  for (const worker of workers.splice(0)) if (worker.child.exitCode === null) worker.child.kill("SIGKILL");
  file.remove();
});

/** `synchronous: "normal"` where the test is about locking, not about surviving a crash: fewer fsyncs. */
async function startWorker(synchronous: "full" | "normal" = "normal"): Promise<Worker> {
  const child = fork(workerScript, [bundle.url, file.path, synchronous], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const waiters: Array<{ predicate: (m: Record<string, unknown>) => boolean; resolve: (m: unknown) => void }> = [];
  child.on("message", (message: Record<string, unknown>) => {
    const index = waiters.findIndex((w) => w.predicate(message));
    if (index >= 0) waiters.splice(index, 1)[0]!.resolve(message);
  });
  let nextId = 0;
  const next = <T>(predicate: (m: Record<string, unknown>) => boolean) =>
    new Promise<T>((resolve, reject) => {
      waiters.push({ predicate, resolve: resolve as (m: unknown) => void });
      child.once("exit", (code, signal) => reject(new Error(`worker exited (${code ?? signal})`)));
    });
  const worker: Worker = {
    child,
    next,
    async request<T>(cmd: string, args: Record<string, unknown> = {}) {
      const id = ++nextId;
      const reply = next<{ result?: T; error?: string }>((m) => m.id === id);
      child.send({ cmd, id, ...args });
      const { result, error } = await reply;
      if (error) throw new Error(`worker: ${error}`);
      return result as T;
    },
  };
  workers.push(worker);
  await next((m) => m.ready === true);
  return worker;
}

async function createFlow() {
  const store = openSqliteTaskFlowStore({ path: file.path });
  try {
    return await store.bindSession({ sessionKey: SESSION }).createManaged({ controllerId: "test", goal: "race" });
  } finally {
    store.close();
  }
}

async function readFlow(flowId: string) {
  const store = openSqliteTaskFlowStore({ path: file.path });
  try {
    return await store.bindSession({ sessionKey: SESSION }).get(flowId);
  } finally {
    store.close();
  }
}

describe("several processes on one file", () => {
  it("three processes at one expectedRevision: exactly one applies, the rest get revision_conflict", async () => {
    const flow = await createFlow();
    const pool = await Promise.all([0, 1, 2].map(() => startWorker()));
    const results = await Promise.all(
      pool.map((worker, index) =>
        worker.request<{ applied: boolean; code?: string }>("setWaiting", {
          sessionKey: SESSION,
          flowId: flow.flowId,
          expectedRevision: 0,
          worker: index,
        }),
      ),
    );
    expect(results.filter((r) => r.applied)).toHaveLength(1);
    expect(results.filter((r) => !r.applied).map((r) => r.code)).toEqual(["revision_conflict", "revision_conflict"]);
    const stored = await readFlow(flow.flowId);
    expect(stored?.revision).toBe(1);
    expect((stored?.stateJson as { worker: number }).worker).toBe(results.findIndex((r) => r.applied));
  });

  it("concurrent read-modify-write loops lose no update", async () => {
    const flow = await createFlow();
    const rounds = 20;
    const pool = await Promise.all([0, 1, 2].map(() => startWorker()));
    const results = await Promise.all(
      pool.map((worker) =>
        worker.request<{ applied: number; conflicts: number }>("increment", { sessionKey: SESSION, flowId: flow.flowId, rounds }),
      ),
    );
    expect(results.map((r) => r.applied)).toEqual([rounds, rounds, rounds]);
    const stored = await readFlow(flow.flowId);
    expect(stored?.revision).toBe(3 * rounds);
    expect(stored?.stateJson).toEqual({ count: 3 * rounds });
  });

  it("a writer waits for another process's lock (busy_timeout) instead of failing", async () => {
    const flow = await createFlow();
    const holder = await startWorker();
    const store = openSqliteTaskFlowStore({ path: file.path, busyTimeoutMs: 5_000 });
    try {
      await holder.request("holdWriteLock", { ms: 300 });
      const started = Date.now();
      const result = await store.bindSession({ sessionKey: SESSION }).finish({ flowId: flow.flowId, expectedRevision: 0 });
      expect(result).toMatchObject({ applied: true, flow: { revision: 1, status: "succeeded" } });
      expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    } finally {
      store.close();
    }
  });

  it("an acknowledged write survives kill -9", async () => {
    const worker = await startWorker("full");
    let last: { flowId: string; revision: number } | undefined;
    const exited = new Promise((resolve) => worker.child.once("exit", resolve));
    await new Promise<void>((resolve) => {
      worker.child.on("message", (message: { ack?: { flowId: string; revision: number } }) => {
        if (!message.ack) return;
        last = message.ack;
        if (last.revision >= 25) {
          worker.child.kill("SIGKILL");
          resolve();
        }
      });
      worker.child.send({ cmd: "writeUntilKilled", id: 1, sessionKey: SESSION });
    });
    await exited;
    expect(worker.child.signalCode).toBe("SIGKILL");
    const stored = await readFlow(last!.flowId);
    // Every acknowledged write is there; a write in flight at the kill may be too.
    expect(stored?.revision).toBeGreaterThanOrEqual(last!.revision);
    expect(stored?.stateJson).toEqual(stored!.revision === 0 ? undefined : { revision: stored!.revision });
  });

  it("every write acknowledged from a group commit survives kill -9 (synchronous FULL)", async () => {
    const worker = await startWorker("full");
    const acked: string[] = [];
    const exited = new Promise((resolve) => worker.child.once("exit", resolve));
    await new Promise<void>((resolve) => {
      worker.child.on("message", (message: { ack?: { flowId: string } }) => {
        if (!message.ack || worker.child.signalCode) return;
        acked.push(message.ack.flowId);
        // Killed right after an answer, while the next writes of its burst may be in flight.
        if (acked.length === 150) {
          worker.child.kill("SIGKILL");
          resolve();
        }
      });
      worker.child.send({ cmd: "writeBurstsUntilKilled", id: 1, sessionKey: SESSION, burst: 24 });
    });
    await exited;
    expect(worker.child.signalCode).toBe("SIGKILL");
    const db = new Database(file.path, { readonly: true });
    try {
      const stored = new Set(db.prepare("SELECT flow_id FROM flows").pluck().all() as string[]);
      expect(acked.filter((flowId) => !stored.has(flowId))).toEqual([]);
    } finally {
      db.close();
    }
  });
});
