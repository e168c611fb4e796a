// The Hono app every runtime here serves: the transport kit's handler mounted the way a
// user mounts it (`app.route("/", webhookApp(...))` with the runtime's `getConnInfo` as the
// client address), plus one read-only route that reports the log lines and the in-flight
// count to the kit, which runs in another process. Imports the built packages only.
import { Hono } from "hono";
import { webhookApp } from "@taskflow-webhooks/adapter-hono";
import { createTransportKitHandler } from "@taskflow-webhooks/core/testing/transport-kit";

export const STATE_PATH = "/__kit/state";

/** `remoteAddressOf(c)`: the runtime's `getConnInfo(c).remote.address`. */
export function createKitApp({ remoteAddressOf }) {
  const lines = [];
  const record = (level) => (message, fields) => void lines.push({ level, message, fields });
  const logger = { info: record("info"), warn: record("warn"), error: record("error") };
  const handler = createTransportKitHandler({ logger });
  const app = new Hono();
  app.get(STATE_PATH, (c) => c.json({ logs: lines, inFlight: handler.inFlight() }));
  app.route("/", webhookApp(handler, { logger, remoteAddressOf }));
  app.get("/", (c) => c.text("home", 404));
  return app;
}
