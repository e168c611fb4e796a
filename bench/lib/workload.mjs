// The request mix every throughput row sends, and the "bare" JSON work the core is
// compared against: parse the body, make one memory-store call, answer a JSON envelope of
// the same size. Bare handlers skip everything the core adds (limits, auth, schema
// validation, redaction), so `core/bare` is the price of the pipeline.
import { Readable } from "node:stream";
import { createMemoryTaskFlowRuntime, createWebhookHandler } from "@taskflow-webhooks/core";

export const SECRET = "bench-secret-0123456789abcdef0123456789abcdef";
export const SESSION = "agent:main:main";
export const ROUTE_ID = "bench";
export const PATH = "/plugins/webhooks/bench";
export const THROUGHPUT_LIMITS = { rateLimit: { max: 1e9 }, maxInFlight: 10000 };

export const routeConfig = (limits = THROUGHPUT_LIMITS) => ({
  routes: { [ROUTE_ID]: { path: PATH, sessionKey: SESSION, secret: SECRET, limits } },
});

export const REQUEST_HEADERS = {
  "content-type": "application/json",
  authorization: `Bearer ${SECRET}`,
};

/**
 * A memory runtime that can be emptied between rounds: the bound handles delegate to the
 * current store, so a server keeps its handler (and its JIT state) while the heap of
 * flows from earlier rounds is dropped. Without it every round runs on a bigger heap and
 * whichever server runs later pays for the garbage collector walking all earlier flows.
 */
export function resettableMemoryRuntime() {
  let runtime = createMemoryTaskFlowRuntime();
  const bound = new Map();
  const current = (sessionKey) => {
    let b = bound.get(sessionKey);
    if (b === undefined) bound.set(sessionKey, (b = runtime.bindSession({ sessionKey })));
    return b;
  };
  const sample = runtime.bindSession({ sessionKey: "sample" });
  const methods = Object.keys(sample).filter((k) => typeof sample[k] === "function");
  return {
    runtime: {
      bindSession({ sessionKey }) {
        const handle = { sessionKey };
        for (const m of methods) handle[m] = (...args) => current(sessionKey)[m](...args);
        return handle;
      },
    },
    reset() {
      runtime = createMemoryTaskFlowRuntime();
      bound.clear();
    },
  };
}

export function createCoreHandler(taskFlow = createMemoryTaskFlowRuntime(), limits = THROUGHPUT_LIMITS) {
  return createWebhookHandler({ config: routeConfig(limits), taskFlow });
}

// ---------------------------------------------------------------------------------------
// The mix, as autocannon request steps: create_flow → get_flow → set_waiting (with the
// revision create_flow answered), per connection, over and over.

const GOAL = "Benchmark a webhook-driven TaskFlow";
const STATE = { step: 1, items: ["a", "b", "c"], note: "bench" };
const WAIT = { kind: "event", name: "approval" };

export const createFlowBody = () =>
  JSON.stringify({ action: "create_flow", goal: GOAL, currentStep: "start", stateJson: STATE });
export const getFlowBody = (flowId) => JSON.stringify({ action: "get_flow", flowId });
export const setWaitingBody = (flowId, expectedRevision) =>
  JSON.stringify({ action: "set_waiting", flowId, expectedRevision, currentStep: "wait", waitJson: WAIT });

function remember(status, body, context) {
  if (status !== 200) return;
  try {
    const flow = JSON.parse(body).result.flow;
    context.flowId = flow.flowId;
    context.revision = flow.revision;
  } catch {
    // counted as non-2xx by autocannon when it matters
  }
}

/** autocannon `requests` for the create → get → set_waiting cycle. */
export function mixRequests() {
  return [
    { method: "POST", path: PATH, headers: REQUEST_HEADERS, body: createFlowBody(), onResponse: remember },
    {
      method: "POST",
      path: PATH,
      headers: REQUEST_HEADERS,
      setupRequest: (req, context) => ({ ...req, body: getFlowBody(context.flowId ?? "missing") }),
    },
    {
      method: "POST",
      path: PATH,
      headers: REQUEST_HEADERS,
      setupRequest: (req, context) => ({ ...req, body: setWaitingBody(context.flowId ?? "missing", context.revision ?? 0) }),
    },
  ];
}

/** autocannon `requests` for create_flow only (store comparison). */
export function createOnlyRequests() {
  return [{ method: "POST", path: PATH, headers: REQUEST_HEADERS, body: createFlowBody() }];
}

// ---------------------------------------------------------------------------------------
// The bare JSON work: one store call, an envelope of the same shape and size.

export function createBareWork(taskFlow = createMemoryTaskFlowRuntime()) {
  const flows = taskFlow.bindSession({ sessionKey: SESSION });
  /** Returns [status, envelope object]; each bare server serialises it its own idiomatic way. */
  return async function work(body) {
    let result;
    switch (body?.action) {
      case "create_flow":
        result = { created: true, flow: await flows.createManaged({ goal: body.goal, controllerId: `webhooks/${ROUTE_ID}`, currentStep: body.currentStep, stateJson: body.stateJson }) };
        break;
      case "get_flow":
        result = { flow: (await flows.get(body.flowId)) ?? null };
        break;
      case "set_waiting": {
        const outcome = await flows.setWaiting({ flowId: body.flowId, expectedRevision: body.expectedRevision, currentStep: body.currentStep, waitJson: body.waitJson });
        if (!outcome.applied) return [409, { ok: false, routeId: ROUTE_ID, code: outcome.code, result: {} }];
        result = { applied: true, flow: outcome.flow };
        break;
      }
      default:
        return [400, { ok: false, code: "invalid_request", result: {} }];
    }
    return [200, { ok: true, routeId: ROUTE_ID, result }];
  };
}

export const JSON_TYPE = "application/json; charset=utf-8";

/**
 * The 401 case of the micro benches: a wrong secret with 1 KiB of body waiting unread in a
 * Node stream (the core must not read it). `payload.length - stream.readableLength` is what
 * was read.
 */
export function unauthorizedRequest() {
  const stream = new Readable({ read() {} });
  const payload = Buffer.alloc(1024, 0x7b);
  stream.push(payload);
  const request = {
    method: "POST",
    path: PATH,
    headers: { "content-type": "application/json", authorization: "Bearer not-the-secret", "content-length": String(payload.length) },
    remoteAddress: "127.0.0.1",
    body: { kind: "node", stream },
  };
  return { request, stream, payload };
}
