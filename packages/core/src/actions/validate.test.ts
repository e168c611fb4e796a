import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WebhookActionSchema } from "./schemas.js";
import { issueText, validateAction, validateParsedJson } from "./validate.js";

// Error texts measured on the reference plugin (openclaw 2026.9.6, e2e/openclaw/REFERENCE-FACTS.md):
// a caller that matches on them keeps working against us.
const DISCRIMINATOR =
  "action: Invalid discriminator value. Expected 'create_flow' | 'get_flow' | 'list_flows' | 'find_latest_flow' | 'resolve_flow' | 'get_task_summary' | 'set_waiting' | 'resume_flow' | 'finish_flow' | 'fail_flow' | 'request_cancel' | 'cancel_flow' | 'run_task'";
const fin = (extra: object) => ({ action: "finish_flow", flowId: "f", ...extra });
const run = (extra: object) => ({ action: "run_task", flowId: "f", runtime: "acp", task: "t", ...extra });

const REFERENCE_TEXTS: Array<[unknown, string]> = [
  [{ action: "create_flow" }, "goal: Invalid input: expected string, received undefined"],
  [{ action: "nope" }, DISCRIMINATOR],
  [{}, DISCRIMINATOR],
  [{ action: 5 }, DISCRIMINATOR],
  [{ action: null }, DISCRIMINATOR],
  [[], "Invalid input: expected object, received array"],
  ["x", "Invalid input: expected object, received string"],
  [null, "Invalid input: expected object, received null"],
  [42, "Invalid input: expected object, received number"],
  [{ action: "list_flows", extra: 1 }, 'Unrecognized key: "extra"'],
  [{ action: "list_flows", extra: 1, b: 2 }, 'Unrecognized keys: "extra", "b"'],
  [{ action: "list_flows", constructor: 1, toString: 2 }, 'Unrecognized keys: "constructor", "toString"'],
  [fin({ expectedRevision: "1" }), "expectedRevision: Invalid input: expected number, received string"],
  [fin({ expectedRevision: null }), "expectedRevision: Invalid input: expected number, received null"],
  [fin({}), "expectedRevision: Invalid input: expected number, received undefined"],
  [fin({ expectedRevision: -1 }), "expectedRevision: Too small: expected number to be >=0"],
  [fin({ expectedRevision: 1.5 }), "expectedRevision: Invalid input: expected int, received number"],
  [fin({ expectedRevision: 1e20 }), "expectedRevision: Too big: expected int to be <=9007199254740991"],
  [fin({ expectedRevision: 2 ** 53 + 2 }), "expectedRevision: Too big: expected int to be <=9007199254740991"],
  [{ action: "create_flow", goal: "   " }, "goal: Too small: expected string to have >=1 characters"],
  [{ action: "create_flow", goal: "g", currentStep: "" }, "currentStep: Too small: expected string to have >=1 characters"],
  [{ action: "create_flow", goal: 5 }, "goal: Invalid input: expected string, received number"],
  [{ action: "get_flow", flowId: null }, "flowId: Invalid input: expected string, received null"],
  [run({ runtime: "cli" }), 'runtime: Invalid option: expected one of "subagent"|"acp"'],
  [{ action: "create_flow", goal: "g", status: "done" }, 'status: Invalid option: expected one of "queued"|"running"|"waiting"|"blocked"'],
  [{ action: "resume_flow", flowId: "f", expectedRevision: 0, status: "waiting" }, 'status: Invalid option: expected one of "queued"|"running"'],
  [{ action: "create_flow", goal: "g", notifyPolicy: "loud" }, 'notifyPolicy: Invalid option: expected one of "done_only"|"state_changes"|"silent"'],
  [run({ preferMetadata: "yes" }), "preferMetadata: Invalid input: expected boolean, received string"],
  [run({ status: "running", startedAt: -5 }), "startedAt: Too small: expected number to be >=0"],
  [run({ progressSummary: null }), "status: status must be running when startedAt, lastEventAt, or progressSummary is provided"],
];

describe("invalid_request texts match the reference", () => {
  for (const [body, text] of REFERENCE_TEXTS) {
    it(`${JSON.stringify(body)}`, () => {
      const result = validateAction(body);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(issueText(result.issues[0]!)).toBe(text);
    });
  }

  it("reports field problems before unknown keys, in schema order", () => {
    const result = validateAction({ zzz: 1, expectedRevision: -1, action: "finish_flow", flowId: "" });
    expect(result.ok ? [] : result.issues.map(issueText)).toEqual([
      "flowId: Too small: expected string to have >=1 characters",
      "expectedRevision: Too small: expected number to be >=0",
      'Unrecognized key: "zzz"',
    ]);
  });

  it("accepts currentStep: null on create", () => {
    expect(validateAction({ action: "create_flow", goal: "g", currentStep: null }).ok).toBe(true);
  });
});

