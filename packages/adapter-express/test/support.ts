// Test support: a real Express app (4 or 5) listening on port 0, and an http.request client
// that can hold, stall or stream a body the way the transport cases need.
import http, { type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import express5 from "express";
import express4 from "express4";
import { createMemoryTaskFlowRuntime, type Logger } from "@taskflow-webhooks/core";
import { createWebhookMiddleware, type WebhookMiddleware } from "../src/index.js";

export const SECRET = "express-adapter-secret-0123456789";
export const PATH = "/hooks/demo";
export const SESSION = "agent:main:main";

type ExpressFactory = typeof express5;
export const EXPRESS_VERSIONS: Array<[string, ExpressFactory]> = [
  ["Express 5", express5],
  ["Express 4", express4 as unknown as ExpressFactory],
];

export interface LogLine { level: string; message: string; fields?: Record<string, unknown> | undefined }

export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}

export function webhookConfig(limits?: Record<string, unknown>) {
  return { routes: { demo: { path: PATH, sessionKey: SESSION, secret: SECRET, ...(limits && { limits }) } } };
}

export interface TestServer {
  port: number;
  middleware: WebhookMiddleware;
  logger: ReturnType<typeof recordingLogger>;
  close(): Promise<void>;
}

export interface ServerOptions {
  limits?: Record<string, unknown>;
  /** Wires the app; default: `app.use(middleware)`. */
  mount?: (app: ReturnType<ExpressFactory>, middleware: WebhookMiddleware) => void;
  middleware?: WebhookMiddleware;
}

export async function startServer(express: ExpressFactory, options: ServerOptions = {}): Promise<TestServer> {
  const logger = recordingLogger();
  const middleware =
    options.middleware ??
    createWebhookMiddleware({ config: webhookConfig(options.limits), taskFlow: createMemoryTaskFlowRuntime(), logger });
  const app = express();
  (options.mount ?? ((a, m) => a.use(m)))(app, middleware);
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    middleware,
    logger,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
}

export interface RequestOptions {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  /** Sent and ended; omit with `hold` to send headers only. */
  body?: string | Buffer;
  /** Leave the request open after the headers (and `body`, if any). */
  hold?: boolean;
}

export interface PendingRequest {
  request: http.ClientRequest;
  reply: Promise<Reply>;
}

/** Starts a request on a fresh connection; `reply` settles when the whole answer arrived. */
export function startRequest(port: number, options: RequestOptions = {}): PendingRequest {
  const request = http.request({
    host: "127.0.0.1",
    port,
    method: options.method ?? "POST",
    path: options.path ?? PATH,
    headers: options.headers ?? {},
    agent: false,
  });
  const reply = new Promise<Reply>((resolve, reject) => {
    let answered = false;
    // Once the server answered and closed, writes still in flight may fail: that is expected.
    request.on("error", (error) => (answered ? undefined : reject(error)));
    request.on("response", (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on("error", reject);
    });
  });
  if (options.body !== undefined) request.write(options.body);
  if (options.hold) request.flushHeaders();
  else request.end();
  return { request, reply };
}

export function send(port: number, options: RequestOptions = {}): Promise<Reply> {
  return startRequest(port, options).reply;
}

export const jsonHeaders = (body: string, extra: Record<string, string> = {}) => ({
  "content-type": "application/json",
  authorization: `Bearer ${SECRET}`,
  "content-length": String(Buffer.byteLength(body)),
  ...extra,
});

/** POSTs an action with the right secret; returns the reply. */
export function post(port: number, action: unknown, extra: Record<string, string> = {}, path = PATH): Promise<Reply> {
  const body = JSON.stringify(action);
  return send(port, { path, headers: jsonHeaders(body, extra), body });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
