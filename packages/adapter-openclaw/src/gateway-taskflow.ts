// Adapts the Gateway's owner-bound TaskFlow runtime to the core's TaskFlowRuntime port.
// 2026.9.x: async managedFlows for everything, `cancel` only on the sync binding (it needs
// the Gateway config). Older hosts: `api.runtime.taskFlow`. The Gateway has no `listPage`:
// the core pages `list_flows` over one `list()` per answer (bounded answers, full reads).
import type { BoundTaskFlow, TaskFlowRuntime } from "@taskflow-webhooks/core";
import type { GatewayConfig, GatewayRuntime } from "./gateway-api.js";

const FORWARDED = [
  "createManaged",
  "tryCreateManaged",
  "get",
  "list",
  "findLatest",
  "resolve",
  "getTaskSummary",
  "setWaiting",
  "resume",
  "finish",
  "fail",
  "requestCancel",
  "runTask",
] as const;

export class TaskFlowUnavailableError extends Error {
  override name = "TaskFlowUnavailableError";
}

export function gatewayTaskFlowRuntime(runtime: GatewayRuntime, cfg: GatewayConfig | undefined): TaskFlowRuntime {
  const asyncFlows = runtime.tasks?.async?.managedFlows;
  const syncFlows = runtime.tasks?.managedFlows;
  const legacy = runtime.taskFlow;
  if (!asyncFlows && !legacy) {
    throw new TaskFlowUnavailableError("this OpenClaw host exposes no TaskFlow runtime (api.runtime.tasks or api.runtime.taskFlow)");
  }
  return {
    bindSession({ sessionKey }): BoundTaskFlow {
      const bound = asyncFlows ? asyncFlows.bindSession({ sessionKey }) : legacy!.bindSession({ sessionKey });
      const canceller = syncFlows?.bindSession({ sessionKey }) ?? (bound as { cancel?: unknown });
      const cancel = (canceller as { cancel?: BoundTaskFlow["cancel"] & ((p: object) => unknown) }).cancel;
      // Forward by name (not spread) so methods on a prototype keep their `this`.
      const forward = <K extends (typeof FORWARDED)[number]>(name: K) =>
        ((...args: unknown[]) => (bound[name] as (...a: unknown[]) => unknown).apply(bound, args)) as BoundTaskFlow[K];
      return {
        sessionKey,
        createManaged: forward("createManaged"),
        ...(typeof bound.tryCreateManaged === "function" && { tryCreateManaged: forward("tryCreateManaged") }),
        get: forward("get"),
        list: forward("list"),
        findLatest: forward("findLatest"),
        resolve: forward("resolve"),
        getTaskSummary: forward("getTaskSummary"),
        setWaiting: forward("setWaiting"),
        resume: forward("resume"),
        finish: forward("finish"),
        fail: forward("fail"),
        requestCancel: forward("requestCancel"),
        runTask: forward("runTask"),
        cancel: (params) => {
          if (typeof cancel !== "function") throw new TaskFlowUnavailableError("this OpenClaw host has no TaskFlow cancel");
          return cancel.call(canceller, { ...params, cfg }) as ReturnType<BoundTaskFlow["cancel"]>;
        },
      };
    },
  };
}
