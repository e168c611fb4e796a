// The Hono adapter's request → answer path in one process, without sockets: a real
// IncomingMessage carrying a get_flow body and a ServerResponse with no socket (its output
// stays queued), through @hono/node-server's request listener. Modes:
//   adapter  webhookHandler as shipped, the only handler of the route
//   cbody    the same core answer through `c.body(body, status, headers)`
//   behind   webhookHandler behind a middleware that sets a header with `c.header()`
// Prints CPU µs per request; for a repeatable figure count instructions with callgrind:
//   WARM=3000 valgrind --tool=callgrind --smc-check=all-non-file node bench/hono-answer.mjs adapter 1000
// and again with 4000; (total(4000) - total(1000)) / 3000 is instructions per request.
import http from "node:http";
import net from "node:net";
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import { toWebhookRequest, webhookHandler } from "@taskflow-webhooks/adapter-hono";
import { PATH, REQUEST_HEADERS, createCoreHandler, getFlowBody } from "./lib/workload.mjs";
import { cpuPerCall } from "./lib/cpu-per-call.mjs";

const viaCBody = (handler) => async (c, next) => {
  const response = await handler.handle(toWebhookRequest(c));
  if (response === undefined) return next();
  const headers = response.closeConnection ? { ...response.headers, connection: "close" } : response.headers;
  return c.body(response.body, response.status, headers);
};
const [mode = "adapter", count = "20000"] = process.argv.slice(2);
const handler = createCoreHandler();
const app = new Hono();
if (mode === "behind") {
  app.use(async (c, next) => {
    c.header("x-request-id", "bench");
    await next();
  });
}
app.all(PATH, mode === "cbody" ? viaCBody(handler) : webhookHandler(handler));
const listener = getRequestListener(app.fetch);
const body = Buffer.from(getFlowBody("missing"));
const socket = new net.Socket();

async function one() {
  const req = new http.IncomingMessage(socket);
  req.method = "POST";
  req.url = PATH;
  req.headers = { host: "127.0.0.1", ...REQUEST_HEADERS, "content-length": String(body.length) };
  req.push(body);
  req.push(null);
  const res = new http.ServerResponse(req);
  await listener(req, res);
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
}

const us = await cpuPerCall(one, { count: Number(count), warm: Number(process.env.WARM ?? 20_000) });
console.log(`${mode}: ${us.toFixed(2)} µs CPU per request (median of 10 batches)`);
