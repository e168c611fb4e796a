// The shipped OpenAPI document: current with the schemas, valid OpenAPI 3.1, and true of
// what the core really answers (every answer below is checked against the response schema
// documented for its status), and of every example body in the root README.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validate } from "@readme/openapi-parser";
import Ajv2020Module from "ajv/dist/2020.js";
import { ERROR_CODES, createWebhookHandler, validateAction, type TaskFlowRuntime, type WebhookResponse } from "../src/index.js";
// @ts-expect-error plain .mjs script without types
import { renderActionJsonSchema, renderOpenApi } from "../scripts/openapi.mjs";
import { PATH, SECRET, SESSION, parse, request, setup } from "./support.js";

const shipped = readFileSync(new URL("../openapi.json", import.meta.url), "utf8");
const doc = JSON.parse(shipped);
const ID = "urn:taskflow-webhooks:openapi";
const PATH_ITEM = doc.paths["/plugins/webhooks/{routeId}"];

const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as typeof Ajv2020Module;
// Not strict: OpenAPI keywords (discriminator, examples) sit beside JSON Schema ones.
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ $id: ID, components: doc.components });

const absolute = (schema: unknown) => JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${ID}#/components/`));
const bodySchema = ajv.getSchema(`${ID}#/components/schemas/WebhookAction`)!;

function checkAnswer(response: WebhookResponse | undefined, operation = PATH_ITEM.post) {
  const { status, headers, body } = parse(response);
  const documented = operation.responses[String(status)];
  expect(documented, `status ${status} is documented`).toBeDefined();
  const validateBody = ajv.compile(absolute(documented.content["application/json"].schema));
  expect(validateBody(body) ? [] : validateBody.errors, JSON.stringify(body)).toEqual([]);
  for (const [name, header] of Object.entries<{ $ref: string; required?: boolean }>(documented.headers ?? {})) {
    const value = headers[name.toLowerCase()];
    if (header.required) expect(value, `${name} on ${status}`).toBeDefined();
    const schema = doc.components.headers[header.$ref.split("/").pop()!].schema;
    if (value !== undefined && schema.type === "integer") expect(value).toMatch(/^\d+$/);
  }
  return body;
}

