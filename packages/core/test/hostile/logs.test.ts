// The log side of the hostile suite: start-up failures, cold routes, runtime errors and
// outcome-unknown writes all log something, and none of it may carry a secret or a
// session key, even when the failing code puts them in its error messages.
import { describe, expect, it } from "vitest";
import { createMemoryTaskFlowRuntime, loadWebhookHandler } from "../../src/index.js";
import { PATH, parse, request } from "../support.js";
import { ROTATED_SECRET, SECRET, SESSION, checkLogsAfterAll, hostileLogger } from "./support.js";

checkLogsAfterAll({ expectLines: true });

const ref = { source: "env", provider: "default", id: "WEBHOOK_SECRET" } as const;

describe("log lines under hostile conditions", () => {
  it("a resolver that fails with the secret in its message: the entry is dropped, the warning names only route and index", async () => {
    const logger = hostileLogger();
    const handler = await loadWebhookHandler({
      config: { routes: { demo: { sessionKey: SESSION, secret: [ref, SECRET] } } },
      taskFlow: createMemoryTaskFlowRuntime(),
      logger,
      secretResolver: {
        resolve: () => {
          throw new Error(`env WEBHOOK_SECRET=${ROTATED_SECRET} for ${SESSION}`);
        },
      },
    });
    expect(handler.routes).toEqual([{ id: "demo", path: PATH, cold: false }]);
    expect(parse(await handler.handle(request({ json: { action: "list_flows" } }))).status).toBe(200);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatchObject({ level: "warn", fields: { routeId: "demo", index: 0, reason: "secret could not be resolved" } });
  });

  it("a resolver that answers blank or rejects: cold, one warning each, no values", async () => {
    for (const resolve of [() => "   ", () => Promise.reject(new Error(SECRET)), () => undefined as unknown as string]) {
      const logger = hostileLogger();
      const handler = await loadWebhookHandler({
        config: { routes: { demo: { sessionKey: SESSION, secret: ref } } },
        taskFlow: createMemoryTaskFlowRuntime(),
        logger,
        secretResolver: { resolve },
      });
      expect(handler.routes[0]!.cold).toBe(true);
      expect(logger.lines).toHaveLength(1);
    }
  });

  it("runtime errors, outcome-unknown writes and non-Error throws log a correlation id, a class name and nothing else", async () => {
    const logger = hostileLogger();
    const throwing = [
      new TypeError(`bad record for ${SESSION}: ${SECRET}`),
      Object.assign(new Error(`write timed out (${SECRET})`), { code: "outcome-unknown" }),
      `${SECRET}`,
      { message: SESSION },
    ];
    let next = 0;
    const handler = await loadWebhookHandler({
      config: { routes: { demo: { sessionKey: SESSION, secret: SECRET, limits: { rateLimit: { max: 1e9 } } } } },
      taskFlow: {
        bindSession: () =>
          new Proxy({} as never, {
            get: (_t, prop) =>
              prop === "sessionKey"
                ? SESSION
                : () => {
                    throw throwing[next++ % throwing.length];
                  },
          }),
      },
      logger,
    });
    for (let i = 0; i < throwing.length; i++) {
      const r = parse(await handler.handle(request({ json: { action: "get_flow", flowId: "f" } })));
      expect(r.status).toBe(500);
      expect(r.body.code).toBe("internal_error");
      const line = logger.lines.at(-1)!;
      expect(line.level).toBe("error");
      expect(line.fields).toMatchObject({ correlationId: r.body.correlationId, routeId: "demo", action: "get_flow" });
      expect(Object.keys(line.fields!).sort()).toEqual(["action", "correlationId", "error", "routeId"]);
    }
    expect(logger.lines.map((l) => l.fields!.error)).toEqual(["TypeError", "Error", "string", "object"]);
    expect(logger.lines[1]!.message).toMatch(/outcome unknown/);
  });
});
