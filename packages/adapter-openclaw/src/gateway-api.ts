// The slice of OpenClaw's plugin API this adapter uses, typed structurally so the package
// needs no `openclaw` install to build or test. Shapes follow openclaw 2026.9.6.
import type { IncomingMessage, ServerResponse } from "node:http";
import type {
  BoundTaskFlow,
  CancelResult,
  MaybePromise,
} from "@taskflow-webhooks/core";

export interface GatewayLogger {
  info?(message: string): void;
  warn?(message: string): void;
  error?(message: string): void;
  debug?(message: string): void;
}

export type GatewayRouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean | void> | boolean | void;

export interface GatewayHttpRouteParams {
  path: string;
  handler: GatewayRouteHandler;
  auth: "plugin" | "gateway";
  match?: "exact" | "prefix";
  replaceExisting?: boolean;
}

/** A bound handle as the Gateway hands it out: every TaskFlow method but `cancel`. */
export type GatewayBoundFlows = Omit<BoundTaskFlow, "cancel" | "sessionKey"> & { sessionKey?: string };

export interface GatewaySyncBoundFlows {
  cancel(params: { flowId: string; cfg?: unknown }): MaybePromise<CancelResult>;
  [method: string]: unknown;
}

export interface GatewayRuntime {
  tasks?: {
    async?: { managedFlows?: { bindSession(params: { sessionKey: string }): GatewayBoundFlows } };
    managedFlows?: { bindSession(params: { sessionKey: string }): GatewaySyncBoundFlows };
  };
  /** Plugin state helpers; `resolveStateDir()` is `~/.openclaw` unless OPENCLAW_STATE_DIR says otherwise. */
  state?: { resolveStateDir?(): string };
  /** Hosts before the `tasks` namespace. */
  taskFlow?: { bindSession(params: { sessionKey: string }): GatewayBoundFlows & Partial<GatewaySyncBoundFlows> };
}

export interface GatewayConfig {
  gateway?: { trustedProxies?: string[]; allowRealIpFallback?: boolean };
  [key: string]: unknown;
}

export interface OpenClawPluginApiLike {
  /** `full` when the routes serve; `discovery`, `setup-only`, ... for metadata-only loads. */
  registrationMode?: string;
  pluginConfig?: unknown;
  config?: GatewayConfig;
  logger: GatewayLogger;
  runtime: GatewayRuntime;
  registerHttpRoute(params: GatewayHttpRouteParams): void;
}
