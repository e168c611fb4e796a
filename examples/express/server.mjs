// The webhook routes in an Express 5 app, mounted before express.json() so the core reads
// the raw body itself (route byte limit, read timeout, authentication before any body byte).
// Run: pnpm build && OPENCLAW_WEBHOOK_SECRET=change-me node examples/express/server.mjs
import express from "express";
import { createMemoryTaskFlowRuntime } from "@taskflow-webhooks/core";
import { loadWebhookMiddleware } from "@taskflow-webhooks/adapter-express";

const config = {
  routes: {
    zapier: {
      sessionKey: "agent:main:main",
      secret: { source: "env", provider: "default", id: "OPENCLAW_WEBHOOK_SECRET" },
      description: "Zapier TaskFlow bridge",
    },
  },
};

const app = express();
app.use(await loadWebhookMiddleware({ config, taskFlow: createMemoryTaskFlowRuntime() }));
app.use(express.json()); // the app's own routes; webhook requests never reach it
app.get("/health", (_req, res) => res.json({ ok: true }));

const server = app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? "127.0.0.1", () => {
  const { address, port } = server.address();
  console.log(`listening on http://${address}:${port} (POST /plugins/webhooks/zapier)`);
});
