// A/B of core builds on a noisy machine: CPU time per operation of the micro bench's
// loops for each build given, in rounds that alternate between the builds inside one
// process (so load swings hit every build alike); medians and minima printed. Build a
// copy of the core to compare with e.g. `npx tsup --no-dts -d dist-b` in packages/core.
// Kinds: core (fixed-record TaskFlow mix), bare (JSON.parse + JSON.stringify of the same
// bodies and envelopes), unauthorized (401, unread Readable body), limiter (100 000 keys).
//
//   [ROUNDS=31] node bench/ab.mjs core|bare|unauthorized|limiter a/index.js b/index.js ...
import { pathToFileURL } from "node:url";
import { Readable } from "node:stream";
import { PATH, SECRET, createFlowBody, getFlowBody, routeConfig, setWaitingBody } from "./lib/workload.mjs";
import { FIXED_ID, fixedRecordTaskFlow } from "./lib/fixed-record.mjs";
const [kind, ...paths] = process.argv.slice(2);
const now = () => { const { user, system } = process.cpuUsage(); return user + system; };
const GOOD = { "content-type": "application/json", authorization: `Bearer ${SECRET}` };
const request = (text) => ({ method: "POST", path: PATH, headers: { ...GOOD, "content-length": String(Buffer.byteLength(text)) }, remoteAddress: "127.0.0.1", body: { kind: "text", text } });
const ops = [];
for (const p of paths) {
  const core = await import(pathToFileURL(p).href);
  if (kind === "core") {
    const handler = core.createWebhookHandler({ config: routeConfig(), taskFlow: fixedRecordTaskFlow() });
    const reqs = [request(createFlowBody()), request(getFlowBody(FIXED_ID)), request(setWaitingBody(FIXED_ID, 0))];
    ops.push(async (n) => { for (let i = 0; i < n; i++) { await handler.handle(reqs[0]); await handler.handle(reqs[1]); await handler.handle(reqs[2]); } return 3 * n; });
  } else if (kind === "bare") {
    const handler = core.createWebhookHandler({ config: routeConfig(), taskFlow: fixedRecordTaskFlow() });
    const reqs = [request(createFlowBody()), request(getFlowBody(FIXED_ID)), request(setWaitingBody(FIXED_ID, 0))];
    const texts = reqs.map((r) => r.body.text); const envs = [];
    for (const r of reqs) envs.push(JSON.parse((await handler.handle(r)).body));
    let sink = 0;
    ops.push(async (n) => { for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) sink += JSON.parse(texts[k]).action.length + JSON.stringify(envs[k]).length; return 3 * n; });
  } else if (kind === "unauthorized") {
    const handler = core.createWebhookHandler({ config: routeConfig(), taskFlow: core.createMemoryTaskFlowRuntime() });
    const stream = new Readable({ read() {} }); stream.push(Buffer.alloc(1024, 0x7b));
    const bad = { method: "POST", path: PATH, headers: { "content-type": "application/json", authorization: "Bearer not-the-secret", "content-length": "1024" }, remoteAddress: "127.0.0.1", body: { kind: "node", stream } };
    ops.push(async (n) => { for (let i = 0; i < n; i++) await handler.handle(bad); if (stream.listenerCount("data")) throw new Error("read"); return n; });
  } else if (kind === "limiter") {
    const KEYS = 100_000;
    const keys = Array.from({ length: KEYS }, (_, i) => `bench\n198.18.${(i >> 8) & 255}.${i & 255}#${i >> 16}`);
    const store = core.createMemoryLimiterStore();
    const options = { windowMs: 60_000, max: 120, now: 1_700_000_000_000 };
    for (let i = 0; i < KEYS; i++) store.consume(keys[i], options);
    ops.push(async (n) => { for (let r = 0; r < n; r++) for (let i = 0; i < KEYS; i++) store.consume(keys[i], options); return n * KEYS; });
  }
}
const per = kind === "limiter" ? 1 : 3000;
for (const op of ops) await op(per * 3);
const results = ops.map(() => []);
for (let round = 0; round < Number(process.env.ROUNDS ?? 31); round++) {
  for (let k = 0; k < ops.length; k++) {
    const t0 = now(); const n = await ops[k](per); results[k].push(((now() - t0) * (kind === "limiter" ? 1000 : 1)) / n);
  }
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
paths.forEach((p, k) => console.log(`${p.split("/").slice(-2, -1)[0]}: ${median(results[k]).toFixed(kind === "limiter" ? 0 : 3)} ${kind === "limiter" ? "ns/op" : "µs/request"} (min ${Math.min(...results[k]).toFixed(3)})`));
