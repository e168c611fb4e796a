// Shared test helpers: a handler over the memory runtime with a manual clock, and
// request builders.
import { EventEmitter } from "node:events";
import { createWebhookHandler, createMemoryTaskFlowRuntime, type WebhookRequest, type WebhookResponse, type WebhookHandlerOptions, type Logger } from "../src/index.js";
import { createManualClock } from "../src/testing/manual-clock.js";

export const SECRET = "test-secret-value-0123456789";
export const SESSION = "agent:main:main";
export const PATH = "/plugins/webhooks/demo";

export interface LogLine { level: string; message: string; fields?: Record<string, unknown> }

export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, ...(fields && { fields }) });
  };
  return { lines, info: at("info"), warn: at("warn"), error: at("error"), debug: at("debug") };
}

export function setup(overrides: Partial<WebhookHandlerOptions> & { routeExtra?: Record<string, unknown> } = {}) {
  const clock = createManualClock();
  const taskFlow = createMemoryTaskFlowRuntime({ clock });
  const logger = recordingLogger();
  const { routeExtra, ...rest } = overrides;
  const handler = createWebhookHandler({
    config: { routes: { demo: { sessionKey: SESSION, secret: SECRET, ...routeExtra } } },
    taskFlow,
    clock,
    logger,
    ...rest,
  });
  const send = (req: Partial<WebhookRequest> & { json?: unknown; text?: string }) => handler.handle(request(req));
  const call = async (json: unknown) => parse(await send({ json }));
  return { clock, taskFlow, logger, handler, send, call };
}

export function request(req: Partial<WebhookRequest> & { json?: unknown; text?: string } = {}): WebhookRequest {
  const { json, text, ...rest } = req;
  const bodyText = text ?? (json === undefined ? "" : JSON.stringify(json));
  return {
    method: "POST",
    path: PATH,
    headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}`, "content-length": String(Buffer.byteLength(bodyText)) },
    remoteAddress: "203.0.113.7",
    body: { kind: "text", text: bodyText },
    ...rest,
  };
}

export function parse(response: WebhookResponse | undefined) {
  if (!response) throw new Error("not handled");
  return { status: response.status, headers: response.headers, body: JSON.parse(response.body) as any, response };
}

/** A fake Node readable that records whether anyone started reading it. */
export class FakeStream extends EventEmitter {
  reads = 0;
  paused = false;
  readableEnded = false;
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    if (event === "data") this.reads += 1;
    return super.on(event, listener);
  }
  pause() {
    this.paused = true;
    return this;
  }
  push(chunk: string | Buffer) {
    this.emit("data", typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  }
  end() {
    this.readableEnded = true;
    this.emit("end");
  }
}
