// One warning per process when a request carries no client address at all (no socket peer,
// no resolved client): every caller of that route then shares one limit key, so one
// caller can throttle all of them. Common off @hono/node-server (Bun, Deno, Workers),
// where the adapter cannot see the socket.
import type { Logger } from "../ports/logger.js";

let warned = false;

export function warnUnknownClientOnce(logger: Logger, routeId: string): void {
  if (warned) return;
  warned = true;
  logger.warn(
    "webhook client address unknown: all callers of this route share one rate-limit and in-flight key",
    {
      routeId,
      fix:
        "pass the socket address: the Hono adapter's remoteAddressOf option (e.g. getConnInfo(c).remote.address " +
        "from hono/bun or hono/deno), or WebhookRequest.remoteAddress / clientAddress from your host; " +
        "behind a proxy, also list it in trustedProxies",
    },
  );
}
