import { describe, expect, it } from "vitest";
import { SESSION, setup } from "../../test/support.js";
import { encodeFlowCursor, decodeFlowCursor, INVALID_CURSOR_MESSAGE, MAX_CURSOR_LENGTH } from "./flow-cursor.js";
import { LIST_FLOWS_DEFAULT_CAP, LIST_FLOWS_MAX_BYTES, utf8Length } from "./list-flows.js";
import { issueText, validateAction } from "./validate.js";

function seeded(count: number, params: { stateJson?: string } = {}) {
  const world = setup();
  const flows = world.taskFlow.bindSession({ sessionKey: SESSION });
  for (let i = 0; i < count; i++) {
    world.clock.advance(1);
    flows.createManaged({ controllerId: "c", goal: `flow ${i}`, ...params });
  }
  return { ...world, flows };
}

describe("list_flows over the webhook", () => {
  it("without limit answers the reference's shape: every flow newest first, no nextCursor", async () => {
    const { call } = seeded(3);
    const r = await call({ action: "list_flows" });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body.result)).toEqual(["flows"]);
    expect(r.body.result.flows.map((f: { goal: string }) => f.goal)).toEqual(["flow 2", "flow 1", "flow 0"]);
  });

  it(`without limit stops at ${LIST_FLOWS_DEFAULT_CAP} flows and says more remain`, async () => {
    const { call } = seeded(LIST_FLOWS_DEFAULT_CAP + 1);
    const first = await call({ action: "list_flows" });
    expect(first.body.result.flows).toHaveLength(LIST_FLOWS_DEFAULT_CAP);
    expect(first.body.result.flows[0].goal).toBe(`flow ${LIST_FLOWS_DEFAULT_CAP}`);
    const rest = await call({ action: "list_flows", cursor: first.body.result.nextCursor });
    expect(rest.body.result).toEqual({ flows: [expect.objectContaining({ goal: "flow 0" })] });
  });

  it("limit, cursor and status walk the flows; the last page has no nextCursor", async () => {
    const { call, flows } = seeded(5);
    const [newest] = flows.list() as Array<{ flowId: string }>;
    flows.finish({ flowId: newest!.flowId, expectedRevision: 0 });
    const page1 = await call({ action: "list_flows", limit: 2, status: "queued" });
    expect(page1.body.result.flows.map((f: { goal: string }) => f.goal)).toEqual(["flow 3", "flow 2"]);
    expect(page1.body.result.nextCursor).toMatch(/^[A-Za-z0-9._-]+$/);
    const page2 = await call({ action: "list_flows", limit: 2, status: "queued", cursor: page1.body.result.nextCursor });
    expect(page2.body.result).toEqual({ flows: [expect.objectContaining({ goal: "flow 1" }), expect.objectContaining({ goal: "flow 0" })] });
    const done = await call({ action: "list_flows", status: "succeeded" });
    expect(done.body.result.flows.map((f: { goal: string }) => f.goal)).toEqual(["flow 4"]);
  });

  it("an answer of big flows stays under the byte cap and carries nextCursor", async () => {
    const { send } = seeded(12, { stateJson: "z".repeat(1024 * 1024) });
    const response = await send({ json: { action: "list_flows" } });
    expect(response!.status).toBe(200);
    expect(utf8Length(response!.body)).toBeLessThan(LIST_FLOWS_MAX_BYTES);
    const result = JSON.parse(response!.body).result;
    expect(result.flows.length).toBeGreaterThan(0);
    expect(result.nextCursor).toEqual(expect.any(String));
  });

  it.each([
    ["a made-up string", "hello"],
    ["a cursor with a changed character", encodeFlowCursor({ createdAt: 5, flowId: "f" }).slice(0, -2) + "!!"],
    ["an over-long cursor", "f1." + "A".repeat(MAX_CURSOR_LENGTH)],
    ["an empty string", ""],
  ])("a bad cursor (%s) is a 400 invalid_request that says what to pass", async (_name, cursor) => {
    const { call } = seeded(1);
    const r = await call({ action: "list_flows", cursor });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ ok: false, code: "invalid_request", error: `cursor: ${INVALID_CURSOR_MESSAGE}` });
  });
});

describe("list_flows validation texts", () => {
  const text = (body: object) => {
    const result = validateAction({ action: "list_flows", ...body });
    return result.ok ? "ok" : issueText(result.issues[0]!);
  };
  it("limit is an integer from 1 to 1000", () => {
    expect(text({ limit: 1 })).toBe("ok");
    expect(text({ limit: 1000 })).toBe("ok");
    expect(text({ limit: 0 })).toBe("limit: Too small: expected number to be >=1");
    expect(text({ limit: 1001 })).toBe("limit: Too big: expected number to be <=1000");
    expect(text({ limit: 2.5 })).toBe("limit: Invalid input: expected int, received number");
    expect(text({ limit: "10" })).toBe("limit: Invalid input: expected number, received string");
  });
  it("status is a flow status, cursor a string", () => {
    expect(text({ status: "lost" })).toBe("ok");
    expect(text({ status: "done" })).toBe(
      'status: Invalid option: expected one of "queued"|"running"|"waiting"|"blocked"|"succeeded"|"failed"|"cancelled"|"lost"',
    );
    expect(text({ cursor: 5 })).toBe("cursor: Invalid input: expected string, received number");
  });
  it("unknown keys keep the reference's text", () => {
    expect(text({ limit: 5, page: 2 })).toBe('Unrecognized key: "page"');
  });
});

describe("flow cursor", () => {
  it("round-trips any id, non-ASCII included", () => {
    for (const position of [
      { createdAt: 0, flowId: "6f1c1d0e-7c59-4b8e-9a51-0d2a3f6b9c11" },
      { createdAt: 1_764_000_000_000, flowId: "fl☃w-𝄞" },
    ]) {
      expect(decodeFlowCursor(encodeFlowCursor(position))).toEqual(position);
    }
  });
  it("refuses what it did not write", () => {
    const b64 = (value: unknown) => "f1." + btoa(JSON.stringify(value)).replace(/=+$/, "");
    for (const cursor of [b64([1.5, "f"]), b64(["1", "f"]), b64([1, ""]), b64([1, "f", 3]), b64({ a: 1 }), "f2.AAAA", "f1.!!"]) {
      expect(decodeFlowCursor(cursor), cursor).toBeUndefined();
    }
  });
});
