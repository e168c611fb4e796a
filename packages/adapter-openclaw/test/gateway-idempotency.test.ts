// Idempotency through the plugin on the test Node (20): without node:sqlite the records stay
// in process memory (one warning at the first keyed write); retries still replay. The
// durable node:sqlite store is tested on Node 24: test/node24/ (run by e2e/openclaw/ci.sh).
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryTaskFlowRuntime } from "@taskflow-webhooks/core";
import plugin from "../src/index.js";
import { gatewayIdempotencyStore, idempotencyPathOf, resetGatewayIdempotencyStores } from "../src/gateway-idempotency.js";
import { createFakeGateway, gatewayRuntimeOver } from "./fake-gateway.js";

const SECRET = "gateway-secret-1234";
const config = { routes: { zapier: { sessionKey: "agent:main:main", secret: SECRET } } };
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
  resetGatewayIdempotencyStores();
});

async function serve(runtime = gatewayRuntimeOver(createMemoryTaskFlowRuntime())) {
  const gw = createFakeGateway(config, { runtime });
  plugin.register(gw.api);
  const server = await gw.listen();
  closers.push(server.close);
  const post = async (body: unknown, key?: string) => {
    const res = await fetch(`${server.url}/plugins/webhooks/zapier`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}`, ...(key && { "idempotency-key": key }) },
      body: JSON.stringify(body),
    });
    return { status: res.status, replayed: res.headers.get("idempotent-replayed"), text: await res.text() };
  };
  return { gw, post };
}

describe("idempotency keys through the Gateway plugin", () => {
  it("a retried create_flow replays the same answer and creates one flow; the fallback warns once", async () => {
    const { gw, post } = await serve();
    const create = { action: "create_flow", goal: "once" };
    const first = await post(create, "zap-1");
    const again = await post(create, "zap-1");
    expect([first.status, first.replayed]).toEqual([200, null]);
    expect([again.status, again.replayed, again.text]).toEqual([200, "true", first.text]);
    expect((await post({ ...create, goal: "other" }, "zap-1")).status).toBe(422);
    const listed = JSON.parse((await post({ action: "list_flows" })).text);
    expect(listed.result.flows).toHaveLength(1);
    const warnings = gw.logs.filter((l) => l.message.includes("idempotency records kept in memory only"));
    expect(warnings).toHaveLength(1); // the fake Gateway names no state directory
  });

  it("the records live in <state dir>/plugins/webhooks/idempotency.sqlite; one store per process and file", () => {
    const runtime = { state: { resolveStateDir: () => "/var/lib/openclaw" } };
    expect(idempotencyPathOf(runtime)).toBe("/var/lib/openclaw/plugins/webhooks/idempotency.sqlite");
    expect(idempotencyPathOf({})).toBeUndefined();
    const logger = { info() {}, warn() {}, error() {} };
    expect(gatewayIdempotencyStore(runtime, logger)).toBe(gatewayIdempotencyStore(runtime, logger));
  });

  it("without node:sqlite: memory records, one warning naming why, at the first use (not at registration)", async () => {
    const warnings: string[] = [];
    const logger = { info() {}, warn: (m: string) => void warnings.push(m), error() {} };
    const store = gatewayIdempotencyStore({ state: { resolveStateDir: () => "/nonexistent" } }, logger, undefined);
    expect(warnings).toEqual([]);
    const r = await store.reserve("zapier\nk", "fp", { now: 0, lockMs: 1_000 });
    expect(r.state).toBe("reserved");
    expect(warnings).toEqual([
      "idempotency records kept in memory only (node:sqlite is unavailable (Node < 22.5)): a Gateway restart forgets them",
    ]);
  });
});
