// Connection-level limits for the standalone server's node:http server, below the webhook
// pipeline: Node's own defaults let a header-trickling socket live ~90 s and any one
// client hold every descriptor, answered a pipelined garbage tail with a bare 400 that cut
// off the valid answer before it, and sent `100 Continue` before any check.
// - headersTimeout / requestTimeout well under Node's 60 s / 300 s, checked every second;
// - at most `maxConnectionsPerClient` open sockets per client (IPv6 /64, loopback as one;
//   trusted proxies are exempt, they carry many clients), further ones are closed at once;
// - `clientError`: the answer already in progress on that socket is finished first, then
//   a JSON envelope (400 `malformed_request`, 431 `headers_too_large`, 408
//   `request_timeout`) with `Connection: close`;
// - `Expect: 100-continue`: `100 Continue` is written only when the core starts reading
//   the body, which it does only after method, rate limit, content type, in-flight and
//   authentication passed; a refused request gets its final answer instead.
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { clientKeyOf, createTrustedProxies, errorResponse, type ErrorCode } from "@taskflow-webhooks/core";

export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 64;

export interface ConnectionLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  maxConnectionsPerClient: number;
  trustedProxies: readonly string[];
}

/** Options for `http.createServer`: Node checks these timeouts every second, not every 30 s. */
export function connectionServerOptions(limits: ConnectionLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: 1_000,
  };
}

export function applyConnectionLimits(server: Server, limits: ConnectionLimits): void {
  const trusted = createTrustedProxies(limits.trustedProxies);
  // Bounded by the open sockets: a key leaves with its last socket.
  const open = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const peer = socket.remoteAddress;
    if (peer === undefined || trusted.has(peer)) return;
    const key = clientKeyOf(peer);
    const count = (open.get(key) ?? 0) + 1;
    if (count > limits.maxConnectionsPerClient) {
      socket.destroy();
      return;
    }
    open.set(key, count);
    socket.once("close", () => {
      const left = open.get(key)! - 1;
      if (left === 0) open.delete(key);
      else open.set(key, left);
    });
  });

  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const answer = () => {
      if (!socket.writable) return void socket.destroy();
      socket.end(rawAnswer(codeFor(error)));
    };
    // The answer already being prepared for an earlier, valid request on this socket goes
    // out first: its write may have happened (a created flow), so it must not be lost.
    const inProgress = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    // A request whose body never ended (the client left mid-body: Node reports the early
    // EOF here) has no answer worth waiting for; closing frees its in-flight slot now.
    if (inProgress && !inProgress.req.complete) return void socket.destroy();
    if (inProgress && !inProgress.writableFinished) {
      inProgress.once("finish", answer);
      inProgress.once("close", () => socket.destroy());
    } else answer();
  });

  server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => {
    const onListener = (event: string | symbol) => {
      if (event !== "data" && event !== "readable") return;
      req.off("newListener", onListener);
      if (!res.headersSent) res.writeContinue();
    };
    req.on("newListener", onListener);
    server.emit("request", req, res);
  });
}

function codeFor(error: NodeJS.ErrnoException): ErrorCode {
  if (error.code === "HPE_HEADER_OVERFLOW") return "headers_too_large";
  if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") return "request_timeout";
  return "malformed_request";
}

/** A JSON envelope written straight to the socket (there is no request or response object). */
function rawAnswer(code: ErrorCode): string {
  const response = errorResponse(code);
  const head = [`HTTP/1.1 ${response.status} ${REASONS[response.status] ?? "Error"}`];
  for (const [name, value] of Object.entries(response.headers)) head.push(`${name}: ${value}`);
  head.push(`content-length: ${Buffer.byteLength(response.body)}`, "connection: close");
  return `${head.join("\r\n")}\r\n\r\n${response.body}`;
}

const REASONS: Record<number, string> = { 400: "Bad Request", 408: "Request Timeout", 431: "Request Header Fields Too Large" };
