import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryTaskFlowRuntime, createWebhookHandler } from "../index.js";
import { sendNodeResponse } from "./send-node-response.js";

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function serve() {
  const handler = createWebhookHandler({
    config: { routes: { d: { sessionKey: "agent:main:main", secret: "s3cret", limits: { maxBodyBytes: 1024 } } } },
    taskFlow: createMemoryTaskFlowRuntime(),
  });
  const server = http.createServer(async (req, res) => {
    const response = await handler.handle({
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers: req.headers,
      remoteAddress: req.socket.remoteAddress,
      body: { kind: "node", stream: req },
    });
    if (response) sendNodeResponse(res, response);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

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
});
