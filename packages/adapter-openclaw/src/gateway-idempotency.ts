// Where the plugin keeps idempotency records: `<state dir>/plugins/webhooks/idempotency.sqlite`
// (state dir from `api.runtime.state.resolveStateDir()`, `~/.openclaw` by default), one
// store per process and file, shared by every register() call (the Gateway registers
// several times per process and on every config reload). Opened at the first keyed write,
// not at registration, so discovery loads touch no file. Without node:sqlite or a state
// dir the records stay in bounded process memory, with one warning: replays then work
// until the Gateway restarts.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { createMemoryIdempotencyStore, type IdempotencyStore, type Logger } from "@taskflow-webhooks/core";
import { loadNodeSqlite, openDurableIdempotencyStore, type NodeSqlite } from "./durable-idempotency-store.js";
import type { GatewayRuntime } from "./gateway-api.js";

const stores = new Map<string, IdempotencyStore>();
let memory: IdempotencyStore | undefined;

export function idempotencyPathOf(runtime: GatewayRuntime): string | undefined {
  const stateDir = runtime.state?.resolveStateDir?.();
  return typeof stateDir === "string" && stateDir !== "" ? join(stateDir, "plugins", "webhooks", "idempotency.sqlite") : undefined;
}

export function gatewayIdempotencyStore(
  runtime: GatewayRuntime,
  logger: Logger,
  sqlite: NodeSqlite | undefined = loadNodeSqlite(),
): IdempotencyStore {
  const path = idempotencyPathOf(runtime);
  const key = path ?? "(memory)";
  let store = stores.get(key);
  if (!store) {
    store = lazy(() => {
      if (!path) return inMemory(logger, "the host names no state directory");
      if (!sqlite) return inMemory(logger, "node:sqlite is unavailable (Node < 22.5)");
      try {
        return openDurableIdempotencyStore(sqlite, path, randomUUID);
      } catch (error) {
        return inMemory(logger, `${path} could not be opened: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
    stores.set(key, store);
  }
  return store;
}

function inMemory(logger: Logger, reason: string): IdempotencyStore {
  logger.warn(`idempotency records kept in memory only (${reason}): a Gateway restart forgets them`);
  return (memory ??= createMemoryIdempotencyStore());
}

/** Opens the store at its first use (the first keyed write), so registering touches no file. */
function lazy(open: () => IdempotencyStore): IdempotencyStore & { close(): void } {
  let opened: IdempotencyStore | undefined;
  const store = () => (opened ??= open());
  return {
    reserve: (scope, fingerprint, options) => store().reserve(scope, fingerprint, options),
    complete: (scope, token, answer, options) => store().complete(scope, token, answer, options),
    release: (scope, token) => store().release(scope, token),
    close: () => (opened as { close?: () => void } | undefined)?.close?.(),
  };
}

/** Test hook: forget the per-process stores (a simulated Gateway restart). */
export function resetGatewayIdempotencyStores(): void {
  for (const store of stores.values()) (store as { close?: () => void }).close?.();
  stores.clear();
  memory = undefined;
}
