// A hand-written stand-in for OpenClaw's plugin API (its own test helpers are not
// published): records registered routes and log lines, and serves them over real HTTP.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createMemoryTaskFlowRuntime, type MemoryTaskFlowRuntime } from "@taskflow-webhooks/core";
import type { GatewayHttpRouteParams, GatewayRuntime, OpenClawPluginApiLike } from "../src/gateway-api.js";

export interface FakeGateway {
  api: OpenClawPluginApiLike;
  routes: Map<string, GatewayHttpRouteParams>;
  logs: Array<{ level: string; message: string }>;
  memory: MemoryTaskFlowRuntime;
  listen(): Promise<{ url: string; close(): Promise<void> }>;
}

/** The Gateway's 2026.9 shape: async managedFlows without cancel, sync binding with cancel(cfg). */
export function gatewayRuntimeOver(memory: MemoryTaskFlowRuntime, seenCfg?: unknown[]): GatewayRuntime {
  return {
    tasks: {
      async: {
        managedFlows: {
          bindSession: ({ sessionKey }) => {
            const bound = memory.bindSession({ sessionKey });
            const asyncOf = <A extends unknown[], R>(fn: (...a: A) => R) => (async (...a: A) => fn(...a)) as (...a: A) => Promise<Awaited<R>>;
            return {
              createManaged: asyncOf(bound.createManaged.bind(bound)),
              tryCreateManaged: asyncOf(bound.tryCreateManaged!.bind(bound)),
              get: asyncOf(bound.get.bind(bound)),
              list: asyncOf(bound.list.bind(bound)),
              findLatest: asyncOf(bound.findLatest.bind(bound)),
              resolve: asyncOf(bound.resolve.bind(bound)),
              getTaskSummary: asyncOf(bound.getTaskSummary.bind(bound)),
              setWaiting: asyncOf(bound.setWaiting.bind(bound)),
              resume: asyncOf(bound.resume.bind(bound)),
              finish: asyncOf(bound.finish.bind(bound)),
              fail: asyncOf(bound.fail.bind(bound)),
              requestCancel: asyncOf(bound.requestCancel.bind(bound)),
              runTask: asyncOf(bound.runTask.bind(bound)),
            };
          },
        },
      },
      managedFlows: {
        bindSession: ({ sessionKey }) => ({
          cancel: (params: { flowId: string; cfg?: unknown }) => {
            seenCfg?.push(params.cfg);
            return memory.bindSession({ sessionKey }).cancel({ flowId: params.flowId });
          },
        }),
      },
    },
  };
}

export interface FakeGatewayOptions {
  trustedProxies?: string[];
  allowRealIpFallback?: boolean;
  runtime?: GatewayRuntime;
  registrationMode?: string;
}

export function createFakeGateway(pluginConfig: unknown, options: FakeGatewayOptions = {}): FakeGateway {
  const routes = new Map<string, GatewayHttpRouteParams>();
  const logs: FakeGateway["logs"] = [];
  const memory = createMemoryTaskFlowRuntime();
  const log = (level: string) => (message: string) => void logs.push({ level, message });
  const api: OpenClawPluginApiLike = {
    pluginConfig,
    config: {
      gateway: {
        trustedProxies: options.trustedProxies ?? [],
        ...(options.allowRealIpFallback !== undefined && { allowRealIpFallback: options.allowRealIpFallback }),
      },
    },
    ...(options.registrationMode !== undefined && { registrationMode: options.registrationMode }),
    logger: { info: log("info"), warn: log("warn"), error: log("error"), debug: log("debug") },
    runtime: options.runtime ?? gatewayRuntimeOver(memory),
    registerHttpRoute: (params) => void routes.set(params.path, params),
  };
  return {
    api,
    routes,
    logs,
    memory,
    async listen() {
      // Like the Gateway: exact-path routing; `false` from a handler means a 404 follows.
      const server: Server = createServer(async (req, res) => {
        const path = new URL(req.url ?? "/", "http://x").pathname;
        const route = routes.get(path);
        try {
          const handled = route ? await route.handler(req, res) : false;
          if (handled === false && !res.headersSent) {
            res.statusCode = 404;
            res.end("Not Found");
          }
        } catch {
          res.statusCode = 500;
          res.end("Internal Server Error");
        }
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const { port } = server.address() as AddressInfo;
      return {
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
      };
    },
  };
}
