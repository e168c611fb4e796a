// Translates an Express 4/5 request into the core's WebhookRequest without reading the body.
// The raw stream goes to the core whenever it is still unread, so the route's byte limit,
// read timeout and "authenticate before any body byte" hold. If a body parser mounted
// earlier already consumed it, its `req.body` is handed over instead (its own limit applied)
// and one warning per process recommends mounting the webhooks first.
import type { IncomingMessage } from "node:http";
import type { Logger, RequestBody, WebhookAdapterOptions, WebhookRequest } from "@taskflow-webhooks/core";

/** The parts of an Express request the adapter reads (structural: no @types/express needed). */
export interface ExpressRequestLike extends IncomingMessage {
  originalUrl?: string;
  body?: unknown;
  ip?: string | undefined;
  app?: { get(setting: string): unknown };
  /** Set by body-parser 1.x (Express 4) once it has read the body. */
  _body?: boolean;
}

type AddressOptions = Pick<WebhookAdapterOptions<ExpressRequestLike>, "remoteAddressOf" | "clientAddressOf">;

export function toWebhookRequest(req: ExpressRequestLike, path: string, logger: Logger, options: AddressOptions = {}): WebhookRequest {
  return {
    method: req.method ?? "GET",
    path,
    headers: req.headers,
    remoteAddress: options.remoteAddressOf ? options.remoteAddressOf(req) : req.socket.remoteAddress,
    clientAddress: options.clientAddressOf ? options.clientAddressOf(req) : expressClientAddress(req, logger),
    body: consumedBody(req, logger) ?? { kind: "node", stream: req },
  };
}

/**
 * With `trust proxy` set on the app, Express already resolved the client (`req.ip`) and that
 * identity keys both limits. Otherwise `undefined`: the core uses the socket peer (or its own
 * `trustedProxies` option).
 */
function expressClientAddress(req: ExpressRequestLike, logger: Logger): string | undefined {
  const trust = req.app?.get("trust proxy");
  if (trust === true) warnTrustAllOnce(logger);
  // The core unmaps IPv4-mapped addresses (`::ffff:203.0.113.7`) itself.
  return trust === undefined || trust === false || !req.ip ? undefined : req.ip;
}

let warnedAboutTrustAll = false;

// `true` believes every X-Forwarded-For hop: any caller picks its own limit identity.
function warnTrustAllOnce(logger: Logger): void {
  if (warnedAboutTrustAll) return;
  warnedAboutTrustAll = true;
  logger.warn(
    'taskflow-webhooks: Express "trust proxy" is true, so any caller can choose its rate-limit ' +
      "identity with X-Forwarded-For. Set it to what is really in front of the app: the proxy's " +
      'address or subnet, or a hop count (app.set("trust proxy", "loopback"), "10.0.0.0/8" or 1).',
  );
}

let warnedAboutParserOrder = false;

/** What a body parser left behind, or `undefined` while the stream is still unread. */
function consumedBody(req: ExpressRequestLike, logger: Logger): RequestBody | undefined {
  // body-parser 1.x sets `_body`; 2.x leaves the stream ended (`complete && !readable`).
  const consumed = req._body === true || req.readableEnded || (req.complete && !req.readable);
  if (!consumed) return undefined;
  if (!warnedAboutParserOrder) {
    warnedAboutParserOrder = true;
    logger.warn(
      "taskflow-webhooks: a body parser read a webhook request before the webhook middleware; " +
        "its own size limit applied and the body was read before authentication. Mount the " +
        "webhook middleware before express.json()/express.raw()/express.text() to keep the " +
        "route's byte limit, read timeout and auth-before-body guarantees.",
    );
  }
  const value = req.body;
  if (Buffer.isBuffer(value)) return { kind: "bytes", bytes: value };
  if (typeof value === "string") return { kind: "text", text: value };
  // Consumed by something that kept nothing: an empty body (400 invalid_json), never a hang.
  if (value === undefined) return { kind: "text", text: "" };
  return { kind: "parsed", value };
}
