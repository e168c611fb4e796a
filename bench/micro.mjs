// Child process (run with --expose-gc): CPU and memory figures without any network I/O.
//   - core CPU per accepted request: handler.handle() in a tight loop, {kind:"text"} bodies,
//     the same create → get → set_waiting mix as the HTTP rows. Once with a TaskFlow stub
//     that answers a fixed record (the core's own cost) and once with the memory store.
//   - the bare JSON work of the same requests: JSON.parse of each body and JSON.stringify of
//     the envelope the core answered, so "core over bare" is what the pipeline adds. Core
//     and bare run in alternating batches and the figure is the median of the per-pair
//     differences: this machine's speed drifts by a third between phases of one process
//     (seen: the same core loop at 4.1 and then 6.3 µs), which a difference of two medians
//     measured one after the other turns into noise as large as the figure.
//   - allocation per request (bytes, from the heap) for the core and the bare work: with
//     argv "alloc", in a child of its own whose young generation is large enough that a
//     batch runs without a collection (the flags would change the CPU figures).
//   - core CPU per 401, with a real Readable body that must never get a 'data' listener.
//   - memory limiter: ns/op and tracked keys under 100k distinct keys; heap after a spray.
//   - limiter spray: second requests let through from 4 200 rotating clients (must be 0),
//     ns/op while live windows go into the sketch, fresh clients its over-counting refuses.
//   - key spray through the handler: RSS growth and tracked keys.
//   - Idempotency-Key: core CPU of a create_flow without a key, a first delivery with a
//     fresh key (fingerprint, reserve, complete in the memory store) and a replay.
import { memoryUsage } from "node:process";
import { PerformanceObserver, performance } from "node:perf_hooks";
import { createMemoryLimiterStore, createMemoryTaskFlowRuntime, createWebhookHandler } from "@taskflow-webhooks/core";
import { FIXED_ID, fixedRecordTaskFlow } from "./lib/fixed-record.mjs";
import { PATH, SECRET, createFlowBody, getFlowBody, routeConfig, setWaitingBody, unauthorizedRequest } from "./lib/workload.mjs";

// CPU time of this process (user + system, µs → ns), so time the machine gives to other
// processes between two readings does not count.
const now = () => {
  const { user, system } = process.cpuUsage();
  return BigInt(user + system) * 1000n;
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** Median and min–max of per-batch figures. */
const summary = (xs) => ({ us: median(xs), spreadUs: [Math.min(...xs), Math.max(...xs)] });
const gc = () => {
  globalThis.gc?.();
  globalThis.gc?.();
};

const request = (text, headers) => ({
  method: "POST",
  path: PATH,
  headers: { ...headers, "content-length": String(Buffer.byteLength(text)) },
  remoteAddress: "127.0.0.1",
  body: { kind: "text", text },
});

const GOOD = { "content-type": "application/json", authorization: `Bearer ${SECRET}` };

/** A handler over the fixed-record stub and the mix's three requests (for the bare cycle's envelopes). */
function fixedCycles() {
  const taskFlow = fixedRecordTaskFlow();
  const handler = createWebhookHandler({ config: routeConfig(), taskFlow });
  const requests = [request(createFlowBody(), GOOD), request(getFlowBody(FIXED_ID), GOOD), request(setWaitingBody(FIXED_ID, 0), GOOD)];
  return { handler, requests };
}

const ALLOCATION = process.argv[2] === "alloc";

/**
 * The bare JSON work of the fixed-record mix: parse each request body, stringify the
 * envelope the core answered it with (the same objects, built once from the core's answers).
 */
async function bareCycle() {
  const { handler, requests } = fixedCycles();
  const texts = requests.map((r) => r.body.text);
  const envelopes = [];
  for (const r of requests) envelopes.push(JSON.parse((await handler.handle(r)).body));
  let sink = 0;
  const cycle = () => {
    for (let i = 0; i < 3; i++) {
      const body = JSON.parse(texts[i]);
      sink += body.action.length + JSON.stringify(envelopes[i]).length;
    }
    return sink;
  };
  return cycle;
}

/** µs per request (p50 over batches) of a synchronous cycle of three requests. */
function syncCpu(cycle, { batches, cycles }) {
  for (let i = 0; i < 20_000; i++) cycle();
  const perRequest = [];
  for (let b = 0; b < batches; b++) {
    const t0 = now();
    for (let i = 0; i < cycles; i++) cycle();
    perRequest.push(Number(now() - t0) / 1000 / (cycles * 3));
  }
  return summary(perRequest);
}

/**
 * Heap bytes allocated per request: heapUsed after a batch minus before, keeping only
 * batches during which no GC ran (a collection would free part of what the batch
 * allocated). Median over those batches.
 */
async function allocationPerRequest(cycle, { batches = 15, cycles = 200 } = {}) {
  const collections = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) collections.push(entry.startTime);
  });
  observer.observe({ entryTypes: ["gc"] });
  const measured = [];
  for (let b = 0; b < batches; b++) {
    gc();
    const start = performance.now();
    const before = memoryUsage().heapUsed;
    for (let i = 0; i < cycles; i++) await cycle();
    const after = memoryUsage().heapUsed;
    measured.push({ start, end: performance.now(), perRequest: (after - before) / (cycles * 3) });
  }
  // GC entries arrive some time after the collection: wait, then drop the batches with one.
  await new Promise((r) => setTimeout(r, 200));
  observer.disconnect();
  const clean = measured.filter((m) => !collections.some((t) => t >= m.start && t <= m.end)).map((m) => m.perRequest);
  return clean.length > 0 ? Math.round(median(clean)) : undefined;
}

