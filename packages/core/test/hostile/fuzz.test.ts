// Hostile bodies and headers straight into the handler: arbitrary bytes (whole or split
// into stream chunks), arbitrary JSON, action-shaped garbage, 100 000-level nesting,
// prototype keys, invalid UTF-8 and extreme numbers. Whatever comes in: never a 5xx, never
// a throw, never a secret, owner key or stack trace in an answer, and Object.prototype
// stays clean.
import fc from "fast-check";
import * as v from "valibot";
import { afterEach, describe, expect, it } from "vitest";
import { ACTION_NAMES, WebhookActionSchema, validateAction, type WebhookRequest } from "../../src/index.js";
import { FakeStream, PATH, parse } from "../support.js";
import { ROTATED_SECRET, SECRET, SESSION, checkLogsAfterAll, expectNoLeak, hostileSetup } from "./support.js";

checkLogsAfterAll();

const LIMITS = { rateLimit: { max: 1e9 }, maxInFlight: 10_000 };
const world = () => hostileSetup({ routeExtra: { secret: [SECRET, ROTATED_SECRET], limits: LIMITS } });

const PROTOTYPE_KEYS = () => Object.getOwnPropertyNames(Object.prototype).sort();
const cleanPrototype = PROTOTYPE_KEYS();
afterEach(() => {
  expect(PROTOTYPE_KEYS()).toEqual(cleanPrototype);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype.hasOwnProperty.call(Object.prototype, "polluted")).toBe(false);
});

/** The fake stream emits at once: let the handler reach the body step and listen first. */
const listening = () => new Promise((resolve) => setImmediate(resolve));

const authorized = { "content-type": "application/json", authorization: `Bearer ${SECRET}` };

async function sendText(send: ReturnType<typeof world>["send"], text: string, extra: Partial<WebhookRequest> = {}) {
  const response = await send({ text, ...extra });
  expectNoLeak(response, text);
  return response!;
}

describe("arbitrary bytes", () => {
  it("as a buffered body: never a 5xx or a leak", async () => {
    const { send } = world();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        const response = await send({ body: { kind: "bytes", bytes } });
        expectNoLeak(response, Buffer.from(bytes).toString("latin1"));
        expect([200, 400, 404, 409]).toContain(response!.status);
      }),
      { numRuns: 400 },
    );
  });

  it("as a Node stream split into arbitrary chunks (multi-byte characters cut in half): same answers as whole", async () => {
    const { send } = world();
    const text = fc.oneof(
      fc.string({ unit: "binary", maxLength: 300 }).map((s) => Buffer.from(s, "utf8")),
      fc.jsonValue().map((j) => Buffer.from(JSON.stringify({ action: "list_flows", extra: j }), "utf8")),
      fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
    );
    await fc.assert(
      fc.asyncProperty(text, fc.array(fc.nat(), { maxLength: 8 }), async (bytes, cuts) => {
        const whole = await send({ body: { kind: "bytes", bytes } });
        const stream = new FakeStream();
        const pending = send({ body: { kind: "node", stream } });
        await listening();
        const points = [...new Set(cuts.map((c) => (bytes.length ? c % bytes.length : 0)))].sort((a, b) => a - b);
        let last = 0;
        for (const p of [...points, bytes.length]) {
          if (p > last) stream.push(bytes.subarray(last, p));
          last = p;
        }
        stream.end();
        const chunked = await pending;
        expectNoLeak(chunked, bytes.toString("latin1"));
        expect(chunked!.status).toBe(whole!.status);
        expect(JSON.parse(chunked!.body).code).toBe(JSON.parse(whole!.body).code);
      }),
      { numRuns: 200 },
    );
  });
});

