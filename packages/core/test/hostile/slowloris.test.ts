// Slow and vanishing clients over a real HTTP server (node:http + core on 127.0.0.1,
// port 0, real clock): a body trickled one byte a second is answered 408 at the route's
// timeout and gives its in-flight slot back; clients that disconnect mid-body give theirs
// back and get nothing written; after 1 000 concurrent requests every slot is free.
import { once } from "node:events";
import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryTaskFlowRuntime, createWebhookHandler, sendNodeResponse, type WebhookHandler, type WebhookResponse } from "../../src/index.js";
import { PATH } from "../support.js";
import { SECRET, SESSION, checkLogsAfterAll, expectNoLeak, hostileLogger } from "./support.js";

checkLogsAfterAll();

const BODY_TIMEOUT_MS = 1500;
// The 1 000-client test needs every client in flight before the first times out; opening
// 1 000 sockets can take seconds on a loaded machine, so its route waits longer.
const CROWD_TIMEOUT_MS = 8000;
const CROWD_PATH = "/plugins/webhooks/crowd";
let server: http.Server;
let handler: WebhookHandler;
let port: number;
const answered: WebhookResponse[] = [];

beforeAll(async () => {
  handler = createWebhookHandler({
    config: {
      routes: {
        demo: {
          sessionKey: SESSION,
          secret: SECRET,
          limits: { bodyTimeoutMs: BODY_TIMEOUT_MS, maxInFlight: 2000, rateLimit: { max: 1e9 } },
        },
        crowd: {
          sessionKey: SESSION,
          secret: SECRET,
          limits: { bodyTimeoutMs: CROWD_TIMEOUT_MS, maxInFlight: 2000, rateLimit: { max: 1e9 } },
        },
      },
    },
    taskFlow: createMemoryTaskFlowRuntime(),
    logger: hostileLogger(),
  });
  server = http.createServer((req, res) => {
    void handler
      .handle({ method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers, remoteAddress: req.socket.remoteAddress, body: { kind: "node", stream: req } })
      .then((response) => {
        if (!response) {
          res.writeHead(404).end();
          return;
        }
        answered.push(response);
        sendNodeResponse(res, response);
      });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, "close");
  for (const response of answered) expectNoLeak(response);
});

const BODY = JSON.stringify({ action: "list_flows" });
const head = (length: number, path = PATH) =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: Bearer ${SECRET}\r\nContent-Length: ${length}\r\n\r\n`;

/** A raw client: what it sent, and the status line of whatever came back. */
function rawClient() {
  const socket = net.connect(port, "127.0.0.1");
  let received = "";
  socket.setEncoding("latin1");
  socket.on("data", (chunk: string) => (received += chunk));
  socket.on("error", () => {});
  const closed = once(socket, "close");
  const status = async () => {
    await closed;
    const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
    return match ? Number(match[1]) : undefined;
  };
  const firstAnswer = () =>
    new Promise<number>((resolve) => {
      const check = () => {
        const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
        if (match) resolve(Number(match[1]));
        else socket.once("data", check);
      };
      check();
    });
  return { socket, status, firstAnswer, received: () => received };
}

async function until(condition: () => boolean, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("slowloris over real HTTP", () => {
  it("a body trickled one byte per second is answered 408 at the route's timeout and frees its slot", async () => {
    const client = rawClient();
    client.socket.write(head(BODY.length));
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < BODY.length && !client.socket.destroyed) client.socket.write(BODY[sent++]!);
    }, 1000);
    try {
      await until(() => handler.inFlight() === 1);
      const status = await client.firstAnswer();
      expect(status).toBe(408);
      expect(sent).toBeLessThan(BODY.length); // answered long before the body could finish
      expect(client.received()).toContain('"code":"body_timeout"');
      expect(client.received().toLowerCase()).toContain("connection: close");
      await client.status(); // the server closes the connection
      expect(handler.inFlight()).toBe(0);
    } finally {
      clearInterval(trickle);
      client.socket.destroy();
    }
  });

  it("clients that disconnect mid-body free their slots and get nothing written", async () => {
    const before = answered.length;
    const clients = Array.from({ length: 50 }, () => rawClient());
    for (const c of clients) c.socket.write(head(BODY.length) + BODY.slice(0, 5));
    await until(() => handler.inFlight() === 50);
    for (const c of clients) c.socket.destroy();
    await until(() => handler.inFlight() === 0);
    await until(() => answered.length === before + 50);
    // The core's answer to each is "abandoned": the adapter writes nothing.
    expect(answered.slice(before).every((r) => r.abandoned === true)).toBe(true);
    for (const c of clients) expect(c.received()).toBe("");
  });

  it("after 1 000 concurrent requests (finished, abandoned and timed out) every slot is free again", async () => {
    const clients = Array.from({ length: 1000 }, () => rawClient());
    for (const c of clients) c.socket.write(head(BODY.length, CROWD_PATH) + BODY.slice(0, 3));
    await until(() => handler.inFlight() === 1000, CROWD_TIMEOUT_MS - 1000);
    const finished = clients.filter((_, i) => i % 3 === 0);
    const abandoned = clients.filter((_, i) => i % 3 === 1);
    const stalled = clients.filter((_, i) => i % 3 === 2);
    for (const c of finished) c.socket.write(BODY.slice(3));
    for (const c of abandoned) c.socket.destroy();
    const statuses = await Promise.all(finished.map((c) => c.firstAnswer()));
    expect(statuses.every((s) => s === 200)).toBe(true);
    const timedOut = await Promise.all(stalled.map((c) => c.firstAnswer()));
    expect(timedOut.every((s) => s === 408)).toBe(true);
    await until(() => handler.inFlight() === 0);
    for (const c of clients) c.socket.destroy();
  }, 40_000);

  it("an oversize body streamed without a length is cut off at the limit (413) and frees its slot", async () => {
    const client = rawClient();
    client.socket.write(
      `POST ${PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: Bearer ${SECRET}\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    const chunk = " ".repeat(16 * 1024);
    for (let i = 0; i < 20; i++) client.socket.write(`${(chunk.length).toString(16)}\r\n${chunk}\r\n`);
    expect(await client.firstAnswer()).toBe(413);
    await until(() => handler.inFlight() === 0);
    client.socket.destroy();
  });
});
