// The node:http + core request → answer path in one process, without sockets, as
// bench/servers.mjs serves it: a real IncomingMessage whose get_flow body arrives after the
// request event (as from Node's parser) and a ServerResponse with no socket (its output
// stays queued). Modes:
//   core  coreNodeServer's listener (handler.handle + sendNodeResponse)
//   bare  the bare node:http listener (data/end, JSON.parse, writeHead + end)
// Prints CPU µs per request; for a repeatable figure count instructions with callgrind:
//   WARM=3000 valgrind --tool=callgrind --smc-check=all-non-file node bench/node-answer.mjs core 1000
// and again with 4000; (total(4000) - total(1000)) / 3000 is instructions per request.
import http from "node:http";
import net from "node:net";
import { sendNodeResponse } from "@taskflow-webhooks/core";
import { JSON_TYPE, PATH, REQUEST_HEADERS, createBareWork, createCoreHandler, getFlowBody } from "./lib/workload.mjs";
import { cpuPerCall } from "./lib/cpu-per-call.mjs";

const [mode = "core", count = "20000"] = process.argv.slice(2);
const body = Buffer.from(getFlowBody("missing"));
const rawHeaders = Object.entries({ host: "127.0.0.1", ...REQUEST_HEADERS, "content-length": String(body.length) }).flat();
const socket = new net.Socket();
Object.defineProperty(socket, "remoteAddress", { value: "127.0.0.1" });

const handler = createCoreHandler();
const work = createBareWork();
const listeners = {
  core: (req, res) =>
    handler
      .handle({ method: req.method, path: req.url, headers: req.headers, remoteAddress: req.socket.remoteAddress, body: { kind: "node", stream: req } })
      .then((response) => sendNodeResponse(res, response)),
  bare: (req, res) =>
    new Promise((resolve) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", async () => {
        const [status, envelope] = await work(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        res.writeHead(status, { "content-type": JSON_TYPE });
        res.end(JSON.stringify(envelope));
        resolve();
      });
    }),
};
const listener = listeners[mode];
if (!listener) throw new Error(`unknown mode ${mode}`);

async function one() {
  const req = new http.IncomingMessage(socket);
  req.method = "POST";
  req.url = PATH;
  req._addHeaderLines(rawHeaders, rawHeaders.length); // what the parser calls
  const res = new http.ServerResponse(req);
  const answered = listener(req, res);
  // Node's parser pushes the body after the request event has run.
  await null;
  req.push(body);
  req.complete = true;
  req.push(null);
  await answered;
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
}

const us = await cpuPerCall(one, { count: Number(count), warm: Number(process.env.WARM ?? 20_000) });
console.log(`${mode}: ${us.toFixed(2)} µs CPU per request (median of 10 batches)`);
