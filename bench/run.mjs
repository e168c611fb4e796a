// `pnpm bench`: side-by-side throughput (bare framework vs framework + core), core CPU per
// request, limiter cost and bound, SQLite vs memory store, and memory under a 1 GiB upload.
// Servers run in child processes on 127.0.0.1; the load comes from this process.
// Prints a table, writes bench/results/latest.json (the previous run is kept as
// previous.json) and flags any figure more than 5 % worse than the previous run.
//
//   node bench/run.mjs [--rounds N] [--seconds S] [--connections C] [--only hono,node,...] [--cpu-prof]
import autocannon from "autocannon";
import { fork } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { MiB } from "./lib/rss.mjs";
import { PATH, REQUEST_HEADERS, createOnlyRequests, mixRequests } from "./lib/workload.mjs";
import { formatScale, scaleBench } from "./scale.mjs";
import { compareWithPrevious, flatten, formatTable } from "./lib/report.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, "results");
const args = parseArgs(process.argv.slice(2));
const ROUNDS = Number(args.rounds ?? 5);
const SECONDS = Number(args.seconds ?? 3);
const CONNECTIONS = Number(args.connections ?? 32);
const ONLY = args.only ? new Set(String(args.only).split(",")) : undefined;
const CHILD_FLAGS = args["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${join(resultsDir, "profiles")}`] : [];

// Rotate first, so even an interrupted run keeps the last complete figures as "previous".
mkdirSync(resultsDir, { recursive: true });
const latestPath = join(resultsDir, "latest.json");
const previousPath = join(resultsDir, "previous.json");
if (existsSync(latestPath)) renameSync(latestPath, previousPath);
const previous = existsSync(previousPath) ? JSON.parse(readFileSync(previousPath, "utf8")) : undefined;

const wanted = (name) => !ONLY || ONLY.has(name);
const notes = [];
const log = (line) => process.stderr.write(`${line}\n`);

const results = {
  meta: {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    loadAvgAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
    commit: gitCommit(),
    rounds: ROUNDS,
    secondsPerRound: SECONDS,
    connections: CONNECTIONS,
  },
};

for (const [row, kind] of [["hono", "hono"], ["express", "express"], ["node", "node"]]) {
  if (!wanted(row)) continue;
  results[row] = await groupRow(kind, ["bare", "core"], mixRequests);
}
if (wanted("sqlite")) results.sqlite = await groupRow("store", ["memory", "sqlite", "sqliteSingle", "sqliteNormal"], createOnlyRequests);
if (wanted("scale")) results.scale = await scaleBench({ seconds: SECONDS, connections: CONNECTIONS, log });
if (wanted("micro")) Object.assign(results, await micro());
if (wanted("upload")) results.upload = await upload();
results.meta.loadAvgAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);

const flags = previous ? compareWithPrevious(flatten(previous), flatten(results)) : [];
writeFileSync(latestPath, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(formatTable(results, { notes, flags, hadPrevious: previous !== undefined }));
process.stdout.write(formatScale(results.scale).map((l) => `${l}\n`).join(""));
process.stdout.write(`\nfigures: ${latestPath}${previous ? ` (previous run: ${previousPath})` : ""}\n`);

// ---------------------------------------------------------------------------------------

/**
 * Servers of one child process, loaded one after the other for ROUNDS rounds (the order
 * reversed every other round, so a drift in machine load does not always favour the same
 * side). Ratios are each server's req/s over the first one's, per round.
 */
async function groupRow(kind, names, requests) {
  const [base, ...others] = names;
  log(`▶ ${kind}: ${names.join(" vs ")}, ${ROUNDS} rounds × ${SECONDS} s, ${CONNECTIONS} connections`);
  const child = await startChild(kind);
  if (child.skipped) {
    notes.push(`${kind}: skipped — ${child.skipped}`);
    log(`  skipped: ${child.skipped}`);
    return { skipped: child.skipped };
  }
  try {
    const load = (name, seconds) => hammer(child.ports[name], requests(), seconds);
    const cpu = () => ask(child, { cmd: "cpu" }, "cpu");
    for (const name of names) await load(name, 2); // warm-up: JIT, pools, first flows
    const rps = Object.fromEntries(names.map((n) => [n, []]));
    const cpuUs = Object.fromEntries(names.map((n) => [n, []]));
    const ratios = Object.fromEntries(others.map((n) => [n, []]));
    // The machine's 1-minute load average after each round: what else ran while it was measured.
    const loads = [];
    let non2xx = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? names : [...names].reverse();
      const got = {};
      for (const name of order) {
        // Every load starts on an empty memory store and a collected heap.
        await ask(child, { cmd: "reset" }, "reset");
        const before = await cpu();
        const r = await load(name, SECONDS);
        const after = await cpu();
        got[name] = r.rps;
        cpuUs[name].push((after.user - before.user + after.system - before.system) / Math.max(1, r.ok));
        non2xx += r.non2xx + r.errors;
      }
      for (const n of names) rps[n].push(got[n]);
      for (const n of others) ratios[n].push(got[n] / got[base]);
      loads.push(os.loadavg()[0]);
      log(`  round ${round + 1}: ${names.map((n) => `${n} ${got[n].toFixed(0)} req/s (${cpuUs[n].at(-1).toFixed(0)} µs CPU/req)`).join(", ")}; ${others.map((n) => `${n}/${base} ${(got[n] / got[base]).toFixed(3)}`).join(", ")}; load ${loads.at(-1).toFixed(2)}`);
    }
    if (non2xx > 0) notes.push(`${kind}: ${non2xx} answers were not 2xx (or failed)`);
    const row = { non2xx, loadAvg1Median: round3(median(loads)) };
    // Server-side figures over the whole row (warm-up included), e.g. writes per COMMIT.
    for (const [n, figures] of Object.entries(await ask(child, { cmd: "stats" }, "stats"))) {
      if (figures.commits > 0) row[`${n}WritesPerCommit`] = round3(figures.writes / figures.commits);
    }
    for (const n of names) row[`${n}Rps`] = Math.round(median(rps[n]));
    for (const n of names) row[`${n}ServerCpuUs`] = round3(median(cpuUs[n]));
    others.forEach((n, i) => {
      const prefix = i === 0 ? "" : `${n}`;
      row[prefix ? `${prefix}Ratio` : "ratio"] = round3(median(ratios[n]));
      row[prefix ? `${prefix}Spread` : "spread"] = [round3(Math.min(...ratios[n])), round3(Math.max(...ratios[n]))];
      // The same comparison by server CPU per answered request (bare / core): less
      // sensitive to the load generator sharing the two cores.
      if (i === 0) row.cpuRatio = round3(median(cpuUs[base]) / median(cpuUs[n]));
    });
    return row;
  } finally {
    await stopChild(child);
  }
}

