// Child process: starts one pair of loopback servers (bare vs core, or two stores) and
// reports their ports to the parent over IPC. The parent drives the load from its own
// process, so client and server do not share an event loop.
//   node servers.mjs hono|express|node|store|upload
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryTaskFlowRuntime, sendNodeResponse } from "@taskflow-webhooks/core";
import { JSON_TYPE, PATH, createBareWork, createCoreHandler, resettableMemoryRuntime } from "./lib/workload.mjs";
import { startRssSampler } from "./lib/rss.mjs";

const kind = process.argv[2];
const servers = {};
const cleanups = [];
const resets = [];
/** Per-server figures the parent reads at the end (`{cmd: "stats"}`), e.g. writes per COMMIT. */
const stats = {};

/** A memory store the parent can empty between rounds (`{cmd: "reset"}`). */
function memoryStore() {
  const store = resettableMemoryRuntime();
  resets.push(store.reset);
  return store.runtime;
}

const listen = async (server) => {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return server.address().port;
};

/** node:http + core, answers sent with sendNodeResponse (as the Express adapter and the Gateway route do). */
export function coreNodeServer(handler) {
  return http.createServer((req, res) => {
    handler
      .handle({
        method: req.method ?? "GET",
        path: req.url ?? "/",
        headers: req.headers,
        remoteAddress: req.socket.remoteAddress,
        body: { kind: "node", stream: req },
      })
      .then((response) => {
        if (response) sendNodeResponse(res, response);
        else {
          res.writeHead(404);
          res.end();
        }
      });
  });
}

function bareNodeServer(work) {
  return http.createServer((req, res) => {
    if (req.method !== "POST" || req.url !== PATH) {
      res.writeHead(404);
      res.end();
      return;
    }
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        res.writeHead(400, { "content-type": JSON_TYPE });
        res.end('{"ok":false}');
        return;
      }
      const [status, envelope] = await work(body);
      res.writeHead(status, { "content-type": JSON_TYPE });
      res.end(JSON.stringify(envelope));
    });
  });
}

async function startHono() {
  const { serve } = await import("@hono/node-server");
  const { Hono } = await import("hono");
  const { webhookHandler } = await import("@taskflow-webhooks/adapter-hono");
  const work = createBareWork(memoryStore());
  const bare = new Hono().post(PATH, async (c) => {
    const [status, envelope] = await work(await c.req.json());
    return c.json(envelope, status);
  });
  const core = new Hono().all(PATH, webhookHandler(createCoreHandler(memoryStore())));
  const serveOn = (app) =>
    new Promise((resolve) => {
      const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => resolve(info.port));
      cleanups.push(() => server.close());
    });
  servers.bare = await serveOn(bare);
  servers.core = await serveOn(core);
}

async function startExpress() {
  let adapter;
  try {
    adapter = await import("@taskflow-webhooks/adapter-express");
    if (typeof adapter.createWebhookMiddleware !== "function") throw new Error("no createWebhookMiddleware export");
  } catch (error) {
    process.send({ skipped: `@taskflow-webhooks/adapter-express is not built or not there yet (${error.message.split("\n")[0]})` });
    return false;
  }
  const { default: express } = await import("express");
  const work = createBareWork(memoryStore());
  const bare = express();
  bare.post(PATH, express.json(), async (req, res) => {
    const [status, envelope] = await work(req.body);
    res.status(status).json(envelope);
  });
  const silent = { info() {}, warn() {}, error() {} };
  const core = express();
  core.use(adapter.createWebhookMiddleware(createCoreHandler(memoryStore()), { logger: silent }));
  servers.bare = await listen(http.createServer(bare));
  servers.core = await listen(http.createServer(core));
  return true;
}

async function startNode() {
  servers.bare = await listen(bareNodeServer(createBareWork(memoryStore())));
  servers.core = await listen(coreNodeServer(createCoreHandler(memoryStore())));
}