describe("openapi.json", () => {
  it("is generated from the current schemas and code table (run `pnpm --filter @taskflow-webhooks/core openapi` when this fails)", () => {
    expect(shipped).toBe(renderOpenApi());
    expect(readFileSync(new URL("../webhook-action.schema.json", import.meta.url), "utf8")).toBe(renderActionJsonSchema());
  });

  it("is a valid OpenAPI 3.1 document", async () => {
    expect(doc.openapi).toBe("3.1.0");
    await expect(validate(structuredClone(doc))).resolves.toMatchObject({ valid: true });
  });

  it("documents both ways to present the secret and every status in the code table", () => {
    expect(doc.components.securitySchemes).toEqual({
      bearerAuth: expect.objectContaining({ type: "http", scheme: "bearer" }),
      webhookSecretHeader: expect.objectContaining({ type: "apiKey", in: "header", name: "x-openclaw-webhook-secret" }),
    });
    expect(PATH_ITEM.post.security).toEqual([{ bearerAuth: [] }, { webhookSecretHeader: [] }]);
    const statuses = new Set(Object.values(ERROR_CODES).map(({ status }) => String(status)));
    statuses.delete("405");
    expect(Object.keys(PATH_ITEM.post.responses).sort()).toEqual(["200", ...statuses].sort());
    for (const [code, { status }] of Object.entries(ERROR_CODES)) {
      const operation = code === "method_not_allowed" ? PATH_ITEM.get : PATH_ITEM.post;
      expect(JSON.stringify(operation.responses[status].content), code).toContain(`"${code}"`);
    }
    expect(PATH_ITEM.post.responses["429"].headers["Retry-After"].required).toBe(true);
    expect(PATH_ITEM.post.parameters.map((p: { name: string }) => p.name)).toContain("Idempotency-Key");
    expect(PATH_ITEM.get.responses["405"].headers.Allow.required).toBe(true);
  });

  it("accepts and refuses the same bodies as the core, except strings that are blank once trimmed", () => {
    const bodies: unknown[] = [
      { action: "create_flow", goal: "Review" },
      { action: "create_flow", goal: "Review", status: "waiting", notifyPolicy: "silent", currentStep: null, stateJson: { a: [1] } },
      { action: "create_flow", goal: "" },
      { action: "create_flow", goal: 3 },
      { action: "create_flow" },
      { action: "create_flow", goal: "x", status: "done" },
      { action: "create_flow", goal: "x", extra: 1 },
      { action: "list_flows" },
      { action: "list_flows", flowId: "x" },
      { action: "list_flows", limit: 0 },
      { action: "list_flows", limit: 5, status: "running" },
      { action: "nope" },
      {},
      [],
      "create_flow",
      { action: "set_waiting", flowId: "f", expectedRevision: 0 },
      { action: "set_waiting", flowId: "f", expectedRevision: -1 },
      { action: "set_waiting", flowId: "f", expectedRevision: 1.5 },
      { action: "set_waiting", flowId: "f" },
      { action: "resume_flow", flowId: "f", expectedRevision: 2, status: "waiting" },
      { action: "run_task", flowId: "f", runtime: "subagent", task: "t" },
      { action: "run_task", flowId: "f", runtime: "cli", task: "t" },
      { action: "run_task", flowId: "f", runtime: "acp", task: "t", startedAt: 5 },
      { action: "run_task", flowId: "f", runtime: "acp", task: "t", status: "queued", progressSummary: "p" },
      { action: "run_task", flowId: "f", runtime: "acp", task: "t", status: "running", startedAt: 5, progressSummary: null },
      { action: "run_task", flowId: "f", runtime: "acp", task: "t", preferMetadata: "yes" },
      { action: "cancel_flow", flowId: "f", expectedRevision: 0 },
    ];
    for (const body of bodies) {
      expect(bodySchema(body), JSON.stringify(body)).toBe(validateAction(body).ok);
    }
    // Documented in the schema's description: trimming has no JSON Schema form.
    const blank = { action: "get_flow", flowId: "   " };
    expect([bodySchema(blank), validateAction(blank).ok]).toEqual([true, false]);
    expect(doc.components.schemas.WebhookAction.description).toContain("trimmed");
  });

  it("describes every answer the core gives, success and rejection", async () => {
    const { send, clock, taskFlow } = setup();
    const post = async (json: unknown) => checkAnswer(await send({ json }));

    const created = await post({ action: "create_flow", goal: "Review", stateJson: { n: 1 }, currentStep: "start" });
    const flowId = created.result.flow.flowId;
    await post({ action: "get_flow", flowId });
    await post({ action: "get_flow", flowId: "missing" });
    await post({ action: "list_flows" });
    await post({ action: "create_flow", goal: "Second" });
    const page = await post({ action: "list_flows", limit: 1, status: "queued" });
    expect(page.result.nextCursor).toEqual(expect.any(String));
    await post({ action: "list_flows", limit: 1, cursor: page.result.nextCursor });
    await post({ action: "find_latest_flow" });
    await post({ action: "resolve_flow", token: SESSION });
    await post({ action: "get_task_summary", flowId });
    clock.advance(10);
    await post({ action: "set_waiting", flowId, expectedRevision: 0, waitJson: null, blockedSummary: "waiting" });
    expect((await post({ action: "set_waiting", flowId, expectedRevision: 0 })).code).toBe("revision_conflict");
    expect((await post({ action: "finish_flow", flowId: "missing", expectedRevision: 0 })).code).toBe("not_found");
    await post({ action: "resume_flow", flowId, expectedRevision: 1, status: "running" });
    const running = await post({ action: "run_task", flowId, runtime: "subagent", task: "work", status: "running", startedAt: 1, label: "l" });
    await post({ action: "get_task_summary", flowId });
    await post({ action: "request_cancel", flowId, expectedRevision: running.result.flow.revision });
    expect((await post({ action: "run_task", flowId, runtime: "acp", task: "more" })).code).toBe("cancel_requested");
    expect((await post({ action: "run_task", flowId: "missing", runtime: "acp", task: "more" })).code).toBe("not_found");
    taskFlow.failNextWrite(1); // the children cannot be settled yet
    expect((await post({ action: "cancel_flow", flowId })).code).toBe("cancel_pending");
    expect((await post({ action: "cancel_flow", flowId })).result.tasks).toHaveLength(1);
    expect((await post({ action: "cancel_flow", flowId })).code).toBe("terminal");
    const third = (await post({ action: "create_flow", goal: "Third" })).result.flow.flowId;
    await post({ action: "fail_flow", flowId: third, expectedRevision: 0, blockedTaskId: "t-1" });
    const fourth = (await post({ action: "create_flow", goal: "Fourth" })).result.flow.flowId;
    await post({ action: "finish_flow", flowId: fourth, expectedRevision: 0, stateJson: [1, 2] });

    const keyed = (key: string, json: unknown) =>
      send({ json, headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}`, "idempotency-key": key } });
    checkAnswer(await keyed("k-1", { action: "create_flow", goal: "Once" }));
    const replay = await keyed("k-1", { action: "create_flow", goal: "Once" });
    expect(replay?.headers["idempotent-replayed"]).toBe("true");
    checkAnswer(replay);
    expect(checkAnswer(await keyed("k-1", { action: "create_flow", goal: "Other" })).code).toBe("idempotency_key_reused");
    expect(checkAnswer(await keyed("bad key", { action: "create_flow", goal: "Other" })).code).toBe("invalid_idempotency_key");
    expect(checkAnswer(await send({ text: "{" })).code).toBe("invalid_json");
    expect(checkAnswer(await send({ json: { action: "get_flow", flowId: 1, x: 2 } })).issues.length).toBeGreaterThan(0);
    expect(checkAnswer(await send({ json: { action: "list_flows" }, headers: { "content-type": "text/plain" } })).code).toBe("unsupported_media_type");
    expect(checkAnswer(await send({ json: { action: "list_flows" }, headers: { "content-type": "application/json", authorization: "Bearer wrong" } })).code).toBe("unauthorized");
    expect(checkAnswer(await send({ json: { action: "list_flows" }, headers: { "content-type": "application/json", "x-openclaw-webhook-secret": SECRET } })).ok).toBe(true);
    expect(checkAnswer(await send({ text: "x".repeat(300_000) })).code).toBe("payload_too_large");
    expect(checkAnswer(await send({ method: "GET" }), PATH_ITEM.get).code).toBe("method_not_allowed");

    const limited = setup({ routeExtra: { limits: { rateLimit: { windowMs: 60_000, max: 1 } } } });
    await limited.send({ json: { action: "list_flows" } });
    expect(checkAnswer(await limited.send({ json: { action: "list_flows" } })).code).toBe("rate_limited");
  });

  it("describes the 500 and 503 answers", async () => {
    const throwing = {
      bindSession: () => ({ list: () => { throw new Error("boom"); } }),
    } as unknown as TaskFlowRuntime;
    const handler = createWebhookHandler({ config: { routes: { demo: { sessionKey: SESSION, secret: SECRET } } }, taskFlow: throwing });
    expect(checkAnswer(await handler.handle(request({ json: { action: "list_flows" } }))).code).toBe("internal_error");

    const refusing = {
      bindSession: () => ({ createManaged: () => undefined, tryCreateManaged: () => undefined }),
    } as unknown as TaskFlowRuntime;
    const failing = createWebhookHandler({ config: { routes: { demo: { sessionKey: SESSION, secret: SECRET } } }, taskFlow: refusing });
    expect(checkAnswer(await failing.handle(request({ json: { action: "create_flow", goal: "g" } }))).code).toBe("persist_failed");
    expect(PATH).toBe("/plugins/webhooks/demo");
  });

  it("holds for every example body in the root README", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    const requests = [...readme.matchAll(/-d '(\{.*?\})'/g)].map((m) => JSON.parse(m[1]!));
    const answers = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!));
    expect(requests.length).toBeGreaterThan(0);
    expect(answers.length).toBeGreaterThan(0);
    for (const body of requests) expect(bodySchema(body) ? [] : bodySchema.errors, JSON.stringify(body)).toEqual([]);
    const envelope = ajv.compile({
      anyOf: Object.values<{ content: { "application/json": { schema: unknown } } }>(PATH_ITEM.post.responses).map((r) =>
        absolute(r.content["application/json"].schema),
      ),
    });
    for (const body of answers) expect(envelope(body) ? [] : envelope.errors, JSON.stringify(body)).toEqual([]);
  });
});
