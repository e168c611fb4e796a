// Faults of the files under the store, on real files: a removed or replaced database is
// noticed (writes refused, health says why) instead of written into an unlinked inode; a
// file that cannot be written is refused at open; an -shm that would raise SIGBUS is
// refused before SQLite touches it; a full disk is a persist_failed that loses no
// acknowledged write. The faults that can kill a process run in a child process.
// chattr needs root (as on the project's machines and CI).
import { execFile, execFileSync } from "node:child_process";
import { copyFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  SqliteNotWritableError,
  openSqliteTaskFlowStore,
  type SqliteBoundTaskFlow,
  type SqliteTaskFlowStore,
} from "../src/index.js";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bundleStore, type StoreBundle } from "./bundle-store.js";
import { tempDatabase, type TempDatabase } from "./temp-db.js";

const SESSION = "agent:main:webhooks:alpha";
const workerScript = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "fault-worker.mjs");
const run = promisify(execFile);

let file: TempDatabase;
let store: SqliteTaskFlowStore | undefined;
const immutable: string[] = [];

beforeEach(() => {
  file = tempDatabase();
});
afterEach(() => {
  for (const path of immutable.splice(0)) execFileSync("chattr", ["-i", path]);
  store?.close();
  store = undefined;
  file.remove();
});

function makeImmutable(path: string): void {
  execFileSync("chattr", ["+i", path]);
  immutable.push(path);
}

function open(): { store: SqliteTaskFlowStore; flows: SqliteBoundTaskFlow } {
  store = openSqliteTaskFlowStore({ path: file.path });
  return { store, flows: store.bindSession({ sessionKey: SESSION }) };
}

/** Every write answer of the port, for a flow that exists. */
async function writeAnswers(flows: SqliteBoundTaskFlow, flowId: string) {
  return {
    create: await flows.tryCreateManaged({ controllerId: "c", goal: "after" }),
    setWaiting: await flows.setWaiting({ flowId, expectedRevision: 0 }),
    finish: await flows.finish({ flowId, expectedRevision: 0 }),
    runTask: await flows.runTask({ flowId, runtime: "acp", task: "t" }),
    cancel: await flows.cancel({ flowId }),
  };
}

const REFUSED = {
  create: null,
  setWaiting: { applied: false, code: "persist_failed" },
  finish: { applied: false, code: "persist_failed" },
  runTask: { created: false, found: true, reason: "Task persistence failed." },
  cancel: { found: true, cancelled: false, reason: "Flow persistence failed." },
};

describe("a database removed or replaced while open", () => {
  it("removed with its directory: every write is refused, reads fail as persist failures, health says why", async () => {
    const { store, flows } = open();
    const flow = await flows.createManaged({ controllerId: "c", goal: "before" });
    expect(store.healthProblem()).toBeUndefined();
    rmSync(file.dir, { recursive: true, force: true });

    expect(await writeAnswers(flows, flow.flowId)).toEqual(REFUSED);
    await expect(flows.list()).rejects.toMatchObject({ name: "SqliteStorageFaultError", code: "persist_failed" });
    await expect(flows.get(flow.flowId)).rejects.toThrow(`${file.path}: the database file was removed while the store had it open`);
    expect(store.isHealthy()).toBe(false);
    expect(store.healthProblem()).toBe("the database file was removed while the store had it open");
  });

  it("replaced by another file: writes are refused and land in neither file", async () => {
    const { store, flows } = open();
    const flow = await flows.createManaged({ controllerId: "c", goal: "before" });
    // A restore by `mv`: a copy of the file (WAL checkpointed into it) moved over the path.
    const copy = join(file.dir, "restored.sqlite");
    const other = openSqliteTaskFlowStore({ path: copy });
    await other.bindSession({ sessionKey: SESSION }).createManaged({ controllerId: "c", goal: "restored" });
    other.close();
    renameSync(copy, file.path);
    rmSync(`${file.path}-wal`, { force: true });

    expect(await writeAnswers(flows, flow.flowId)).toEqual(REFUSED);
    expect(store.healthProblem()).toBe("the database file was replaced while the store had it open");
    store.close();

    const reopened = open();
    expect((await reopened.flows.list()).map((f) => f.goal)).toEqual(["restored"]);
  });

  it("stays refused once noticed (a restart decides what the file now is)", async () => {
    const { store, flows } = open();
    const flow = await flows.createManaged({ controllerId: "c", goal: "before" });
    const saved = join(file.dir, "saved.sqlite");
    renameSync(file.path, saved);
    expect(await flows.finish({ flowId: flow.flowId, expectedRevision: 0 })).toEqual({ applied: false, code: "persist_failed" });
    renameSync(saved, file.path);
    expect(await flows.finish({ flowId: flow.flowId, expectedRevision: 0 })).toEqual({ applied: false, code: "persist_failed" });
    expect(store.isHealthy()).toBe(false);
  });
});

