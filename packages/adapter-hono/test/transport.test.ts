// Hono on @hono/node-server through the transport kit, mounted the two documented ways.
import { Hono } from "hono";
import { runTransportConformance } from "@taskflow-webhooks/core/testing";
import { webhookApp, webhookHandler } from "@taskflow-webhooks/adapter-hono";
import { listen } from "./support.js";

runTransportConformance({
  name: "Hono sub-app (app.route) on @hono/node-server",
  async start({ handler, logger }) {
    const app = new Hono();
    app.route("/", webhookApp(handler, { logger }));
    app.get("/", (c) => c.text("home", 404));
    return listen(app);
  },
});

runTransportConformance({
  name: "Hono middleware (app.use) on @hono/node-server",
  async start({ handler, logger }) {
    const app = new Hono();
    app.use(webhookHandler(handler, { logger }));
    app.post("/elsewhere", (c) => c.text("host route", 404));
    return listen(app);
  },
});
