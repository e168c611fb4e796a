// Library use without any HTTP framework: build a handler once, hand it requests.
// Run: pnpm build && node examples/core/drive-a-flow.mjs
import { createMemoryTaskFlowRuntime, createWebhookHandler } from "@taskflow-webhooks/core";

const handler = createWebhookHandler({
  config: { routes: { ci: { sessionKey: "agent:main:main", secret: "example-secret-change-me" } } },
  taskFlow: createMemoryTaskFlowRuntime(),
});

async function send(action) {
  const response = await handler.handle({
    method: "POST",
    path: "/plugins/webhooks/ci",
    headers: { "content-type": "application/json", authorization: "Bearer example-secret-change-me" },
    remoteAddress: "127.0.0.1",
    body: { kind: "text", text: JSON.stringify(action) },
  });
  return { status: response.status, ...JSON.parse(response.body) };
}

const created = await send({ action: "create_flow", goal: "Nightly build" });
const { flowId, revision } = created.result.flow;
console.log("create_flow ->", created.status, created.result.flow.status);

const waiting = await send({ action: "set_waiting", flowId, expectedRevision: revision, currentStep: "tests" });
console.log("set_waiting ->", waiting.status, waiting.result.flow.status, "revision", waiting.result.flow.revision);

const stale = await send({ action: "finish_flow", flowId, expectedRevision: revision });
console.log("finish_flow (stale revision) ->", stale.status, stale.code);

const done = await send({ action: "finish_flow", flowId, expectedRevision: waiting.result.flow.revision });
console.log("finish_flow ->", done.status, done.result.flow.status);