async function startStores() {
  const { openSqliteTaskFlowStore } = await import("@taskflow-webhooks/taskflow-sqlite");
  const dir = mkdtempSync(join(tmpdir(), "taskflow-bench-"));
  // The store's defaults (WAL, synchronous=FULL: every commit fsynced, group commit), the
  // same with group commit off (one COMMIT per write, as before it), and synchronous=NORMAL.
  const counted = (name) => {
    const figures = (stats[name] = { commits: 0, writes: 0 });
    return ({ writes }) => {
      figures.commits += 1;
      figures.writes += writes;
    };
  };
  const sqlite = openSqliteTaskFlowStore({ path: join(dir, "full.sqlite"), onCommit: counted("sqlite") });
  const sqliteSingle = openSqliteTaskFlowStore({ path: join(dir, "single.sqlite"), maxWritesPerCommit: 1 });
  const sqliteNormal = openSqliteTaskFlowStore({ path: join(dir, "normal.sqlite"), synchronous: "normal", onCommit: counted("sqliteNormal") });
  cleanups.push(() => {
    sqlite.close();
    sqliteSingle.close();
    sqliteNormal.close();
    rmSync(dir, { recursive: true, force: true });
  });
  servers.memory = await listen(coreNodeServer(createCoreHandler(memoryStore())));
  servers.sqlite = await listen(coreNodeServer(createCoreHandler(sqlite)));
  servers.sqliteSingle = await listen(coreNodeServer(createCoreHandler(sqliteSingle)));
  servers.sqliteNormal = await listen(coreNodeServer(createCoreHandler(sqliteNormal)));
}

async function startUpload() {
  // The standalone server (`taskflow-webhooks serve`) with the bench route: default body
  // limit (256 KiB) and timeout; only the rate limit is lifted.
  const { startServer } = await import("taskflow-webhooks");
  const handler = createCoreHandler(createMemoryTaskFlowRuntime(), { rateLimit: { max: 1e9 } });
  let answered = [];
  // The request log line carries the status the server answered.
  const log = (line) => void (line.msg === "request" && answered.push(line.status));
  const server = await startServer({ config: { routes: {} }, handler, port: 0, store: "memory", log });
  cleanups.push(() => void server.close());
  servers.core = server.port;
  process.on("message", (message) => {
    if (message?.cmd === "inFlight") process.send({ inFlight: handler.inFlight() });
    // What the server answered since the last ask (a client still sending may see a
    // connection reset instead: the socket closes with unread bytes in its buffer).
    if (message?.cmd === "answered") {
      process.send({ answered });
      answered = [];
    }
  });
}

const starters = { hono: startHono, express: startExpress, node: startNode, store: startStores, upload: startUpload };
if (!starters[kind]) {
  console.error(`unknown server kind ${kind}`);
  process.exit(2);
}

const sampler = startRssSampler();
process.on("message", (message) => {
  if (message?.cmd === "rss-start") {
    sampler.start();
    process.send({ rssStarted: true });
  }
  if (message?.cmd === "rss-stop") process.send({ rss: sampler.stop() });
  if (message?.cmd === "cpu") process.send({ cpu: process.cpuUsage() });
  if (message?.cmd === "stats") process.send({ stats });
  // What a collection leaves: Buffers still held (RSS keeps freed pages in malloc's arenas).
  if (message?.cmd === "memory") {
    globalThis.gc?.();
    globalThis.gc?.();
    process.send({ memory: process.memoryUsage() });
  }
  if (message?.cmd === "reset") {
    for (const reset of resets) reset();
    globalThis.gc?.();
    process.send({ reset: true });
  }
  if (message?.cmd === "exit") {
    for (const cleanup of cleanups) cleanup();
    process.exit(0);
  }
});
process.on("disconnect", () => process.exit(0));

const started = await starters[kind]();
if (started !== false) process.send({ ports: servers });