describe("validateParsedJson (valibot's pass skipped for bodies it would return unchanged)", () => {
  const ENTRIES = new Map(
    (WebhookActionSchema as unknown as { options: Array<{ entries: Record<string, unknown> }> }).options.map((o) => [
      (o.entries.action as { literal: string }).literal,
      Object.keys(o.entries).filter((k) => k !== "action"),
    ]),
  );
  const PICKS = ["queued", "running", "waiting", "blocked", "succeeded", "done_only", "state_changes", "silent", "subagent", "acp", "cli"];
  const value = fc.oneof(
    fc.constantFrom(...PICKS),
    fc.constantFrom("x", " padded ", "", " ", "\u00a0x", "x\n", "f-1"),
    fc.string(),
    fc.constantFrom(0, -0, 1, -1, 1.5, 1e20, 2 ** 53, 2 ** 53 - 1, 1000, 1001),
    fc.integer(),
    fc.constant(null),
    fc.boolean(),
    fc.jsonValue({ maxDepth: 2 }),
  );
  // A plausible value for a field, or a near miss (a fraction, a negative, a padded or
  // empty string); a field's value is this or any value from the pool.
  const plausible = (key: string, n: number): unknown => {
    if (key === "expectedRevision" || key === "startedAt" || key === "lastEventAt") return n % 7 === 1 ? n + 0.5 : n % 7 === 2 ? -n - 1 : n;
    if (key === "limit") return (n % 1000) + 1;
    if (key === "stateJson" || key === "waitJson") return { n, items: ["a"] };
    if (key === "preferMetadata") return n % 2 === 0;
    if (key === "runtime") return n % 2 === 0 ? "acp" : "subagent";
    if (key === "status") return n % 2 === 0 ? "queued" : "running";
    if (key === "notifyPolicy") return "silent";
    if (key === "cursor") return "not-a-cursor";
    return n % 7 === 1 ? ` v${n}` : n % 7 === 2 ? "" : `v${n}`;
  };
  const body = fc
    .record({
      action: fc.constantFrom(...ENTRIES.keys(), "nope"),
      actionFirst: fc.boolean(),
      ordered: fc.boolean(),
      // Per schema key: present (3 in 4), plausible value (3 in 4), order rank, any value.
      fields: fc.array(fc.tuple(fc.nat(3), fc.nat(3), fc.nat(), value), { minLength: 16, maxLength: 16 }),
      extra: fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 4 },
        { arbitrary: fc.tuple(fc.constantFrom("extra", "__proto__", "toString"), value), weight: 1 },
      ),
    })
    .map(({ action, actionFirst, ordered, fields, extra }) => {
      const keys = ENTRIES.get(action) ?? ["goal", "flowId"]; // "nope": any keys
      let pairs: Array<[string, unknown]> = [];
      keys.forEach((key, i) => {
        const [include, good, n, any] = fields[i]!;
        if (include > 0) pairs.push([key, good > 0 ? plausible(key, n) : any]);
      });
      if (!ordered) pairs = pairs.map((p, i) => [p, fields[i]![2]] as const).sort((a, b) => a[1] - b[1]).map(([p]) => p);
      if (extra) pairs.splice(extra[0].length % (pairs.length + 1), 0, extra);
      pairs = actionFirst ? [["action", action], ...pairs] : [...pairs, ["action", action]];
      // As JSON.parse returns it (own data keys only, "__proto__" a plain key).
      return JSON.parse(`{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`) as unknown;
    });

  it("answers exactly what validateAction answers, key order included", () => {
    let asIs = 0;
    let refused = 0;
    fc.assert(
      fc.property(body, (input) => {
        const fast = validateParsedJson(input);
        const full = validateAction(input);
        expect(JSON.stringify(fast)).toBe(JSON.stringify(full));
        expect(fast).toEqual(full);
        if (fast.ok) expect(Object.keys(fast.action)).toEqual(Object.keys(full.ok ? full.action : {}));
        if (fast.ok && fast.action === input) asIs++;
        if (!fast.ok) refused++;
      }),
      { numRuns: 3000 },
    );
    // Both sides are reached often: bodies taken as they are, and refusals.
    expect(asIs).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(300);
  });

  it("still answers a body in another key order, with trimmed strings or with an unknown key", () => {
    expect(validateParsedJson({ goal: "g", action: "create_flow" })).toEqual({ ok: true, action: { action: "create_flow", goal: "g" } });
    expect(validateParsedJson({ action: "get_flow", flowId: " f " })).toEqual({ ok: true, action: { action: "get_flow", flowId: "f" } });
    const unknown = validateParsedJson({ action: "get_flow", flowId: "f", x: 1 });
    expect(unknown.ok ? "" : issueText(unknown.issues[0]!)).toBe('Unrecognized key: "x"');
  });
});
