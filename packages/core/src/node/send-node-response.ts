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

/** Sends the response; a client that went away mid-body gets nothing written. */
export function sendNodeResponse(res: NodeResponseLike, response: WebhookResponse): void {
  if (response.abandoned || res.headersSent || res.writableEnded || res.destroyed) return;
  const headers = response.closeConnection ? { ...response.headers, connection: "close" } : response.headers;
  res.writeHead(response.status, headers);
  res.end(response.body);
}
