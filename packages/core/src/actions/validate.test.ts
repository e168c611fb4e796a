import { describe, expect, it } from "vitest";
import { issueText, validateAction } from "./validate.js";

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
