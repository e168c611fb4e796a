// Writes a core response to a Node.js ServerResponse (node:http, Express, the Gateway).
// Structural types keep the core free of framework and http typings.
import type { WebhookResponse } from "../view/envelope.js";
import { markClosingConnection } from "./closing-connections.js";

export interface NodeResponseLike {
  readonly headersSent?: boolean;
  readonly writableEnded?: boolean;
  readonly destroyed?: boolean;
  writeHead(status: number, headers: Record<string, string>): unknown;
  write?(body: string, callback: (error?: Error | null) => void): unknown;
  end(body?: string): unknown;
}

/** The parts of a socket a lingering close uses. */
export interface NodeSocketLike {
  readonly destroyed?: boolean;
  end(): unknown;
  resume(): unknown;
  destroy(): unknown;
  once(event: "close", listener: () => void): unknown;
}

/** The request whose unread body a lingering close discards. */
export interface NodeRequestLike {
  readonly complete?: boolean;
  readonly socket?: NodeSocketLike | null;
  resume?(): unknown;
}

/** How long a connection answered over an unread body may keep sending before it is cut. */
export const LINGER_MS = 1_000;

/**
 * Sends the response; a client that went away mid-body gets nothing written. The whole
 * body is known, so it goes out with a Content-Length: `writeHead` before `end` would
 * otherwise make Node frame it as chunked.
 *
 * With `closeConnection` and a request body still arriving, Node's own close (destroy right
 * after the answer) would leave unread bytes in the kernel: the peer then gets a TCP reset
 * that can overtake the answer, and a client still uploading sees a connection error instead
 * of the 413/401. So the answer is written, the write side is half-closed, the rest of the
 * body is read and dropped, and the socket is destroyed when the client closes or after
 * LINGER_MS (a lingering close, as nginx and the Gateway itself do).
 */
export function sendNodeResponse(res: NodeResponseLike, response: WebhookResponse, req?: NodeRequestLike): void {
  if (response.abandoned || res.headersSent || res.writableEnded || res.destroyed) return;
  // The record is this answer's own (built per response), so it is completed in place.
  const headers = response.closeConnection ? { ...response.headers, connection: "close" } : response.headers;
  headers["content-length"] = String(Buffer.byteLength(response.body));
  res.writeHead(response.status, headers);
  const socket = req?.socket;
  if (!response.closeConnection || !socket || socket.destroyed || req.complete || !res.write) {
    res.end(response.body);
    return;
  }
  markClosingConnection(socket);
  res.write(response.body, (error) => (error ? socket.destroy() : lingerThenClose(req, socket)));
}

function lingerThenClose(req: NodeRequestLike, socket: NodeSocketLike): void {
  if (socket.destroyed) return;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref?.();
  socket.once("close", () => clearTimeout(timer));
  socket.end();
  // Flowing with no listener: Node parses and drops the body bytes; nothing is buffered.
  req.resume?.();
  socket.resume();
}
