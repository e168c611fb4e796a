// Hono Context → core WebhookRequest. On @hono/node-server the core gets Node's own
// IncomingMessage (headers record, raw body stream, socket address); on other runtimes the
// Fetch request's headers and body stream. The body is never read here.
import type { Context } from "hono";
import type { WebhookAdapterOptions, WebhookRequest } from "@taskflow-webhooks/core";

interface NodeBindings {
  incoming: import("node:http").IncomingMessage;
}

const EMPTY = new Uint8Array(0);

type AddressOptions = Pick<WebhookAdapterOptions<Context>, "remoteAddressOf" | "clientAddressOf">;

export function toWebhookRequest(c: Context, options: AddressOptions = {}): WebhookRequest {
  const incoming = nodeIncoming(c);
  const { remoteAddressOf, clientAddressOf } = options;
  return {
    method: incoming?.method ?? c.req.method,
    // The raw request target (no percent-decoding, unlike `c.req.path`); on Node it is
    // read straight off the IncomingMessage rather than rebuilt from a full URL.
    path: incoming?.url?.startsWith("/") ? incoming.url : targetPath(c.req.url),
    headers: incoming ? incoming.headers : c.req.raw.headers,
    remoteAddress: remoteAddressOf ? remoteAddressOf(c) : incoming?.socket?.remoteAddress,
    clientAddress: clientAddressOf?.(c),
    body: incoming
      ? { kind: "node", stream: incoming }
      : c.req.raw.body
        ? { kind: "web", stream: c.req.raw.body }
        : { kind: "bytes", bytes: EMPTY },
  };
}

/** Node's request under @hono/node-server; undefined on other runtimes. */
export function nodeIncoming(c: Context): NodeBindings["incoming"] | undefined {
  const env = c.env as Partial<NodeBindings> | undefined;
  const incoming = env?.incoming;
  return incoming && typeof incoming.on === "function" ? incoming : undefined;
}

function targetPath(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  return start === -1 ? "/" : url.slice(start);
}

/**
 * A body an earlier middleware already read (`c.req.json()`, `c.req.text()`, ...) is gone
 * from the stream but kept in Hono's body cache: hand the core that copy instead of an
 * empty stream. The route's byte limit still applies to it.
 */
export function cachedBody(c: Context): Promise<WebhookRequest["body"]> | undefined {
  // Hono types the cache by value but stores the promises: Promise.resolve takes either.
  const { text, arrayBuffer, blob } = c.req.bodyCache;
  if (text) return Promise.resolve(text).then((value) => ({ kind: "text", text: value }));
  if (arrayBuffer) return Promise.resolve(arrayBuffer).then((value) => ({ kind: "bytes", bytes: new Uint8Array(value) }));
  if (blob) return Promise.resolve(blob).then(async (value) => ({ kind: "bytes", bytes: new Uint8Array(await value.arrayBuffer()) }));
  return undefined;
}
