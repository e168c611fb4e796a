// The framework-free request the core handles. Adapters fill it from their own request
// without reading the body: the core decides if and when the body is read.
import type { RequestBody } from "./body/request-body.js";

/**
 * Header access: a lookup function (lower-case name), a Node-style record with lower-case
 * keys, or a Fetch `Headers`-like object.
 */
export type HeaderInput =
  | ((name: string) => string | undefined | null)
  | { get(name: string): string | null | undefined }
  | Record<string, string | string[] | undefined>;

export interface WebhookRequest {
  method: string;
  /** Request target path; a query string is ignored. */
  path: string;
  headers: HeaderInput;
  /** The socket peer address. Forwarding headers count only when it is a trusted proxy. */
  remoteAddress?: string | undefined;
  /**
   * A client identity the host already resolved (e.g. Express `req.ip` with `trust proxy`).
   * Takes precedence over `remoteAddress` and forwarding headers.
   */
  clientAddress?: string | undefined;
  body: RequestBody;
}

export type HeaderReader = (name: string) => string | undefined;

export function headerReader(input: HeaderInput): HeaderReader {
  if (typeof input === "function") return (name) => input(name) ?? undefined;
  if (typeof (input as { get?: unknown }).get === "function") {
    const headers = input as { get(name: string): string | null | undefined };
    return (name) => headers.get(name) ?? undefined;
  }
  const record = input as Record<string, string | string[] | undefined>;
  return (name) => {
    const value = record[name];
    return Array.isArray(value) ? value.join(", ") : value;
  };
}
