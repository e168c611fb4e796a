// Child of icount.mjs, run under valgrind: one server (bare or core, node:http or Hono) on
// a port given by the parent; exits on SIGTERM so callgrind writes its counts.
//   node icount-server.mjs node-core|node-bare|hono-core|hono-bare <port>
import http from "node:http";
import { sendNodeResponse } from "@taskflow-webhooks/core";
import { JSON_TYPE, PATH, createBareWork, createCoreHandler } from "./lib/workload.mjs";

const [kind, portArg] = process.argv.slice(2);
const port = Number(portArg);

async function start() {
  if (kind === "node-core") {
    const handler = createCoreHandler();
    return http.createServer((req, res) => {
      handler
        .handle({ method: req.method, path: req.url, headers: req.headers, remoteAddress: req.socket.remoteAddress, body: { kind: "node", stream: req } })
        .then((response) => sendNodeResponse(res, response));
    });
  }
  if (kind === "node-bare") {
    const work = createBareWork();
    return http.createServer((req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", async () => {
        const [status, envelope] = await work(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        res.writeHead(status, { "content-type": JSON_TYPE });
        res.end(JSON.stringify(envelope));
      });
    });
  }
  const { serve } = await import("@hono/node-server");
  const { Hono } = await import("hono");
  let app;
  if (kind === "hono-core") {
    const { webhookHandler } = await import("@taskflow-webhooks/adapter-hono");
    app = new Hono().all(PATH, webhookHandler(createCoreHandler()));
  } else {
    const work = createBareWork();
    app = new Hono().post(PATH, async (c) => {
      const [status, envelope] = await work(await c.req.json());
      return c.json(envelope, status);
    });
  }
  serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, () => process.stdout.write("ready\n"));
  return undefined;
}

const server = await start();
if (server) server.listen(port, "127.0.0.1", () => process.stdout.write("ready\n"));
process.on("SIGTERM", () => process.exit(0));
