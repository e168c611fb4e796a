// src/index.ts; wrangler.toml: compatibility_flags = ["nodejs_compat"], compatibility_date = "2026-07-30"
import { Hono } from "hono";
import { getConnInfo } from "hono/cloudflare-workers";
import { createMemoryTaskFlowRuntime, createWebhookHandler } from "@taskflow-webhooks/core";
import { webhookApp } from "@taskflow-webhooks/adapter-hono";

interface Env {
  WEBHOOK_SECRET: string; // `wrangler secret put WEBHOOK_SECRET`
}

let app: Hono | undefined;

export default {
  fetch(request: Request, env: Env, ctx: unknown) {
    // Built on the first request: the handler's limiter draws random bytes when created,
    // which workerd refuses at global scope.
    app ??= new Hono().route(
      "/",
      webhookApp(
        createWebhookHandler({
          config: { routes: { demo: { sessionKey: "agent:main:main", secret: env.WEBHOOK_SECRET } } },
          taskFlow: createMemoryTaskFlowRuntime(),
        }),
        // CF-Connecting-IP, set by Cloudflare's edge (and by wrangler dev / Miniflare).
        { remoteAddressOf: (c) => getConnInfo(c).remote.address },
      ),
    );
    return app.fetch(request, env, ctx as never);
  },
};
