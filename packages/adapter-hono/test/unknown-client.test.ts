// A Hono app served the way Bun, Deno or Workers serve it (a Fetch Request, no Node socket
// behind `c.env`), here over a real node:http server that only bridges requests: the core
// cannot see a client address, keys every caller of the route together, and says so once
// per process, naming the fix.
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhookApp } from "@taskflow-webhooks/adapter-hono";
import { PATH, SECRET, demoHandler } from "./support.js";

const lines: Array<{ message: string; fields?: Record<string, unknown> }> = [];
const logger = { info() {}, error() {}, warn: (message: string, fields?: Record<string, unknown>) => void lines.push({ message, ...(fields && { fields }) }) };
let server: http.Server;
let url: string;

beforeAll(async () => {
  const app = new Hono();
  app.route("/", webhookApp(demoHandler({ logger, routes: { demo: { sessionKey: "agent:main:main", secret: SECRET, limits: { rateLimit: { max: 2 } } } } })));
  // A fetch-style bridge: no `incoming` in the env, as off @hono/node-server.
  server = http.createServer(async (req, res) => {
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      ...(hasBody && { body: Readable.toWeb(req) as ReadableStream, duplex: "half" }),
    } as RequestInit);
    const response = await app.fetch(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${PATH}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const send = () =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}` }, body: JSON.stringify({ action: "list_flows" }) });

describe("no determinable client address", () => {
  it("keys the route's callers together and warns once per process, naming the fix", async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await send()).status);
    expect(statuses).toEqual([200, 200, 429, 429]); // one shared budget of 2
    const warnings = lines.filter((l) => l.message.startsWith("webhook client address unknown"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.fields).toMatchObject({ routeId: "demo" });
    expect(String(warnings[0]!.fields!.fix)).toContain("remoteAddress");
  });
});