/**
 * The accepted mix as an async cycle of three requests: with the fixed-record stub the three
 * requests are built once (the flow id never changes), so the loop is the core alone. With
 * the memory store, ids come from a counter and each cycle builds its two follow-up request
 * objects, as an adapter would per request.
 */
function acceptedCycle(store) {
  let seq = 0;
  const taskFlow = store === "memory" ? createMemoryTaskFlowRuntime({ generateId: () => `flow-${++seq}` }) : fixedRecordTaskFlow();
  const handler = createWebhookHandler({ config: routeConfig(), taskFlow });
  const create = request(createFlowBody(), GOOD);
  const fixedGet = request(getFlowBody(FIXED_ID), GOOD);
  const fixedSet = request(setWaitingBody(FIXED_ID, 0), GOOD);
  const state = { failures: 0 };
  state.cycle =
    store === "memory"
      ? async () => {
          await handler.handle(create);
          const id = `flow-${seq}`;
          await handler.handle(request(getFlowBody(id), GOOD));
          if ((await handler.handle(request(setWaitingBody(id, 0), GOOD))).status !== 200) state.failures++;
        }
      : async () => {
          await handler.handle(create);
          await handler.handle(fixedGet);
          if ((await handler.handle(fixedSet)).status !== 200) state.failures++;
        };
  return state;
}

const assertApplied = (state) => {
  if (state.failures > 0) throw new Error(`${state.failures} set_waiting calls were not applied`);
};

async function acceptedCpu({ store, batches, cycles }) {
  const state = acceptedCycle(store);
  const { cycle } = state;
  for (let i = 0; i < 20_000; i++) await cycle();
  const perRequest = [];
  for (let b = 0; b < batches; b++) {
    const t0 = now();
    for (let i = 0; i < cycles; i++) await cycle();
    perRequest.push(Number(now() - t0) / 1000 / (cycles * 3));
  }
  const bytes = ALLOCATION ? await allocationPerRequest(cycle) : undefined;
  assertApplied(state);
  return { ...summary(perRequest), bytes };
}

/**
 * The core (fixed-record mix) and the bare JSON work of the same requests, measured in
 * alternating batches (the order flipped every pair), so a drift in the machine's speed
 * falls on both sides: the core's cost over the bare work is the median of the per-pair
 * differences, not the difference of two medians taken at different times.
 */
async function coreAndBareCpu(bare, { pairs, cycles }) {
  const state = acceptedCycle("fixed");
  const { cycle } = state;
  for (let i = 0; i < 20_000; i++) {
    await cycle();
    bare();
  }
  const perRequest = (t0) => Number(now() - t0) / 1000 / (cycles * 3);
  const coreBatch = async () => {
    const t0 = now();
    for (let i = 0; i < cycles; i++) await cycle();
    return perRequest(t0);
  };
  // The bare work is synchronous: no await per cycle, as in syncCpu.
  const bareBatch = () => {
    const t0 = now();
    for (let i = 0; i < cycles; i++) bare();
    return perRequest(t0);
  };
  const core = [];
  const bareUs = [];
  const over = [];
  for (let p = 0; p < pairs; p++) {
    let c;
    let b;
    if (p % 2 === 0) {
      b = bareBatch();
      c = await coreBatch();
    } else {
      c = await coreBatch();
      b = bareBatch();
    }
    core.push(c);
    bareUs.push(b);
    over.push(c - b);
  }
  assertApplied(state);
  return { core: summary(core), bare: summary(bareUs), overBare: summary(over) };
}

