// Writes a core response to a Node.js ServerResponse (node:http, Express, the Gateway).
// Structural types keep the core free of framework and http typings.
import type { WebhookResponse } from "../view/envelope.js";

export interface NodeResponseLike {
  readonly headersSent?: boolean;
  readonly writableEnded?: boolean;
  readonly destroyed?: boolean;
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body?: string): unknown;
}

/**
 * Sends the response; a client that went away mid-body gets nothing written. The whole
 * body is known, so it goes out with a Content-Length: `writeHead` before `end` would
 * otherwise make Node frame it as chunked.
 */
export function sendNodeResponse(res: NodeResponseLike, response: WebhookResponse): void {
  if (response.abandoned || res.headersSent || res.writableEnded || res.destroyed) return;
  // The record is this answer's own (built per response), so it is completed in place.
  const headers = response.closeConnection ? { ...response.headers, connection: "close" } : response.headers;
  headers["content-length"] = String(Buffer.byteLength(response.body));
  res.writeHead(response.status, headers);
  res.end(response.body);
}
