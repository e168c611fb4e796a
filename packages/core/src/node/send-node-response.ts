// Writes a core response to a Node.js ServerResponse (node:http, Express, the Gateway).
// Structural types keep the core free of framework and http typings.
import type { WebhookResponse } from "../view/envelope.js";
import { markClosingConnection } from "./closing-connections.js";
import { lingerThenClose, type NodeRequestLike } from "./lingering-close.js";

export interface NodeResponseLike {
  readonly headersSent?: boolean;
  readonly writableEnded?: boolean;
  readonly destroyed?: boolean;
  writeHead(status: number, headers: Record<string, string>): unknown;
  write?(body: string, callback: (error?: Error | null) => void): unknown;
  end(body?: string): unknown;
}

/**
 * Sends the response; a client that went away mid-body gets nothing written. The whole
 * body is known, so it goes out with a Content-Length: `writeHead` before `end` would
 * otherwise make Node frame it as chunked.
 *
 * With `closeConnection` and a request body still arriving, the answer is written and the
 * connection closed the lingering way (lingering-close.ts), not by Node's own close, so that
 * a client still uploading reads its 413/401 instead of a connection reset.
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