async function idempotencyCpu({ batches, perBatch }) {
  const handler = createWebhookHandler({ config: routeConfig(), taskFlow: fixedRecordTaskFlow() });
  const text = createFlowBody();
  const plain = request(text, GOOD);
  const replay = request(text, { ...GOOD, "idempotency-key": "bench-replayed-key" });
  let fresh = 0;
  const kinds = {
    plain: () => handler.handle(plain),
    firstWithKey: () => handler.handle(request(text, { ...GOOD, "idempotency-key": `bench-${++fresh}` })),
    replay: () => handler.handle(replay),
  };
  const figures = {};
  for (const [name, send] of Object.entries(kinds)) {
    for (let i = 0; i < 20_000; i++) await send();
    const perRequest = [];
    for (let b = 0; b < batches; b++) {
      const t0 = now();
      for (let i = 0; i < perBatch; i++) await send();
      perRequest.push(Number(now() - t0) / 1000 / perBatch);
    }
    figures[name] = median(perRequest);
  }
  const last = await kinds.replay();
  if (last.headers["idempotent-replayed"] !== "true") throw new Error("the replay was not a replay");
  return figures;
}

async function unauthorizedCpu({ batches, perBatch }) {
  const handler = createWebhookHandler({ config: routeConfig(), taskFlow: createMemoryTaskFlowRuntime() });
  const { request: bad, stream, payload } = unauthorizedRequest();
  for (let i = 0; i < 20_000; i++) await handler.handle(bad);
  const perRequest = [];
  let status = 0;
  for (let b = 0; b < batches; b++) {
    const t0 = now();
    for (let i = 0; i < perBatch; i++) status = (await handler.handle(bad)).status;
    perRequest.push(Number(now() - t0) / 1000 / perBatch);
  }
  return {
    us: median(perRequest),
    status,
    dataListeners: stream.listenerCount("data"),
    flowing: stream.readableFlowing,
    bufferedBytes: stream.readableLength,
    bytesRead: payload.length - stream.readableLength,
  };
}

function limiter() {
  const KEYS = 100_000;
  const keys = Array.from({ length: KEYS }, (_, i) => `bench\n198.18.${(i >> 8) & 255}.${i & 255}#${i >> 16}`);
  const store = createMemoryLimiterStore();
  const options = { windowMs: 60_000, max: 120, now: 1_700_000_000_000 };
  for (let i = 0; i < KEYS; i++) store.consume(keys[i], options); // warm-up pass
  const perOp = [];
  for (let round = 0; round < 7; round++) {
    const t0 = now();
    for (let i = 0; i < KEYS; i++) store.consume(keys[i], options);
    perOp.push(Number(now() - t0) / KEYS);
  }
  // Keys built per call, as the handler builds `${routeId}\n${client}` for each request.
  const addresses = keys.map((_, i) => `198.18.${(i >> 8) & 255}.${i & 255}`);
  const fresh = createMemoryLimiterStore();
  for (let i = 0; i < KEYS; i++) fresh.consume(`bench\n${addresses[i]}`, options);
  const built = [];
  for (let round = 0; round < 7; round++) {
    const t0 = now();
    for (let i = 0; i < KEYS; i++) fresh.consume(`bench\n${addresses[i]}`, options);
    built.push(Number(now() - t0) / KEYS);
  }
  const hot = [];
  for (let round = 0; round < 7; round++) {
    const t0 = now();
    for (let i = 0; i < KEYS; i++) store.consume(keys[0], options);
    hot.push(Number(now() - t0) / KEYS);
  }
  // Bounded memory: a million more distinct keys leave the heap where 100k left it.
  gc();
  const heapBefore = memoryUsage().heapUsed;
  for (let i = 0; i < 1_000_000; i++) store.consume(`spray\n${i}`, options);
  gc();
  const heapAfter = memoryUsage().heapUsed;
  return {
    nsPerOp: median(perOp),
    keysBuiltPerCallNsPerOp: median(built),
    hotKeyNsPerOp: median(hot),
    trackedKeys: store.size(),
    distinctKeys: KEYS,
    heapGrowthAfter1MKeysMiB: (heapAfter - heapBefore) / 1024 / 1024,
  };
}