async function hammer(port, requests, seconds) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${PATH}`,
    connections: CONNECTIONS,
    duration: seconds,
    requests,
  });
  const ok = result["2xx"];
  return { ok, rps: ok / seconds, non2xx: result.non2xx, errors: result.errors + result.timeouts };
}

function startChild(kind) {
  const child = fork(join(here, "servers.mjs"), [kind], { execArgv: ["--expose-gc", ...CHILD_FLAGS], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`${kind} servers exited early (${code})`)));
    child.once("message", (message) => {
      child.removeAllListeners("exit");
      if (message.skipped) {
        child.kill();
        resolve({ skipped: message.skipped });
      } else resolve({ process: child, ports: message.ports });
    });
  });
}

async function stopChild(child) {
  const exited = once(child.process, "exit");
  child.process.send({ cmd: "exit" });
  await exited;
}

function ask(child, message, key) {
  return new Promise((resolve) => {
    const onMessage = (reply) => {
      if (reply && key in reply) {
        child.process.off("message", onMessage);
        resolve(reply[key]);
      }
    };
    child.process.on("message", onMessage);
    child.process.send(message);
  });
}

async function micro() {
  log("▶ micro: core CPU per request, 401 path, limiter, key spray");
  const child = fork(join(here, "micro.mjs"), [], { execArgv: ["--expose-gc", ...CHILD_FLAGS], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const [m] = await once(child, "message");
  await once(child, "exit");
  // Allocation per request, in a child whose young generation (64 MiB) holds a whole batch.
  const allocFlags = ["--expose-gc", "--min-semi-space-size=64", "--max-semi-space-size=64"];
  const allocChild = fork(join(here, "micro.mjs"), ["alloc"], { execArgv: allocFlags, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const [bytes] = await once(allocChild, "message");
  await once(allocChild, "exit");
  if (m.unauthorized.bytesRead !== 0 || m.unauthorized.dataListeners !== 0 || m.unauthorized.status !== 401) {
    notes.push(`401 path read the body: ${JSON.stringify(m.unauthorized)}`);
  }
  return {
    core: {
      cpuUs: round3(m.core.us),
      cpuSpreadUs: m.core.spreadUs.map(round3),
      // The same requests' bare JSON work (parse the body, stringify the answer's envelope),
      // and what the pipeline costs over it.
      bareCpuUs: round3(m.bare.us),
      // Median of per-pair differences (alternating batches), see micro.mjs.
      overBareCpuUs: round3(m.overBare.us),
      overBareSpreadUs: m.overBare.spreadUs.map(round3),
      bytesPerRequest: bytes.core,
      bareBytesPerRequest: bytes.bare,
      cpuWithMemoryStoreUs: round3(m.coreWithMemoryStore.us),
      bytesPerRequestWithMemoryStore: bytes.coreWithMemoryStore,
      unauthorizedCpuUs: round3(m.unauthorized.us),
      unauthorizedStatus: m.unauthorized.status,
      unauthorizedBodyBytesRead: m.unauthorized.bytesRead,
      unauthorizedDataListeners: m.unauthorized.dataListeners,
    },
    idempotency: {
      createWithoutKeyCpuUs: round3(m.idempotency.plain),
      createFirstWithKeyCpuUs: round3(m.idempotency.firstWithKey),
      replayCpuUs: round3(m.idempotency.replay),
    },
    limiter: {
      nsPerOp: Math.round(m.limiter.nsPerOp),
      keysBuiltPerCallNsPerOp: Math.round(m.limiter.keysBuiltPerCallNsPerOp),
      hotKeyNsPerOp: Math.round(m.limiter.hotKeyNsPerOp),
      trackedKeys: m.limiter.trackedKeys,
      distinctKeys: m.limiter.distinctKeys,
      heapGrowthAfter1MKeysMiB: round3(m.limiter.heapGrowthAfter1MKeysMiB),
    },
    limiterSpray: {
      rotatingClients: m.limiterSpray.rotatingClients,
      firstAllowed: m.limiterSpray.firstAllowed,
      secondAllowed: m.limiterSpray.secondAllowed,
      liveEvictionNsPerOp: Math.round(m.limiterSpray.liveEvictionNsPerOp),
      freshClients: m.limiterSpray.freshClients,
      freshRefusedAfter100kLive: m.limiterSpray.freshRefusedAfter100kLive,
    },
    keySpray: {
      distinctClients: m.keySpray.distinctClients,
      trackedKeys: m.keySpray.trackedKeys,
      rssGrowthMiB: round3(m.keySpray.rssGrowthMiB),
      inFlightAfter: m.keySpray.inFlight,
    },
  };
}

/** Streams up to `total` bytes, chunked, reusing one buffer; stops at the answer. */
function streamUpload(port, total, { declareLength = false } = {}) {
  return new Promise((resolve) => {
    const chunk = Buffer.alloc(64 * 1024, 0x20); // JSON whitespace
    let sent = 0;
    let status;
    let done = false;
    const headers = { ...REQUEST_HEADERS, ...(declareLength ? { "content-length": String(total) } : { "transfer-encoding": "chunked" }) };
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: PATH, headers, agent: false });
    const finish = () => {
      if (done) return;
      done = true;
      req.destroy();
      resolve({ status, bytesSent: sent });
    };
    req.on("response", (res) => {
      status = res.statusCode;
      res.resume();
      res.on("end", finish);
      res.on("error", finish);
    });
    // EPIPE/ECONNRESET once the server closes can come just before the parsed answer.
    req.on("error", () => setTimeout(finish, 100));
    req.on("close", () => setTimeout(finish, 100));
    const pump = () => {
      while (!done && status === undefined && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (sent >= total && !done) req.end();
    };
    req.flushHeaders();
    pump();
  });
}

async function upload() {
  log("▶ upload: 1 GiB streamed to a route with the default 256 KiB body limit");
  const child = await startChild("upload");
  try {
    const port = child.ports.core;
    // Warm-up: the server's own first-request allocations are not the upload's.
    for (let i = 0; i < 3; i++) await streamUpload(port, 8 * MiB);
    await ask(child, { cmd: "answered" }, "answered");
    const held = await ask(child, { cmd: "memory" }, "memory");
    await ask(child, { cmd: "rss-start" }, "rssStarted");
    const clientBefore = process.memoryUsage.rss();
    const chunked = await streamUpload(port, 1024 * MiB);
    await new Promise((r) => setTimeout(r, 200));
    const rss = await ask(child, { cmd: "rss-stop" }, "rss");
    // Once the lingering close is over (LINGER_MS, 1 s), nothing of the upload may be held.
    await new Promise((r) => setTimeout(r, 1200));
    const after = await ask(child, { cmd: "memory" }, "memory");
    const [chunkedAnswer] = await ask(child, { cmd: "answered" }, "answered");
    const declared = await streamUpload(port, 1024 * MiB, { declareLength: true });
    await new Promise((r) => setTimeout(r, 100));
    const [declaredAnswer] = await ask(child, { cmd: "answered" }, "answered");
    const inFlight = await ask(child, { cmd: "inFlight" }, "inFlight");
    return {
      status: chunkedAnswer,
      clientSaw: chunked.status ?? "connection reset before the answer was read",
      bytesSent: chunked.bytesSent,
      // Peak RSS growth while the upload ran: includes the chunks the lingering close read
      // and dropped after the 413 (Node copies each into a Buffer) until a collection.
      rssGrowthMiB: round3(rss.growth / MiB),
      // Buffers and heap still held after the linger and a collection: the upload's bound.
      heldGrowthMiB: round3((after.arrayBuffers + after.heapUsed - held.arrayBuffers - held.heapUsed) / MiB),
      serverRssMiB: round3(rss.peak / MiB),
      clientRssGrowthMiB: round3((process.memoryUsage.rss() - clientBefore) / MiB),
      bodyLimitMiB: 0.25,
      declaredLengthStatus: declaredAnswer,
      declaredLengthClientSaw: declared.status ?? "connection reset before the answer was read",
      declaredLengthBytesSent: declared.bytesSent,
      inFlightAfter: inFlight,
    };
  } finally {
    await stopChild(child);
  }
}

// ---------------------------------------------------------------------------------------

function median(xs) {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function round3(x) {
  return Math.round(x * 1000) / 1000;
}

function gitCommit() {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: here, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) continue;
    const [k, v] = a.slice(2).split("=");
    if (v !== undefined) out[k] = v;
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith("--")) out[k] = argv[++i];
    else out[k] = true;
  }
  return out;
}