describe("arbitrary JSON", () => {
  it("any JSON value: never a 5xx or a leak; anything but an object is a 400", async () => {
    const { send } = world();
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const text = JSON.stringify(value) ?? "null";
        const response = await sendText(send, text);
        if (value === null || typeof value !== "object" || Array.isArray(value)) expect(response.status).toBe(400);
      }),
      { numRuns: 300 },
    );
  });

  // Action-shaped objects: a real action name, real and bogus field names, values of every
  // JSON type (and some real flow ids), so the runtime is reached as well as the schemas.
  const FIELDS = [
    "flowId", "expectedRevision", "goal", "controllerId", "status", "notifyPolicy", "currentStep", "stateJson",
    "waitJson", "blockedTaskId", "blockedSummary", "token", "runtime", "task", "sourceId", "childSessionKey",
    "parentTaskId", "agentId", "runId", "label", "preferMetadata", "startedAt", "lastEventAt", "progressSummary",
    "__proto__", "constructor", "prototype", "toString", "ownerKey", "secret",
  ];

  it("action-shaped garbage reaches the runtime: never a 5xx, never a leak; the owner key only when sent", async () => {
    const { send, call } = world();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await call({ action: "create_flow", goal: `g${i}` })).body.result.flow.flowId);
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.constantFrom(...ids, SESSION, "queued", "running", "subagent", "acp", "cli", 0, 1, -0, 2 ** 53 + 1, 1e308),
    );
    const body = fc
      .tuple(fc.constantFrom(...ACTION_NAMES, "nope", ""), fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 6 }))
      .map(([action, fields]) => ({ action, ...fields }));
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const text = JSON.stringify(b);
        const response = await sendText(send, text);
        expect([200, 202, 400, 404, 409]).toContain(response.status);
      }),
      { numRuns: 600 },
    );
  });

  it("the action picked by name parses exactly like the variant would (the by-name shortcut changes nothing)", () => {
    const options = (WebhookActionSchema as unknown as { options: v.GenericSchema[] }).options;
    const literalOf = (schema: v.GenericSchema) => {
      const s = schema as { entries?: Record<string, { literal?: unknown }>; pipe?: Array<{ entries: Record<string, { literal?: unknown }> }> };
      return (s.entries ?? s.pipe![0]!.entries).action!.literal;
    };
    expect(options.map(literalOf)).toEqual([...ACTION_NAMES]);
    const body = fc
      .tuple(
        fc.oneof(fc.constantFrom(...ACTION_NAMES), fc.jsonValue({ maxDepth: 1 })),
        fc.dictionary(fc.constantFrom("flowId", "expectedRevision", "goal", "stateJson", "runtime", "task", "status", "token", "startedAt", "x"), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
      )
      .map(([action, fields]) => ({ action, ...fields }));
    const shape = (r: v.SafeParseResult<v.GenericSchema>) => ({
      success: r.success,
      output: r.success ? r.output : undefined,
      issues: r.issues?.map((i) => ({ message: i.message, path: i.path?.map((p) => p.key) })),
    });
    fc.assert(
      fc.property(body, (b) => {
        const variant = v.safeParse(WebhookActionSchema, b);
        const option = options.find((o) => literalOf(o) === b.action);
        if (option) expect(shape(v.safeParse(option, b))).toEqual(shape(variant));
        const ours = validateAction(b);
        expect(ours.ok).toBe(variant.success);
        if (ours.ok) expect(ours.action).toEqual(variant.output);
      }),
      { numRuns: 1000 },
    );
  });

  it("arbitrary header values and methods: never a throw, a 5xx or a leak", async () => {
    const { handler } = world();
    const headerValue = fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom(`Bearer ${SECRET}`, `bearer ${SECRET}x`, "Bearer", "", "0", "-1", "1e400", "application/json"));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("POST", "post", "GET", "PUT", "", "P\u0000ST"),
        fc.record({
          "content-type": headerValue,
          "content-length": headerValue,
          authorization: headerValue,
          "x-openclaw-webhook-secret": headerValue,
          "x-forwarded-for": headerValue,
          forwarded: headerValue,
          "transfer-encoding": headerValue,
        }, { requiredKeys: [] }),
        fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
        async (method, headers, remoteAddress) => {
          const text = JSON.stringify({ action: "list_flows" });
          const response = await handler.handle({ method, path: PATH, headers, remoteAddress, body: { kind: "text", text } });
          expectNoLeak(response, JSON.stringify(headers));
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe("huge and deeply nested JSON", () => {
  const DEPTH = 100_000;
  const deepArrays = "[".repeat(DEPTH) + "]".repeat(DEPTH);
  const deepObjects = '{"a":'.repeat(DEPTH) + "1" + "}".repeat(DEPTH);

  it("100 000-level arrays as the body, and 100 000-level objects in stateJson, are a 400 (text, bytes, stream)", async () => {
    const { send } = hostileSetup({ routeExtra: { limits: { ...LIMITS, maxBodyBytes: 4 * 1024 * 1024 } } });
    const inState = `{"action":"create_flow","goal":"g","stateJson":${deepObjects}}`;
    for (const text of [deepArrays, inState, `{"action":"set_waiting","flowId":"x","expectedRevision":0,"waitJson":${deepArrays}}`]) {
      for (const body of [
        { kind: "text" as const, text },
        { kind: "bytes" as const, bytes: Buffer.from(text) },
      ]) {
        const r = parse(await send({ body }));
        expect(r.status).toBe(400);
        expect(r.body).toMatchObject({ code: "invalid_json", error: "Request body nests deeper than 64 levels." });
      }
      const stream = new FakeStream();
      const pending = send({ body: { kind: "node", stream } });
      await listening();
      for (let i = 0; i < text.length; i += 65_536) stream.push(text.slice(i, i + 65_536));
      stream.end();
      expect(parse(await pending).status).toBe(400);
    }
  });

  it("a 100 000-level value a framework parser already produced (kind: parsed) is a 400, not a stack overflow", async () => {
    const { send, logger } = world();
    let deep: unknown = 1;
    for (let i = 0; i < DEPTH; i++) deep = { a: deep };
    const response = await send({ body: { kind: "parsed", value: { action: "create_flow", goal: "g", stateJson: deep } } });
    expectNoLeak(response);
    expect(parse(response).body).toMatchObject({ code: "invalid_json", error: "Request body nests deeper than 64 levels." });
    expect(logger.lines).toEqual([]);
  });

  it("64 levels are fine, 65 are not", async () => {
    const { call } = world();
    const nest = (n: number) => JSON.parse("[".repeat(n) + "]".repeat(n));
    expect((await call({ action: "create_flow", goal: "g", stateJson: nest(63) })).status).toBe(200);
    expect((await call({ action: "create_flow", goal: "g", stateJson: nest(64) })).status).toBe(400);
  });

  it("a body over the limit is a 413; one just under it (padding included) is answered", async () => {
    const { send } = world();
    const limit = 262_144;
    const core = JSON.stringify({ action: "create_flow", goal: "g", stateJson: { s: "x".repeat(1000) } });
    const fits = core + " ".repeat(limit - Buffer.byteLength(core));
    expect((await sendText(send, fits)).status).toBe(200);
    expect((await sendText(send, `${fits} `)).status).toBe(413);
    const big = JSON.stringify({ action: "create_flow", goal: "g", stateJson: "é".repeat(limit) });
    expect((await sendText(send, big)).status).toBe(413);
  });
});

describe("prototype keys in stateJson", () => {
  const hostile = '{"__proto__":{"polluted":"yes","isAdmin":true},"constructor":{"prototype":{"polluted":"yes"}},"nested":[{"__proto__":{"polluted":"yes"}}]}';

  it("are kept as plain own keys in what is stored and answered, and pollute nothing", async () => {
    const { send, taskFlow } = world();
    const created = parse(await send({ text: `{"action":"create_flow","goal":"g","stateJson":${hostile},"waitJson":${hostile}}` }));
    expect(created.status).toBe(200);
    const flow = created.body.result.flow;
    for (const json of [flow.stateJson, flow.waitJson]) {
      // JSON.parse of the answer makes `__proto__` an own key again: it was sent as one.
      expect(Object.keys(json)).toEqual(["__proto__", "constructor", "nested"]);
      expect(Object.prototype.hasOwnProperty.call(json, "__proto__")).toBe(true);
      expect(json.__proto__).toEqual({ polluted: "yes", isAdmin: true });
      expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
    }
    // What the store holds: own keys, the record's prototype untouched.
    const stored = await taskFlow.bindSession({ sessionKey: SESSION }).get(flow.flowId);
    const state = stored!.stateJson as Record<string, unknown>;
    expect(Object.getPrototypeOf(state)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(state, "__proto__")).toBe(true);
    expect((state as { isAdmin?: unknown }).isAdmin).toBeUndefined();
    // Round trip through a mutation and a read.
    const set = parse(await send({ text: `{"action":"set_waiting","flowId":"${flow.flowId}","expectedRevision":0,"stateJson":${hostile}}` }));
    expect(set.status).toBe(200);
    const got = parse(await send({ json: { action: "get_flow", flowId: flow.flowId } }));
    expect(got.body.result.flow.stateJson).toEqual(JSON.parse(hostile));
  });

  it("as top-level body keys they are unknown fields (400), never merged", async () => {
    const { send } = world();
    for (const text of [
      '{"action":"list_flows","__proto__":{"action":"create_flow"}}',
      '{"action":"get_flow","flowId":"x","constructor":{"prototype":{"polluted":"yes"}}}',
      '{"__proto__":{"action":"list_flows"}}',
    ]) {
      const r = parse(await sendText(send, text));
      expect(r.status).toBe(400);
      expect(r.body.code).toBe("invalid_request");
    }
  });
});

describe("invalid UTF-8 and extreme numbers", () => {
  it("invalid UTF-8 (truncated, overlong, surrogate, stray continuation, 0xFF) is a 400", async () => {
    const { send } = world();
    const prefix = Buffer.from('{"action":"create_flow","goal":"');
    const suffix = Buffer.from('"}');
    for (const bad of [[0xc3], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0x80], [0xff], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]]) {
      for (const bytes of [Buffer.concat([prefix, Buffer.from(bad), suffix]), Buffer.from(bad)]) {
        const r = parse(await send({ body: { kind: "bytes", bytes } }));
        expect(r.status).toBe(400);
        expect(r.body.code).toBe("invalid_json");
        const stream = new FakeStream();
        const pending = send({ body: { kind: "node", stream } });
        await listening();
        stream.push(bytes);
        stream.end();
        expect(parse(await pending).status).toBe(400);
      }
    }
    // Lone surrogates written as JSON escapes are valid JSON text: stored and answered.
    expect(parse(await send({ text: '{"action":"create_flow","goal":"\\ud800x"}' })).status).toBe(200);
  });

  it("1e400, 2**53+1, 1e308, 0.5, -1 and \"0\" as expectedRevision are a 400; -0 counts as 0", async () => {
    const { send, call } = world();
    const flowId = (await call({ action: "create_flow", goal: "g" })).body.result.flow.flowId as string;
    for (const rev of ["1e400", "-1e400", "9007199254740993", "1e308", "0.5", "-1", '"0"', "null", "[]", "{}"]) {
      const r = parse(await sendText(send, `{"action":"set_waiting","flowId":"${flowId}","expectedRevision":${rev}}`));
      expect(r.status, rev).toBe(400);
      expect(r.body.code).toBe("invalid_request");
    }
    const r = parse(await sendText(send, `{"action":"set_waiting","flowId":"${flowId}","expectedRevision":-0}`));
    expect(r.status).toBe(200);
    expect(r.body.result.flow.revision).toBe(1);
    for (const field of ["startedAt", "lastEventAt"]) {
      const t = parse(await sendText(send, `{"action":"run_task","flowId":"${flowId}","runtime":"subagent","task":"t","status":"running","${field}":1e400}`));
      expect(t.status).toBe(400);
    }
  });

  it("extreme numbers inside stateJson are stored and answered as JSON (1e400 → null, -0 → 0)", async () => {
    const { send } = world();
    const r = parse(await sendText(send, '{"action":"create_flow","goal":"g","stateJson":{"big":1e400,"neg":-0,"max":1.7976931348623157e308,"tiny":5e-324,"n":9007199254740993}}'));
    expect(r.status).toBe(200);
    expect(r.body.result.flow.stateJson).toEqual({ big: null, neg: 0, max: 1.7976931348623157e308, tiny: 5e-324, n: 9007199254740992 });
  });
});

describe("a hostile runtime", () => {
  it("errors whose messages carry the secret and the owner key reach neither the answer nor the log", async () => {
    const leaky = new Error(`cannot write for ${SESSION} with ${SECRET}`);
    const failing = new Proxy({} as Record<string, unknown>, {
      get: (_t, prop) => (prop === "sessionKey" ? SESSION : () => {
        throw leaky;
      }),
    });
    const { send, logger } = hostileSetup({
      taskFlow: { bindSession: () => failing as never },
      routeExtra: { limits: LIMITS },
    });
    for (const action of [{ action: "create_flow", goal: "g" }, { action: "get_flow", flowId: "x" }, { action: "list_flows" }]) {
      const response = await send({ json: action });
      // The one 5xx by design: a runtime failure is a 500 internal_error with a correlation id.
      expect(response!.status).toBe(500);
      const body = JSON.parse(response!.body);
      expect(body).toMatchObject({ code: "internal_error" });
      expect(response!.body).not.toContain(SECRET);
      expect(response!.body).not.toContain(SESSION);
      expect(response!.body).not.toMatch(/at .+:\d+:\d+/);
      expect(logger.lines.at(-1)!.fields).toMatchObject({ correlationId: body.correlationId });
    }
    expect(JSON.stringify(logger.lines)).not.toContain("cannot write");
  });

  it("secrets presented by callers (right, wrong, near-miss) are never logged", async () => {
    const { send, logger } = world();
    for (const auth of [`Bearer ${SECRET}`, `Bearer ${SECRET}x`, `Bearer ${ROTATED_SECRET.slice(1)}`, `Basic ${SECRET}`]) {
      await send({ headers: { ...authorized, authorization: auth }, json: { action: "list_flows" } });
      await send({ headers: { ...authorized, authorization: auth }, text: "{not json" });
    }
    expect(JSON.stringify(logger.lines)).not.toContain(SECRET);
  });
});
