// The Gateway's durable idempotency store on node:sqlite (Node 24): the port's conformance
// kit including a reopen of the file, and a replay through the plugin after a simulated
// Gateway restart (new process state, same state directory).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { describeIdempotencyStoreConformance } from "@taskflow-webhooks/core/testing";
import { loadNodeSqlite, openDurableIdempotencyStore } from "../../src/durable-idempotency-store.js";
import { resetGatewayIdempotencyStores } from "../../src/gateway-idempotency.js";
import plugin from "../../src/index.js";
import { createFakeGateway, gatewayRuntimeOver } from "../fake-gateway.js";
import { createMemoryTaskFlowRuntime } from "@taskflow-webhooks/core";

const sqlite = loadNodeSqlite();
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "tfw-gw-idem-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  resetGatewayIdempotencyStores();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("node:sqlite", () => {
  it("is available on this Node (the Gateway's)", () => {
    expect(process.versions.node.split(".")[0]).toBe("24");
    expect(sqlite).toBeDefined();
  });
});

describeIdempotencyStoreConformance(
  "gateway node:sqlite",
  () => {
    const path = join(tempDir(), "plugins", "webhooks", "idempotency.sqlite");
    let store = openDurableIdempotencyStore(sqlite!, path, randomUUID);
    return {
      store,
      reopen() {
        store.close();
        store = openDurableIdempotencyStore(sqlite!, path, randomUUID);
        return store;
      },
      close: () => store.close(),
    };
  },
  { durable: true },
);

describe("through the plugin", () => {
  it("a replayed create_flow returns the same flowId, also after a Gateway restart", async () => {
    const stateDir = tempDir();
    const flows = createMemoryTaskFlowRuntime(); // the Gateway's own TaskFlow state survives its restart
    const runtime = { ...gatewayRuntimeOver(flows), state: { resolveStateDir: () => stateDir } };
    const config = { routes: { zapier: { sessionKey: "agent:main:main", secret: "gateway-secret-1234" } } };
    const deliver = async () => {
      const gw = createFakeGateway(config, { runtime });
      plugin.register(gw.api);
      const server = await gw.listen();
      try {
        const res = await fetch(`${server.url}/plugins/webhooks/zapier`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            authorization: "Bearer gateway-secret-1234",
            "idempotency-key": "zap-77",
          },
          body: JSON.stringify({ action: "create_flow", goal: "once" }),
        });
        return { replayed: res.headers.get("idempotent-replayed"), body: (await res.json()) as any, logs: gw.logs };
      } finally {
        await server.close();
      }
    };
    const first = await deliver();
    expect(first.replayed).toBeNull();
    expect(first.logs.filter((l) => l.message.includes("in memory only"))).toEqual([]);
    expect(existsSync(join(stateDir, "plugins", "webhooks", "idempotency.sqlite"))).toBe(true);
    const sameProcess = await deliver();
    expect(sameProcess.replayed).toBe("true");
    resetGatewayIdempotencyStores(); // the restart: nothing of the plugin's process state is left
    const afterRestart = await deliver();
    expect(afterRestart.replayed).toBe("true");
    expect(afterRestart.body.result.flow.flowId).toBe(first.body.result.flow.flowId);
  });
});