describe("a database that cannot be written", () => {
  it("moved away while a group is open: the writes that join the group are refused too, and none lands", async () => {
    const { store, flows } = open();
    const flow = await flows.createManaged({ controllerId: "c", goal: "before" });
    // Both writes in one turn: the first opens the group, the second joins it after the move.
    const opened = flows.tryCreateManaged({ controllerId: "c", goal: "opened the group" });
    const saved = join(file.dir, "saved.sqlite");
    renameSync(file.path, saved);
    const joined = flows.setWaiting({ flowId: flow.flowId, expectedRevision: 0, currentStep: "joined the group" });
    expect(await opened).toBeNull();
    expect(await joined).toEqual({ applied: false, code: "persist_failed" });
    store.close();

    renameSync(saved, file.path);
    const reopened = open();
    expect((await reopened.flows.list()).map((f) => ({ goal: f.goal, revision: f.revision }))).toEqual([{ goal: "before", revision: 0 }]);
  });

  it("an immutable file is refused at open, naming it", () => {
    open().store.close();
    store = undefined;
    makeImmutable(file.path);
    expect(() => openSqliteTaskFlowStore({ path: file.path })).toThrow(SqliteNotWritableError);
    expect(() => openSqliteTaskFlowStore({ path: file.path })).toThrow(`${file.path}: the database cannot be written`);
  });

  it("an immutable directory is refused at open, naming the file", () => {
    open().store.close();
    store = undefined;
    makeImmutable(file.dir);
    expect(() => openSqliteTaskFlowStore({ path: file.path })).toThrow(file.path);
    expect(() => openSqliteTaskFlowStore({ path: join(file.dir, "new.sqlite") })).toThrow(join(file.dir, "new.sqlite"));
  });

  it("an immutable -shm left behind is refused at open", () => {
    open().store.close();
    store = undefined;
    execFileSync("touch", [`${file.path}-shm`]);
    makeImmutable(`${file.path}-shm`);
    expect(() => openSqliteTaskFlowStore({ path: file.path })).toThrow(`${file.path}: the database cannot be written`);
  });
});

describe("an -shm that would raise SIGBUS", () => {
  let bundle: StoreBundle;
  beforeAll(async () => {
    bundle = await bundleStore();
  });
  afterAll(() => bundle.remove());

  async function child(scenario: string) {
    try {
      const { stdout } = await run(process.execPath, [workerScript, bundle.url, file.path, scenario]);
      return { code: 0, signal: null, lines: stdout.trim().split("\n").map((line) => JSON.parse(line)) };
    } catch (error) {
      const failed = error as { code: number | null; signal: string | null; stdout: string };
      return { code: failed.code, signal: failed.signal, lines: failed.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)) };
    }
  }

  it.each(["immutable", "truncated"])("unguarded, a %s -shm kills the process with SIGBUS (the fault is real)", async (fault) => {
    const result = await child(`raw-${fault}`);
    if (fault === "immutable") immutable.push(`${file.path}-shm`);
    expect(result.signal).toBe("SIGBUS");
    expect(result.lines).toEqual([{ reached: "broken" }]);
  });

  it.each(["immutable", "truncated"])("a %s -shm: the store refuses every write and read, says why, and exits cleanly", async (fault) => {
    const result = await child(`shm-${fault}`);
    if (fault === "immutable") immutable.push(`${file.path}-shm`);
    expect(result).toMatchObject({ code: 0, signal: null });
    const [report] = result.lines;
    expect(report.answers).toEqual({
      inOpenGroup: null,
      create: null,
      finish: { applied: false, code: "persist_failed" },
      runTask: { created: false, found: true, reason: "Task persistence failed." },
      cancel: { found: true, cancelled: false, reason: "Flow persistence failed." },
    });
    expect(report.readError).toEqual({ name: "SqliteStorageFaultError", code: "persist_failed" });
    expect(report.health).toEqual({
      healthy: false,
      problem:
        fault === "immutable"
          ? "the shared-memory file (-shm) cannot be written (EPERM)"
          : "the shared-memory file (-shm) was truncated while the store had it open",
    });
    // Once the fault is gone (and the process restarted), the acknowledged flow is there.
    for (const path of immutable.splice(0)) execFileSync("chattr", ["-i", path]);
    const { flows } = open();
    expect((await flows.list()).map((f) => ({ flowId: f.flowId, revision: f.revision }))).toEqual([{ flowId: report.acked, revision: 0 }]);
  });
});

describe("a full disk", () => {
  let bundle: StoreBundle;
  beforeAll(async () => {
    bundle = await bundleStore();
  });
  afterAll(() => bundle.remove());

  it("writes past the space answer persist_failed, never crash, and every acknowledged write survives", async () => {
    // ulimit -f (1 024-byte blocks in bash): writes past 2 MiB fail with EFBIG, as on a full disk.
    const { stdout } = await run("bash", [
      "-c",
      'ulimit -f 2048 && exec "$0" "$@"',
      process.execPath,
      workerScript,
      bundle.url,
      file.path,
      "full",
    ]);
    const report = JSON.parse(stdout.trim()) as { acked: string[]; refused: number; finish: { applied: boolean; code?: string } };
    expect(report.refused).toBe(3);
    expect(report.acked.length).toBeGreaterThan(3);
    expect(report.acked.length).toBeLessThan(40);

    const { flows } = open();
    const stored = await flows.list();
    expect(stored.map((f) => f.flowId).sort()).toEqual([...report.acked].sort());
    const first = stored.find((f) => f.flowId === report.acked[0]);
    expect(first?.revision).toBe(report.finish.applied ? 1 : 0);
    if (!report.finish.applied) expect(report.finish.code).toBe("persist_failed");
  });
});
