// Instructions per operation of the micro bench's loops, counted by valgrind's callgrind:
// repeatable on a loaded machine where even CPU-time figures swing by 30 % and more. Each
// loop runs in a child under valgrind twice, for N and 3N operations after the same
// warm-up; the difference over 2N is the steady-state cost per operation (JIT warm-up and
// start-up cancel out, garbage collection is counted in proportion to what is allocated).
// Not part of `pnpm bench` (slow). Kinds:
//   core          handler.handle() on the create → get → set_waiting mix, fixed-record TaskFlow
//   bare          JSON.parse of the same bodies + JSON.stringify of the same envelopes
//   unauthorized  a 401 with a Node Readable body (which must stay unread)
//   limiter       memory limiter consume() over 100 000 distinct keys (4 096 tracked)
//
//   [TASKFLOW_CORE=path/to/index.js] node bench/icount-micro.mjs [core,bare,unauthorized,limiter] [--ops N]
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const self = fileURLToPath(import.meta.url);
const DEFAULT_OPS = { core: 6000, bare: 6000, unauthorized: 6000, limiter: 200_000 };
const UNIT = { core: "request", bare: "request", unauthorized: "request", limiter: "consume" };
const args = process.argv.slice(2);

if (args[0] === "--child") await child(args[1], Number(args[2]));
else await parent();

async function parent() {
  const kinds = (args.find((a) => !a.startsWith("--") && !/^\d+$/.test(a)) ?? "core,bare,unauthorized,limiter").split(",");
  const opsAt = args.indexOf("--ops");
  const dir = mkdtempSync(join(tmpdir(), "icount-micro-"));
  try {
    for (const kind of kinds) {
      const n = opsAt === -1 ? DEFAULT_OPS[kind] : Number(args[opsAt + 1]);
      const small = await count(dir, kind, n);
      const large = await count(dir, kind, 3 * n);
      const perOp = (large - small) / (2 * n);
      process.stdout.write(`${kind}: ${Math.round(perOp).toLocaleString("en-US")} instructions per ${UNIT[kind]} (${n} vs ${3 * n})\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function count(dir, kind, ops) {
  const out = join(dir, `${kind}-${ops}.out`);
  const proc = spawn(
    "valgrind",
    ["--tool=callgrind", `--callgrind-out-file=${out}`, "--smc-check=all-non-file", "--dump-instr=no", process.execPath, "--single-threaded", self, "--child", kind, String(ops)],
    { stdio: ["ignore", "inherit", "pipe"] },
  );
  let stderr = "";
  proc.stderr.on("data", (c) => (stderr += c));
  const [code] = await once(proc, "exit");
  if (code !== 0) throw new Error(`${kind} exited (${code}): ${stderr.slice(-2000)}`);
  const totals = readFileSync(out, "utf8").match(/^(?:summary|totals): (\d+)/m);
  if (!totals) throw new Error(`no totals in ${out}`);
  return Number(totals[1]);
}

async function child(kind, ops) {
  // TASKFLOW_CORE: another build of the core to count (an A/B against a copy of dist/).
  const core = process.env.TASKFLOW_CORE ? pathToFileURL(process.env.TASKFLOW_CORE).href : "@taskflow-webhooks/core";
  const { createMemoryLimiterStore, createMemoryTaskFlowRuntime, createWebhookHandler } = await import(core);
  const { PATH, SECRET, createFlowBody, getFlowBody, routeConfig, setWaitingBody, unauthorizedRequest } = await import("./lib/workload.mjs");
  const { FIXED_ID, fixedRecordTaskFlow } = await import("./lib/fixed-record.mjs");
  const GOOD = { "content-type": "application/json", authorization: `Bearer ${SECRET}` };
  const request = (text) => ({
    method: "POST",
    path: PATH,
    headers: { ...GOOD, "content-length": String(Buffer.byteLength(text)) },
    remoteAddress: "127.0.0.1",
    body: { kind: "text", text },
  });
  const WARM_UP = 4000;
  let op;
  if (kind === "core" || kind === "bare") {
    const handler = createWebhookHandler({ config: routeConfig(), taskFlow: fixedRecordTaskFlow() });
    const requests = [request(createFlowBody()), request(getFlowBody(FIXED_ID)), request(setWaitingBody(FIXED_ID, 0))];
    if (kind === "core") {
      let i = 0;
      op = () => handler.handle(requests[i++ % 3]);
    } else {
      const texts = requests.map((r) => r.body.text);
      const envelopes = [];
      for (const r of requests) envelopes.push(JSON.parse((await handler.handle(r)).body));
      let i = 0;
      let sink = 0;
      op = () => {
        const k = i++ % 3;
        sink += JSON.parse(texts[k]).action.length + JSON.stringify(envelopes[k]).length;
        return sink;
      };
    }
  } else if (kind === "unauthorized") {
    const handler = createWebhookHandler({ config: routeConfig(), taskFlow: createMemoryTaskFlowRuntime() });
    const { request: bad } = unauthorizedRequest();
    op = () => handler.handle(bad);
  } else if (kind === "limiter") {
    const KEYS = 100_000;
    const keys = Array.from({ length: KEYS }, (_, i) => `bench\n198.18.${(i >> 8) & 255}.${i & 255}#${i >> 16}`);
    const store = createMemoryLimiterStore();
    const options = { windowMs: 60_000, max: 120, now: 1_700_000_000_000 };
    let i = 0;
    op = () => store.consume(keys[i++ % KEYS], options);
    for (let w = 0; w < KEYS; w++) op(); // every key once: the sketch holds the evicted windows
  } else throw new Error(`unknown kind ${kind}`);
  for (let i = 0; i < WARM_UP; i++) await op();
  for (let i = 0; i < ops; i++) await op();
}
