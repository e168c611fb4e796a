// An existing Hono app that gains taskflow-webhooks routes in two lines (marked ①②).
// Run: pnpm build (once, at the repository root), then
//   WEBHOOK_SECRET=$(openssl rand -base64 32) node examples/hono/server.mjs
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { webhookApp } from "@taskflow-webhooks/adapter-hono";
import { createMemoryTaskFlowRuntime, createNodeSecretResolver, loadWebhookHandler } from "@taskflow-webhooks/core";

const handler = await loadWebhookHandler({
  config: {
    routes: {
      demo: {
        sessionKey: "agent:main:main",
        secret: { source: "env", provider: "default", id: "WEBHOOK_SECRET" },
      },
    },
  },
  taskFlow: createMemoryTaskFlowRuntime(), // or openSqliteTaskFlowStore({ path }) from @taskflow-webhooks/taskflow-sqlite
  secretResolver: createNodeSecretResolver(),
  logger: console,
});

const app = new Hono();
app.get("/", (c) => c.text("Hello from the host app"));
app.route("/", webhookApp(handler)); // ① every configured route, here POST /plugins/webhooks/demo
// ② or a single path: app.all("/plugins/webhooks/demo", webhookHandler(handler));

const port = Number(process.env.PORT ?? 3000);
serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, (info) => {
  console.log(`listening on http://127.0.0.1:${info.port}`);
});
