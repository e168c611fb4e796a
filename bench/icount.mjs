// Instructions per request, counted by valgrind's callgrind: repeatable on a loaded
// machine where wall-clock and even CPU-time figures swing (the count does not depend on
// what else runs). Not part of `pnpm bench` (slow: the server runs under valgrind).
// Each server starts with callgrind's counting off and serves W warm-up requests of the
// bench mix (create → get → set_waiting, 4 connections), so start-up and the JIT's tier-ups
// are done; then `callgrind_control` turns counting on for N more requests and off again:
// the count over N is the steady-state cost per request, garbage collection included in
// proportion. (Counting N and 3N requests from the start and taking the difference still
// counted TurboFan compiling: ~420 k instructions per node-core request, ten times the
// core's own cost.)
//
//   node bench/icount.mjs [node-core,node-bare,hono-core,hono-bare] [--requests N] [--warmup W]
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PATH, REQUEST_HEADERS, createFlowBody, getFlowBody, setWaitingBody } from "./lib/workload.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const kinds = (args.find((a) => !a.startsWith("--") && !/^\d+$/.test(a)) ?? "node-core,node-bare,hono-core,hono-bare").split(",");
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const N = option("--requests", 3000);
const WARM = option("--warmup", 20_000);
const dir = mkdtempSync(join(tmpdir(), "icount-"));

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
function post(port, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: PATH, agent, headers: { ...REQUEST_HEADERS, "content-length": Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** `cycles` create → get → set_waiting cycles over 4 parallel lanes; answers the requests sent. */
async function load(port, requests) {
  const cycles = Math.ceil(requests / 3 / 4);
  const lane = async () => {
    for (let i = 0; i < cycles; i++) {
      const created = await post(port, createFlowBody());
      if (created.status !== 200) throw new Error(`create_flow answered ${created.status}: ${created.body}`);
      const flow = JSON.parse(created.body).result.flow;
      await post(port, getFlowBody(flow.flowId));
      const set = await post(port, setWaitingBody(flow.flowId, flow.revision));
      if (set.status !== 200) throw new Error(`set_waiting answered ${set.status}: ${set.body}`);
    }
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
  return cycles * 3 * 4;
}

/** `callgrind_control` on the running server (valgrind's gdbserver, on by default). */
async function control(pid, ...flags) {
  const proc = spawn("callgrind_control", [...flags, String(pid)], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (c) => (stderr += c));
  const [code] = await once(proc, "exit");
  if (code !== 0) throw new Error(`callgrind_control ${flags.join(" ")} exited ${code}: ${stderr}`);
}

async function countWarm(kind, port) {
  const out = join(dir, `${kind}.out`);
  const child = spawn(
    "valgrind",
    ["--tool=callgrind", "--instr-atstart=no", `--callgrind-out-file=${out}`, "--smc-check=all-non-file", "--dump-instr=no", process.execPath, join(here, "icount-server.mjs"), kind, String(port)],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (c) => (stderr += c));
  await new Promise((resolve, reject) => {
    child.stdout.on("data", (c) => String(c).includes("ready") && resolve());
    child.once("exit", (code) => reject(new Error(`${kind} exited (${code}): ${stderr.slice(-2000)}`)));
  });
  await load(port, WARM);
  await control(child.pid, "--instr=on");
  const sent = await load(port, N);
  await control(child.pid, "--instr=off");
  child.kill("SIGTERM");
  await once(child, "exit");
  // "totals": what was counted while counting was on ("summary" stays 0 after a toggle).
  const totals = readFileSync(out, "utf8").match(/^totals: (\d+)/m);
  if (!totals) throw new Error(`no totals in ${out}`);
  return { sent, instructions: Number(totals[1]) };
}

for (const kind of kinds) {
  // A port the OS says is free (the child reports nothing back but "ready").
  const { sent, instructions } = await countWarm(kind, await freePort());
  process.stdout.write(`${kind}: ${Math.round(instructions / sent).toLocaleString("en-US")} instructions per request (${sent} requests after ${WARM} to warm up)\n`);
}
agent.destroy();
rmSync(dir, { recursive: true, force: true });

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = http.createServer().listen(0, "127.0.0.1", () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
    probe.on("error", reject);
  });
}
