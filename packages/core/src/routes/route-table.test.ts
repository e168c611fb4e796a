import { describe, expect, it } from "vitest";
import { createMemoryTaskFlowRuntime, createWebhookHandler, loadWebhookHandler } from "../index.js";
import { PATH, SECRET, SESSION, parse, recordingLogger, request, setup } from "../../test/support.js";

const listFlows = { action: "list_flows" };

describe("route lookup: exact path first, then the canonical variant", () => {
  it("prefers an exact match over a canonical one", async () => {
    const handler = createWebhookHandler({
      config: {
        routes: {
          upper: { path: "/hooks/Main", sessionKey: SESSION, secret: "upper-secret" },
          lower: { path: "/hooks/main", sessionKey: SESSION, secret: SECRET },
        },
      },
      taskFlow: createMemoryTaskFlowRuntime(),
    });
    const as = (path: string, secret: string) =>
      handler.handle(request({ path, json: listFlows, headers: { "content-type": "application/json", authorization: `Bearer ${secret}` } }));
    expect(parse(await as("/hooks/Main", "upper-secret")).body.routeId).toBe("upper");
    expect(parse(await as("/hooks/main", SECRET)).body.routeId).toBe("lower");
    // Not exact for either: the canonical variant is lower case, so it is `lower`'s.
    expect(parse(await as("/hooks/MAIN", SECRET)).body.routeId).toBe("lower");
    expect(parse(await as("/hooks/MAIN", "upper-secret")).status).toBe(401);
  });

  it("a route written with capitals is reached exactly, not through lower-cased variants (as the bundled plugin)", async () => {
    const handler = createWebhookHandler({
      config: { routes: { r: { path: "/hooks/Zapier", sessionKey: SESSION, secret: SECRET } } },
      taskFlow: createMemoryTaskFlowRuntime(),
    });
    expect(handler.matches("/hooks/Zapier/")).toBe(true);
    expect(handler.matches("/hooks/zapier")).toBe(false);
  });

  it("variants share the route's rate-limit window: the key is the route id, not the raw path", async () => {
    const { send } = setup({ routeExtra: { limits: { rateLimit: { windowMs: 60_000, max: 3 } } } });
    const variants = [PATH, PATH.toUpperCase(), `${PATH}/`, "/plugins//webhooks/%2564emo"];
    const statuses = [];
    for (const path of variants) statuses.push(parse(await send({ path, json: listFlows })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describe("rotation lists with an unavailable entry", () => {
  const ref = { source: "env", provider: "default", id: "NOT_SET" } as const;

  it("an entry the Gateway left as a SecretRef is dropped with one warning naming route and index; the others work", async () => {
    const logger = recordingLogger();
    const handler = createWebhookHandler({
      config: { routes: { demo: { sessionKey: SESSION, secret: ["old-secret-value-0123", ref, SECRET] } } },
      taskFlow: createMemoryTaskFlowRuntime(),
      logger,
    });
    expect(handler.routes[0]!.cold).toBe(false);
    expect(parse(await handler.handle(request({ json: listFlows }))).status).toBe(200);
    const withOld = request({ json: listFlows, headers: { "content-type": "application/json", "x-openclaw-webhook-secret": "old-secret-value-0123" } });
    expect(parse(await handler.handle(withOld)).status).toBe(200);
    expect(logger.lines).toEqual([
      expect.objectContaining({ level: "warn", fields: { routeId: "demo", index: 1, reason: "SecretRef was not resolved" } }),
    ]);
  });

  it("a list with no usable entry leaves the route cold with one warning", async () => {
    const logger = recordingLogger();
    const handler = createWebhookHandler({
      config: { routes: { demo: { sessionKey: SESSION, secret: [ref, { ...ref, id: "ALSO_NOT_SET" }] } } },
      taskFlow: createMemoryTaskFlowRuntime(),
      logger,
    });
    expect(handler.routes[0]!.cold).toBe(true);
    expect(parse(await handler.handle(request({ json: listFlows }))).status).toBe(401);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]!.fields).toEqual({ routeId: "demo", reason: "SecretRef was not resolved" });
  });

  it("our resolver: an entry it cannot resolve is dropped the same way, by index", async () => {
    const logger = recordingLogger();
    const handler = await loadWebhookHandler({
      config: { routes: { demo: { sessionKey: SESSION, secret: [ref, { source: "env", provider: "default", id: "GOOD" }] } } },
      taskFlow: createMemoryTaskFlowRuntime(),
      logger,
      secretResolver: { resolve: (r) => (r.id === "GOOD" ? SECRET : Promise.reject(new Error("nope"))) },
    });
    expect(handler.routes[0]!.cold).toBe(false);
    expect(parse(await handler.handle(request({ json: listFlows }))).status).toBe(200);
    expect(logger.lines).toEqual([
      expect.objectContaining({ level: "warn", fields: { routeId: "demo", index: 0, reason: "secret could not be resolved" } }),
    ]);
  });
});
