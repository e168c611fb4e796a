// Test helpers: a real listening @hono/node-server on port 0, and raw HTTP requests that
// report whether the server closed the connection.
import { request as httpRequest, Agent, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import type { Hono } from "hono";
import {
  createMemoryTaskFlowRuntime,
  createWebhookHandler,
  type WebhookHandlerOptions,
  type WebhooksConfigInput,
} from "@taskflow-webhooks/core";

export const SECRET = "test-secret-0123456789";
export const PATH = "/plugins/webhooks/demo";

export function demoHandler(overrides: Partial<WebhookHandlerOptions> & { routes?: WebhooksConfigInput["routes"] } = {}) {
  const { routes, ...rest } = overrides;
  return createWebhookHandler({
    config: { routes: routes ?? { demo: { sessionKey: "agent:main:main", secret: SECRET } } },
    taskFlow: createMemoryTaskFlowRuntime(),
    ...rest,
  });
}

export interface Running {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function listen(app: Hono): Promise<Running> {
  return new Promise((resolve) => {
    const server: ServerType = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            (server as import("node:http").Server).closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

export const jsonHeaders = (extra: Record<string, string> = {}) => ({
  "content-type": "application/json",
  authorization: `Bearer ${SECRET}`,
  ...extra,
});

export interface PostResult {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function post(url: string, body: unknown, headers: Record<string, string> = jsonHeaders()): Promise<PostResult> {
  const res = await fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: isJson(res) ? (JSON.parse(text) as any) : undefined };
}

function isJson(res: Response): boolean {
  return (res.headers.get("content-type") ?? "").startsWith("application/json");
}

export interface RawResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The server closed the TCP connection after answering. */
  closed: boolean;
}

/**
 * Sends a request over a keep-alive agent; `write` may stream the body. Resolves once the
 * answer is read and either the socket closed or 500 ms passed without it closing.
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers: Record<string, string>; write?: (req: import("node:http").ClientRequest) => void },
): Promise<RawResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? "POST", headers: options.headers, agent });
    let socketClosed = false;
    req.on("socket", (socket) => socket.on("close", () => (socketClosed = true)));
    req.on("error", reject);
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => {
        const socket = req.socket;
        const done = () => {
          agent.destroy();
          resolve({ status: res.statusCode!, headers: res.headers, body, closed: socketClosed });
        };
        if (socketClosed || !socket) return done();
        const timer = setTimeout(done, 500);
        socket.once("close", () => {
          clearTimeout(timer);
          socketClosed = true;
          done();
        });
      });
    });
    if (options.write) options.write(req);
    else req.end();
  });
}
