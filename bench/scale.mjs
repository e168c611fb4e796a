// The "scale" row of `pnpm bench`: create_flow over HTTP on PostgreSQL against the memory
// store, one instance and three (built CLI processes, load from autocannon in this
// process, one autocannon per instance at once), and the Redis limiter's consume latency
// (p50/p99, sequential calls) beside the memory limiter's. Needs the services the tests
// use (TEST_DATABASE_URL, TEST_REDIS_URL); without them the row is skipped with a note.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import pg from "pg";
import { createMemoryLimiterStore } from "@taskflow-webhooks/core";
import { openRedisLimiterStore } from "@taskflow-webhooks/limiter-redis";
import { PATH, REQUEST_HEADERS, createOnlyRequests, routeConfig } from "./lib/workload.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, "..", "packages", "server", "dist", "cli.js");
const DATABASE_URL = process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = process.env.TEST_REDIS_URL || "redis://127.0.0.1:6379";

export async function scaleBench({ seconds, connections, log }) {
  log(`▶ scale: create_flow on PostgreSQL vs memory (1 and 3 instances, ${seconds} s each), Redis limiter latency`);
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1, connectionTimeoutMillis: 3_000 });
  admin.on("error", () => {});
  try {
    await admin.query("SELECT 1");
  } catch (error) {
    await admin.end().catch(() => {});
    return { skipped: `PostgreSQL unreachable at ${DATABASE_URL} (${error.message}; set TEST_DATABASE_URL)` };
  }
  const schema = `tfw_bench_${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), "taskflow-bench-scale-"));
  const config = join(dir, "config.json");
  writeFileSync(config, JSON.stringify({ ...routeConfig(), server: { dbSchema: schema } }));
  const row = {};
  try {
    for (const [name, args] of [
      ["memory", ["--store", "memory"]],
      ["postgres", ["--db", DATABASE_URL]],
    ]) {
      for (const n of [1, 3]) {
        const servers = await Promise.all(Array.from({ length: n }, () => startServer(config, args)));
        try {
          await loadAll(servers, 1, Math.max(4, Math.floor(connections / n))); // warm-up
          const rps = await loadAll(servers, seconds, Math.max(4, Math.floor(connections / n)));
          row[`${name}${n}Rps`] = Math.round(rps);
          log(`  ${name} × ${n}: ${rps.toFixed(0)} create_flow/s`);
        } finally {
          await Promise.all(servers.map(stopServer));
        }
      }
    }
    row.postgres1Ratio = round3(row.postgres1Rps / row.memory1Rps);
    row.postgres3Ratio = round3(row.postgres3Rps / row.memory3Rps);
    row.postgresScaleUp = round3(row.postgres3Rps / row.postgres1Rps);
    Object.assign(row, await limiterLatency());
    log(`  postgres/memory: ${row.postgres1Ratio} (1 instance), ${row.postgres3Ratio} (3); redis consume p50 ${row.redisP50Us} µs, p99 ${row.redisP99Us} µs`);
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
  return row;
}

async function startServer(config, args) {
  const child = spawn(process.execPath, [CLI, "serve", "--config", config, "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, DATABASE_URL: "", REDIS_URL: "", PORT: "" },
  });
  let out = "";
  child.stdout.setEncoding("utf8");
  const url = await new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const line = out.split("\n").find((l) => l.includes('"listening"'));
      if (line) resolve(JSON.parse(line).url);
    });
    child.once("exit", (code) => reject(new Error(`server exited (${code}) before listening`)));
  });
  child.stdout.resume();
  child.stdout.removeAllListeners("data");
  child.stdout.on("data", () => {}); // drain the request log
  return { child, url };
}

async function stopServer({ child }) {
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  await exited;
}

async function loadAll(servers, seconds, connections) {
  const results = await Promise.all(
    servers.map(({ url }) =>
      autocannon({ url: `${url}${PATH}`, connections, duration: seconds, requests: createOnlyRequests(), headers: REQUEST_HEADERS }),
    ),
  );
  return results.reduce((sum, r) => sum + r["2xx"], 0) / seconds;
}

/** Sequential consumes: the latency one request adds, not the store's throughput. */
async function limiterLatency() {
  const redis = openRedisLimiterStore({ url: REDIS_URL, keyPrefix: `tfw-bench:${process.pid}:`, timeoutMs: 5_000 });
  try {
    if (!(await redis.ready(3_000))) return { redisSkipped: `Redis unreachable at ${REDIS_URL}` };
    const memory = createMemoryLimiterStore();
    const sample = async (consume) => {
      const times = [];
      for (let i = 0; i < 3_000; i++) {
        const start = process.hrtime.bigint();
        await consume(`bench\n10.0.${i % 50}.1`, { windowMs: 60_000, max: 1e9, now: Date.now() });
        times.push(Number(process.hrtime.bigint() - start) / 1_000);
      }
      times.sort((a, b) => a - b);
      return { p50: round3(times[Math.floor(times.length * 0.5)]), p99: round3(times[Math.floor(times.length * 0.99)]) };
    };
    await sample((k, o) => redis.consume(k, o)); // warm-up (script load, JIT)
    const r = await sample((k, o) => redis.consume(k, o));
    const m = await sample((k, o) => memory.consume(k, o));
    return { redisP50Us: r.p50, redisP99Us: r.p99, memoryLimiterP50Us: m.p50, memoryLimiterP99Us: m.p99, redisP50Ratio: round3(r.p50 / m.p50) };
  } finally {
    await redis.close();
  }
}

/** Lines for the printed report. */
export function formatScale(s) {
  if (!s) return [];
  if (s.skipped) return ["", `Scale row skipped: ${s.skipped}`];
  const fmt = (x) => (typeof x === "number" ? String(x) : "–");
  return [
    "",
    "| several instances: create_flow over HTTP | req/s | PostgreSQL / memory |",
    "| --- | ---: | ---: |",
    `| memory store, 1 instance | ${fmt(s.memory1Rps)} | – |`,
    `| PostgreSQL, 1 instance | ${fmt(s.postgres1Rps)} | ${fmt(s.postgres1Ratio)} |`,
    `| memory store, 3 instances (separate stores) | ${fmt(s.memory3Rps)} | – |`,
    `| PostgreSQL, 3 instances on one database | ${fmt(s.postgres3Rps)} | ${fmt(s.postgres3Ratio)} (3 / 1 instance: ${fmt(s.postgresScaleUp)}) |`,
    "",
    "| limiter consume, sequential | p50 µs | p99 µs |",
    "| --- | ---: | ---: |",
    s.redisSkipped ? `| Redis | skipped: ${s.redisSkipped} | |` : `| Redis (one EVALSHA) | ${fmt(s.redisP50Us)} | ${fmt(s.redisP99Us)} |`,
    `| memory | ${fmt(s.memoryLimiterP50Us)} | ${fmt(s.memoryLimiterP99Us)} |`,
    ...(s.redisP50Ratio ? [`Redis / memory limiter, p50: ${s.redisP50Ratio}×`] : []),
  ];
}

function round3(x) {
  return Math.round(x * 1000) / 1000;
}
