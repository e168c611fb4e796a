// Instructions per request, counted by valgrind's callgrind: repeatable on a loaded
// machine where wall-clock and even CPU-time figures swing (the count does not depend on
// what else runs). Not part of `pnpm bench` (slow: the server runs under valgrind).
// Each server runs twice, once for N and once for 3N requests of the bench mix (create →
// get → set_waiting, 4 connections); the difference over 2N is the steady-state cost per
// request, without start-up and JIT warm-up.
//
//   node bench/icount.mjs [node-core,node-bare,hono-core,hono-bare] [--requests N]
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
const N = Number(args[args.indexOf("--requests") + 1] ?? 0) || 1500;
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

async function countOnce(kind, requests, port) {
  const out = join(dir, `${kind}-${requests}.out`);
  const child = spawn(
    "valgrind",
    ["--tool=callgrind", `--callgrind-out-file=${out}`, "--smc-check=all-non-file", "--dump-instr=no", process.execPath, join(here, "icount-server.mjs"), kind, String(port)],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (c) => (stderr += c));
  await new Promise((resolve, reject) => {
    child.stdout.on("data", (c) => String(c).includes("ready") && resolve());
    child.once("exit", (code) => reject(new Error(`${kind} exited (${code}): ${stderr.slice(-2000)}`)));
  });
  const sent = await load(port, requests);
  child.kill("SIGTERM");
  await once(child, "exit");
  const totals = readFileSync(out, "utf8").match(/^(?:summary|totals): (\d+)/m);
  if (!totals) throw new Error(`no totals in ${out}`);
  return { sent, instructions: Number(totals[1]) };
}

for (const kind of kinds) {
  // A port the OS says is free (the child reports nothing back but "ready").
  const small = await countOnce(kind, N, await freePort());
  const large = await countOnce(kind, 3 * N, await freePort());
  const perRequest = (large.instructions - small.instructions) / (large.sent - small.sent);
  process.stdout.write(`${kind}: ${Math.round(perRequest).toLocaleString("en-US")} instructions per request (${small.sent} vs ${large.sent} requests)\n`);
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
