// deno serve --allow-env=WEBHOOK_SECRET --port 8000 server.ts (net: only its own listen)
// (with a package.json and node_modules beside it, or npm: specifiers in the imports)
import { Hono } from "hono";
import { getConnInfo } from "hono/deno";
import { createMemoryTaskFlowRuntime } from "@taskflow-webhooks/core";
import { loadWebhookApp } from "@taskflow-webhooks/adapter-hono";

const webhooks = await loadWebhookApp({
  config: {
    routes: {
      demo: { sessionKey: "agent:main:main", secret: { source: "env", provider: "default", id: "WEBHOOK_SECRET" } },
    },
  },
  taskFlow: createMemoryTaskFlowRuntime(),
  remoteAddressOf: (c) => getConnInfo(c).remote.address,
});
const app = new Hono().route("/", webhooks);

// Deno serves the default export; its connection info goes to Hono as `c.env`, whose
// remoteAddr getConnInfo reads.
export default { fetch: (request: Request, info: object) => app.fetch(request, info) };