async function keySpray() {
  const limiterStore = createMemoryLimiterStore();
  const handler = createWebhookHandler({ config: routeConfig(), taskFlow: createMemoryTaskFlowRuntime(), limiterStore });
  const text = JSON.stringify({ action: "list_flows" });
  const headers = { "content-type": "application/json", authorization: "Bearer wrong", "content-length": String(text.length) };
  const send = (i) =>
    handler.handle({ method: "POST", path: PATH, headers, remoteAddress: `198.18.${(i >> 8) & 255}.${i & 255}`, body: { kind: "text", text } });
  for (let i = 0; i < 65_536; i++) await send(i); // warm up to the key cap
  gc();
  const before = memoryUsage.rss();
  const SPRAY = 200_000;
  for (let i = 0; i < SPRAY; i++) {
    // IPv6 documentation prefix: 200k distinct clients.
    // A fresh /64 per request (clients are keyed by their IPv6 /64).
    await handler.handle({ method: "POST", path: PATH, headers, remoteAddress: `2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::1`, body: { kind: "text", text } });
  }
  gc();
  const after = memoryUsage.rss();
  return { distinctClients: SPRAY, trackedKeys: limiterStore.size(), rssGrowthMiB: (after - before) / 1024 / 1024, inFlight: handler.inFlight() };
}

/**
 * The spray from issue 14: one request per 60 s allowed, 4 200 rotating clients (more than
 * the 4 096-key table) each send two; every second request must be refused. Then the price
 * of never forgetting: ns/op while every call pushes a live window into the sketch, and how
 * many fresh clients the sketch's over-counting refuses after 100 000 live windows went
 * through it (max 1, so any collision in all four rows refuses).
 */
function limiterSpray() {
  const T = 1_700_000_000_000;
  const options = { windowMs: 60_000, max: 1, now: T };
  const store = createMemoryLimiterStore();
  const key = (i) => `spray\n198.18.${(i >> 8) & 255}.${i & 255}#${i >> 16}`;
  let firstAllowed = 0;
  let secondAllowed = 0;
  for (let i = 0; i < 4200; i++) if (store.consume(key(i), options).allowed) firstAllowed++;
  for (let i = 0; i < 4200; i++) if (store.consume(key(i), options).allowed) secondAllowed++;
  const KEYS = 100_000;
  const keys = Array.from({ length: KEYS }, (_, i) => key(i + 10_000));
  const live = createMemoryLimiterStore();
  const perOp = [];
  for (let round = 0; round < 7; round++) {
    const at = { ...options, now: T + round }; // every window stays open: all evictions fold
    const t0 = now();
    for (let i = 0; i < KEYS; i++) live.consume(keys[i], at);
    perOp.push(Number(now() - t0) / KEYS);
  }
  let falselyRefused = 0;
  const FRESH = 10_000;
  for (let i = 0; i < FRESH; i++) if (!live.consume(`fresh\n${i}`, options).allowed) falselyRefused++;
  return {
    rotatingClients: 4200,
    firstAllowed,
    secondAllowed,
    liveEvictionNsPerOp: median(perOp),
    freshClients: FRESH,
    freshRefusedAfter100kLive: falselyRefused,
    trackedKeys: live.size(),
  };
}

const bare = await bareCycle();
if (ALLOCATION) {
  // Few batches: only the allocation counts here, not the time.
  process.send({
    core: (await acceptedCpu({ store: "fixed", batches: 1, cycles: 100 })).bytes,
    bare: (syncCpu(bare, { batches: 1, cycles: 100 }), await allocationPerRequest(bare)),
    coreWithMemoryStore: (await acceptedCpu({ store: "memory", batches: 1, cycles: 100 })).bytes,
  });
  process.exit(0);
}
const results = {
  ...(await coreAndBareCpu(bare, { pairs: 41, cycles: 1000 })),
  coreWithMemoryStore: await acceptedCpu({ store: "memory", batches: 21, cycles: 1000 }),
  unauthorized: await unauthorizedCpu({ batches: 41, perBatch: 3000 }),
  idempotency: await idempotencyCpu({ batches: 21, perBatch: 3000 }),
  limiter: limiter(),
  limiterSpray: limiterSpray(),
  keySpray: await keySpray(),
};
process.send(results);
