// A TaskFlow runtime that never settles, over a real HTTP server (node:http + core on
// 127.0.0.1, port 0, real clock): each call is answered 503 `taskflow_timeout` at the
// route's taskFlowTimeoutMs and its in-flight slot comes back, so a hung runtime cannot
// lock a client out; a call that settles later is logged once, never answered twice. With
// a manual clock: the deadline timer is cleared on every path.
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createMemoryTaskFlowRuntime,
  createWebhookHandler,
  sendNodeResponse,
  type BoundTaskFlow,
  type TaskFlowRecord,
  type TaskFlowRuntime,
  type WebhookHandler,
} from "../../src/index.js";
import { PATH } from "../support.js";
import { SECRET, SESSION, checkLogsAfterAll, hostileLogger, hostileSetup } from "./support.js";

checkLogsAfterAll({ expectLines: true });

/** The memory runtime, except that createManaged hangs until the test settles it. */
function hungRuntime() {
  const memory = createMemoryTaskFlowRuntime();
  const hung: Array<{ resolve: (r: TaskFlowRecord) => void; reject: (e: Error) => void; real: () => TaskFlowRecord }> = [];
  const runtime: TaskFlowRuntime = {
    bindSession(params) {
      const bound = memory.bindSession(params);
      const { tryCreateManaged: _unused, ...rest } = bound;
      return {
        ...rest,
        sessionKey: bound.sessionKey,
        createManaged: (p) =>
          new Promise<TaskFlowRecord>((resolve, reject) => {
            hung.push({ resolve, reject, real: () => bound.createManaged(p) as TaskFlowRecord });
          }),
      } as BoundTaskFlow;
    },
  };
  return { runtime, hung };
}

const TIMEOUT_MS = 800;
const logger = hostileLogger();
const { runtime, hung } = hungRuntime();
let server: http.Server;
let handler: WebhookHandler;
let url: string;

beforeAll(async () => {
  handler = createWebhookHandler({
    config: {
      routes: {
        demo: { sessionKey: SESSION, secret: SECRET, limits: { taskFlowTimeoutMs: TIMEOUT_MS, maxInFlight: 2, rateLimit: { max: 1e9 } } },
      },
    },
    taskFlow: runtime,
    logger,
  });
  server = http.createServer((req, res) => {
    void handler
      .handle({ method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers, remoteAddress: req.socket.remoteAddress, body: { kind: "node", stream: req } })
      .then((response) => (response ? sendNodeResponse(res, response) : res.writeHead(404).end()));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${PATH}`;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, "close");
});

const createFlow = () =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}` },
    body: JSON.stringify({ action: "create_flow", goal: "hung" }),
  });

describe("a TaskFlow runtime that never settles", () => {
  it("answers 503 taskflow_timeout and gives the slot back, so more calls than slots all get an answer", async () => {
    // Five calls against two slots, one after another, then three at once: without the
    // deadline the third would be 429 too_many_in_flight forever.
    const sequential = [];
    for (let i = 0; i < 5; i++) {
      const res = await createFlow();
      sequential.push({ status: res.status, body: (await res.json()) as Record<string, unknown> });
      expect(handler.inFlight()).toBe(0);
    }
    const concurrent = await Promise.all([createFlow(), createFlow(), createFlow()]);
    const statuses = concurrent.map((r) => r.status).sort();
    expect(statuses).toEqual([429, 503, 503]); // two slots, then the third refused while they hang
    for (const r of concurrent) await r.body?.cancel();
    expect(handler.inFlight()).toBe(0);
    for (const answer of sequential) {
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({
        ok: false,
        routeId: "demo",
        code: "taskflow_timeout",
        error: "TaskFlow call timed out; outcome unknown: the write may have happened.",
      });
      expect(typeof answer.body.correlationId).toBe("string");
    }
    const timedOut = logger.lines.filter((l) => l.message.startsWith("TaskFlow call timed out"));
    expect(timedOut).toHaveLength(7);
    expect(timedOut[0]!.fields).toMatchObject({ routeId: "demo", action: "create_flow", timeoutMs: TIMEOUT_MS, correlationId: sequential[0]!.body.correlationId });
  });

  it("a call that settles after its deadline is logged once with the same correlation id, resolved or rejected", async () => {
    expect(hung).toHaveLength(7);
    const firstId = logger.lines.find((l) => l.message.startsWith("TaskFlow call timed out"))!.fields!.correlationId;
    hung[0]!.resolve(hung[0]!.real());
    hung[1]!.reject(new TypeError("disk gone"));
    await new Promise((r) => setTimeout(r, 20));
    const late = logger.lines.filter((l) => l.message.startsWith("TaskFlow call settled after its timeout"));
    expect(late.map((l) => l.fields)).toEqual([
      { correlationId: firstId, routeId: "demo", action: "create_flow", settlement: "resolved" },
      expect.objectContaining({ routeId: "demo", action: "create_flow", settlement: "rejected", error: "TypeError" }),
    ]);
    expect(late[1]!.fields!.correlationId).not.toBe(firstId);
    // Settling again (a misbehaving runtime) logs nothing more.
    hung[0]!.resolve(hung[0]!.real());
    await new Promise((r) => setTimeout(r, 20));
    expect(logger.lines.filter((l) => l.message.startsWith("TaskFlow call settled after"))).toHaveLength(2);
    for (const h of hung.slice(2)) h.resolve(h.real());
  });
});

describe("the TaskFlow deadline timer", () => {
  it("is cleared when the call succeeds or answers a TaskFlow refusal", async () => {
    const { call, clock, taskFlow } = hostileSetup({ routeExtra: { limits: { taskFlowTimeoutMs: 5000 } } });
    expect((await call({ action: "create_flow", goal: "g" })).status).toBe(200);
    expect(clock.pendingTimers()).toBe(0);
    expect((await call({ action: "finish_flow", flowId: "missing", expectedRevision: 0 })).status).toBe(404);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("answers a runtime that throws 500 internal_error (not a timeout) and clears the timer", async () => {
    const throwing: TaskFlowRuntime = {
      bindSession: (p) => {
        const { tryCreateManaged: _unused, ...rest } = createMemoryTaskFlowRuntime().bindSession(p);
        return { ...rest, createManaged: () => Promise.reject(new Error("boom")) } as BoundTaskFlow;
      },
    };
    const { call, clock } = hostileSetup({ taskFlow: throwing, routeExtra: { limits: { taskFlowTimeoutMs: 5000 } } });
    const answer = await call({ action: "create_flow", goal: "g" });
    expect([answer.status, answer.body.code]).toEqual([500, "internal_error"]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("with a manual clock: still pending just before the deadline, 503 at it", async () => {
    const { runtime: hanging } = hungRuntime();
    const { send, clock, handler: h } = hostileSetup({ taskFlow: hanging, routeExtra: { limits: { taskFlowTimeoutMs: 5000 } } });
    let answered = false;
    const pending = send({ json: { action: "create_flow", goal: "g" } }).then((r) => {
      answered = true;
      return r;
    });
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    clock.advance(4999);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(answered).toBe(false);
    expect(h.inFlight()).toBe(1);
    clock.advance(1);
    const r = await pending;
    expect([r!.status, JSON.parse(r!.body).code]).toEqual([503, "taskflow_timeout"]);
    expect(h.inFlight()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });
});
