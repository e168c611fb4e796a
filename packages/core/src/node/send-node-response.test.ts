import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryTaskFlowRuntime, createWebhookHandler } from "../index.js";
import { isClosingConnection } from "./closing-connections.js";
import { sendNodeResponse } from "./send-node-response.js";

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function serve() {
  const taskFlow = createMemoryTaskFlowRuntime();
  const handler = createWebhookHandler({
    config: { routes: { d: { sessionKey: "agent:main:main", secret: "s3cret", limits: { maxBodyBytes: 1024 } } } },
    taskFlow,
  });
  const server = http.createServer(async (req, res) => {
    if (isClosingConnection(req)) return;
    const response = await handler.handle({
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers: req.headers,
      remoteAddress: req.socket.remoteAddress,
      body: { kind: "node", stream: req },
    });
    if (response) sendNodeResponse(res, response, req);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

/** One raw connection, used the way curl uploads: send every byte, then read the answer. */
function rawExchange(port: number, ...parts: Buffer[]): Promise<{ answer: string; error?: string }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    let error: string | undefined;
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (e) => (error = e.message));
    socket.on("close", () => resolve({ answer: Buffer.concat(chunks).toString("latin1"), error }));
    socket.pause();
    socket.on("connect", () => {
      for (const part of parts.slice(0, -1)) socket.write(part);
      socket.write(parts.at(-1)!, () => socket.resume());
    });
  });
}

const head = (length: number, secret = "s3cret") =>
  `POST /plugins/webhooks/d HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${secret}\r\nContent-Length: ${length}\r\n\r\n`;

describe("sendNodeResponse", () => {
  it("asks Node to close right after answering a body it left unread", async () => {
    const port = await serve();
    const res = await fetch(`http://127.0.0.1:${port}/plugins/webhooks/d`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer s3cret" },
      body: "x".repeat(2048),
    });
    expect(res.status).toBe(413);
    expect(res.headers.get("connection")).toBe("close");
  });

  it("sends the body with its Content-Length (bytes, not characters), not chunked", async () => {
    const port = await serve();
    const res = await new Promise<http.IncomingMessage & { text: string }>((resolve, reject) => {
      const body = JSON.stringify({ action: "create_flow", goal: "Zürich ✓" });
      const req = http.request(
        { host: "127.0.0.1", port, method: "POST", path: "/plugins/webhooks/d", headers: { "content-type": "application/json", authorization: "Bearer s3cret" } },
        (answer) => {
          let text = "";
          answer.setEncoding("utf8");
          answer.on("data", (c: string) => (text += c));
          answer.on("end", () => resolve(Object.assign(answer, { text })));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
    expect(res.statusCode).toBe(200);
    expect(res.text).toContain("Zürich ✓");
    expect(res.headers["transfer-encoding"]).toBeUndefined();
    expect(res.headers["content-length"]).toBe(String(Buffer.byteLength(res.text)));
  });

  it("writes nothing for a client that left mid-body", () => {
    const writes: unknown[] = [];
    sendNodeResponse({ writeHead: (...a) => writes.push(a), end: (...a) => writes.push(a) }, { status: 408, headers: {}, body: "", abandoned: true });
    expect(writes).toEqual([]);
  });

  it("a client still uploading a body far over the limit reads its 413: no reset overtakes the answer", async () => {
    const port = await serve();
    // Larger than the loopback socket buffers, so the upload is still going when the 413 is sent.
    const body = Buffer.alloc(24 * 1024 * 1024, 0x78);
    // Without a lingering close the server destroys the socket over unread bytes, the kernel
    // answers the upload with a reset and the client often loses the 413 it was sent.
    const exchanges = await Promise.all(Array.from({ length: 4 }, () => rawExchange(port, Buffer.from(head(body.length)), body)));
    const statuses = exchanges.map((x) => /^HTTP\/1\.1 (\d{3})/.exec(x.answer)?.[1] ?? `none (${x.error ?? "closed"})`);
    expect(statuses).toEqual(Array(4).fill("413"));
  });

  it("a request pipelined behind a refused body never runs", async () => {
    const port = await serve();
    const refused = head(16, "wrong") + "{\"x\":\"12345678\"}";
    const create = JSON.stringify({ action: "create_flow", goal: "pipelined behind a 401" });
    const list = JSON.stringify({ action: "list_flows" });
    const pipelined = `${head(Buffer.byteLength(create))}${create}`;
    const { answer } = await rawExchange(port, Buffer.from(refused + pipelined));
    expect(answer).toMatch(/^HTTP\/1\.1 401/);
    expect(answer.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    // The flow was not created: nothing may do work whose answer can never be sent.
    const listed = await fetch(`http://127.0.0.1:${port}/plugins/webhooks/d`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer s3cret" },
      body: list,
    }).then((r) => r.json() as Promise<{ result: { flows: unknown[] } }>);
    expect(JSON.stringify(listed)).not.toContain("pipelined behind a 401");
  });
});
