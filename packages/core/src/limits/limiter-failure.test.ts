import { describe, expect, it } from "vitest";
import { createMemoryTaskFlowRuntime, TaskFlowPersistError, type LimiterStore, type TaskFlowRuntime } from "../index.js";
import { parse, setup } from "../../test/support.js";

// A store whose backing service is gone: every consume rejects, as a shared store's
// client does when its connection is refused or its command timeout passes.
const unreachableStore: LimiterStore = {
  consume: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:6379")),
};

describe("a failing limiter store", () => {
  it("allows requests by default, without RateLimit headers, and warns once per minute", async () => {
    const { call, logger, clock } = setup({ limiterStore: unreachableStore });
    for (let i = 0; i < 5; i++) {
      const answer = await call({ action: "list_flows" });
      expect(answer.status).toBe(200);
      expect(answer.headers).not.toHaveProperty("ratelimit-limit");
    }
    const warnings = () => logger.lines.filter((l) => l.level === "warn");
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatchObject({
      message: expect.stringContaining("without a rate limit"),
      fields: { routeId: "demo", policy: "allow", error: "Error: connect ECONNREFUSED 127.0.0.1:6379", failuresSinceLastWarning: 0 },
    });
    clock.advance(60_000);
    await call({ action: "list_flows" });
    expect(warnings()).toHaveLength(2);
    expect(warnings()[1]!.fields).toMatchObject({ failuresSinceLastWarning: 4 });
  });

  it('answers 503 limiter_unavailable with Retry-After under onLimiterError: "deny", before reading the body', async () => {
    const { send, logger } = setup({ limiterStore: unreachableStore, onLimiterError: "deny" });
    const answer = parse(await send({ json: { action: "list_flows" } }));
    expect(answer.status).toBe(503);
    expect(answer.headers["retry-after"]).toBe("1");
    expect(answer.body).toEqual({ ok: false, code: "limiter_unavailable", error: "Rate limiter unavailable.", result: {} });
    expect(answer.response.closeConnection).toBe(true);
    expect(logger.lines.filter((l) => l.level === "warn")[0]!.message).toContain("refused");
  });

  it("a store that throws synchronously is handled the same way", async () => {
    const { call } = setup({
      limiterStore: {
        consume: () => {
          throw new Error("disk I/O error");
        },
      },
      onLimiterError: "deny",
    });
    expect((await call({ action: "list_flows" })).body.code).toBe("limiter_unavailable");
  });

  it("refuses an unknown policy when the handler is built", () => {
    expect(() => setup({ onLimiterError: "maybe" as "allow" })).toThrow('onLimiterError must be "allow" or "deny"');
  });
});

describe("a TaskFlow store whose storage is unreachable", () => {
  it("answers reads 503 persist_failed (not 500) when the store throws a persist failure", async () => {
    const memory = createMemoryTaskFlowRuntime();
    const down: TaskFlowRuntime = {
      bindSession(params) {
        const flows = memory.bindSession(params);
        const fail = () => Promise.reject(new TaskFlowPersistError("TaskFlow read failed.", { cause: new Error("timeout") }));
        return { ...flows, list: fail, listPage: fail, get: fail };
      },
    };
    const { call, logger } = setup({ taskFlow: down });
    const answer = await call({ action: "list_flows" });
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ ok: false, routeId: "demo", code: "persist_failed", error: "TaskFlow persistence failed." });
    expect(logger.lines.find((l) => l.level === "warn")?.message).toBe("TaskFlow storage unavailable");
    // Any other throw is still a 500 with a correlation id.
    const broken: TaskFlowRuntime = {
      bindSession: (params) => ({ ...memory.bindSession(params), listPage: () => Promise.reject(new TypeError("bug")) }),
    };
    expect((await setup({ taskFlow: broken }).call({ action: "list_flows" })).status).toBe(500);
  });
});
