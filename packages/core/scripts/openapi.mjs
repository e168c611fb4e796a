// Builds openapi.json (OpenAPI 3.1) and webhook-action.schema.json (JSON Schema 2020-12)
// from the core's valibot action and answer schemas and its one code table, so the
// published description cannot drift from what the core parses and answers.
// `node scripts/openapi.mjs --write` rewrites both files (run after changing an action,
// a result, an envelope or a code); the test suite fails while they are stale.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { toJsonSchema } from "@valibot/to-json-schema";
import {
  ActionResultSchemas,
  DEFAULT_LIMITS,
  ERROR_CODES,
  FailureEnvelopeSchema,
  FailureResultSchema,
  FlowViewSchema,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  SuccessEnvelopeSchema,
  TaskSummarySchema,
  TaskViewSchema,
  WebhookActionSchema,
} from "@taskflow-webhooks/core";

export const OPENAPI_PATH = fileURLToPath(new URL("../openapi.json", import.meta.url));
export const ACTION_SCHEMA_PATH = fileURLToPath(new URL("../webhook-action.schema.json", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

const pascal = (name) => name.replace(/(^|_)([a-z])/g, (_, __, c) => c.toUpperCase());
const actionNameOf = (schema) => (schema.entries ?? schema.pipe[0].entries).action.literal;
const ref = (name) => ({ $ref: `#/components/schemas/${name}` });

// What JSON Schema cannot say about the action bodies (the core still checks it).
const TRANSFORMS = [
  "Strings are trimmed before the non-empty check, and the trimmed value is what is stored: " +
    "`minLength: 1` lets a whitespace-only string through, the core answers it 400 `invalid_request`.",
  "`stateJson` and `waitJson` take any JSON value; nesting deeper than 64 levels is refused as 400 `invalid_json`.",
  "`list_flows` `cursor` must be a `nextCursor` from an earlier answer, unchanged (the core decodes it).",
  `The whole body is at most \`limits.maxBodyBytes\` bytes (default ${DEFAULT_LIMITS.maxBodyBytes}).`,
];

// Cross-field rules valibot checks with `check()`, written out as JSON Schema.
const EXTRA_ACTION_RULES = {
  run_task: {
    description: "`startedAt`, `lastEventAt` and `progressSummary` need `status: \"running\"`.",
    dependentSchemas: Object.fromEntries(
      ["startedAt", "lastEventAt", "progressSummary"].map((field) => [
        field,
        { required: ["status"], properties: { status: { const: "running" } } },
      ]),
    ),
  },
};

const convert = (schema, definitions) => {
  // `errorMode: "ignore"`: trim() and check() have no JSON Schema form (see TRANSFORMS).
  const { $schema: _ignored, $defs, ...json } = toJsonSchema(schema, {
    target: "draft-2020-12",
    errorMode: "ignore",
    definitions,
  });
  return JSON.parse(JSON.stringify(json).replaceAll('"#/$defs/', '"#/components/schemas/'));
};

function actionSchemas() {
  const entries = WebhookActionSchema.options.map((schema) => {
    const name = actionNameOf(schema);
    const json = convert(schema);
    return [name, { title: name, ...json, ...EXTRA_ACTION_RULES[name] }];
  });
  return new Map(entries);
}

const VIEW_DEFINITIONS = { FlowView: FlowViewSchema, TaskView: TaskViewSchema, TaskSummary: TaskSummarySchema };

function componentSchemas(actions) {
  const schemas = {
    WebhookAction: {
      description: ["One action body: `action` picks the schema.", ...TRANSFORMS].join("\n\n"),
      oneOf: [...actions.keys()].map((name) => ref(`${pascal(name)}Action`)),
      discriminator: {
        propertyName: "action",
        mapping: Object.fromEntries([...actions.keys()].map((name) => [name, `#/components/schemas/${pascal(name)}Action`])),
      },
    },
  };
  for (const [name, json] of actions) schemas[`${pascal(name)}Action`] = json;
  for (const [name, schema] of Object.entries(VIEW_DEFINITIONS)) schemas[name] = convert(schema, omit(VIEW_DEFINITIONS, name));
  for (const [name, schema] of Object.entries(ActionResultSchemas)) {
    schemas[`${pascal(name)}Result`] = { title: `${name} result`, ...convert(schema, VIEW_DEFINITIONS) };
  }
  schemas.SuccessEnvelope = convert(SuccessEnvelopeSchema);
  schemas.FailureResult = convert(FailureResultSchema, VIEW_DEFINITIONS);
  schemas.FailureEnvelope = convert(FailureEnvelopeSchema, { ...VIEW_DEFINITIONS, FailureResult: FailureResultSchema });
  return schemas;
}

const omit = (object, key) => Object.fromEntries(Object.entries(object).filter(([k]) => k !== key));

const HEADERS = {
  "RateLimit-Limit": { description: "Requests allowed per window for this route and client.", schema: { type: "integer", minimum: 0 } },
  "RateLimit-Remaining": { description: "Requests left in the current window.", schema: { type: "integer", minimum: 0 } },
  "RateLimit-Reset": { description: "Seconds until the window resets.", schema: { type: "integer", minimum: 0 } },
  "Retry-After": { description: "Seconds to wait before retrying.", schema: { type: "integer", minimum: 1 } },
  Allow: { description: "The one method a webhook route accepts.", schema: { const: "POST" } },
  "Idempotent-Replayed": {
    description: "`true` when this is the stored answer to an earlier request with the same idempotency key and body.",
    schema: { const: "true" },
  },
};

const idempotencyKey = (name, description) => ({
  name,
  in: "header",
  required: false,
  description,
  schema: { type: "string", minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH },
});
const IDEMPOTENCY_PARAMETERS = [
  idempotencyKey(
    "Idempotency-Key",
    "A key that stays the same across the retries of one delivery: a write with the same key and body runs once and " +
      `later deliveries get the stored answer. 1–${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters, bare or as a ` +
      "structured-field string (`\"order-4711\"`). Reads ignore it.",
  ),
  idempotencyKey("X-OpenClaw-Idempotency-Key", "Used when there is no `Idempotency-Key` header; same rules."),
  idempotencyKey(
    "webhook-id",
    "Standard Webhooks message id, used as the key only when the route sets `idempotency.acceptWebhookId` and neither header above is present.",
  ),
];
// Statuses whose answers are action outcomes, the only ones kept for a repeated key.
const REPLAYABLE = (status) => status < 300 || status === 404 || status === 409;
const headerRef = (name) => ({ $ref: `#/components/headers/${name}` });
const RATE_LIMIT_HEADERS = Object.fromEntries(
  ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"].map((name) => [name, headerRef(name)]),
);

const codesByStatus = () => {
  const groups = new Map();
  for (const [code, { status, error }] of Object.entries(ERROR_CODES)) {
    if (code === "method_not_allowed") continue; // answered to the other methods, below
    if (!groups.has(status)) groups.set(status, []);
    groups.get(status).push({ code, error });
  }
  return [...groups].sort(([a], [b]) => a - b);
};

// Codes whose answers say when to come back.
const RETRY_AFTER_CODES = new Set(["rate_limited", "too_many_in_flight", "limiter_unavailable", "idempotency_in_progress"]);

const codeList = (codes) => codes.map(({ code, error }) => `- \`${code}\`: ${error}`).join("\n");

function responses(actions) {
  const out = {
    200: {
      description: "The action ran. `result` depends on the action (see the `*Result` schemas).",
      headers: { ...RATE_LIMIT_HEADERS, "Idempotent-Replayed": headerRef("Idempotent-Replayed") },
      content: {
        "application/json": {
          schema: {
            allOf: [ref("SuccessEnvelope")],
            properties: { result: { anyOf: [...actions.keys()].map((name) => ref(`${pascal(name)}Result`)) } },
            not: { required: ["code"] },
          },
          examples: EXAMPLES.responses,
        },
      },
    },
  };
  for (const [status, codes] of codesByStatus()) {
    const success = status < 400;
    const enumOf = codes.map(({ code }) => code);
    out[status] = {
      description: `${success ? "Accepted, not finished" : "Refused"}. \`code\` is one of:\n\n${codeList(codes)}`,
      headers: {
        ...RATE_LIMIT_HEADERS,
        ...(codes.some(({ code }) => RETRY_AFTER_CODES.has(code)) && {
          "Retry-After": { ...headerRef("Retry-After"), ...(status === 429 && { required: true }) },
        }),
        ...(REPLAYABLE(status) && { "Idempotent-Replayed": headerRef("Idempotent-Replayed") }),
      },
      content: {
        "application/json": {
          schema: {
            allOf: [ref(success ? "SuccessEnvelope" : "FailureEnvelope")],
            properties: { code: enumOf.length === 1 ? { const: enumOf[0] } : { enum: enumOf } },
            required: ["code"],
          },
        },
      },
    };
  }
  return out;
}

const methodNotAllowed = (method) => ({
  operationId: `${method}NotAllowed`,
  summary: `${method.toUpperCase()} is not allowed`,
  description: "Every method but POST is answered 405, before any other check.",
  tags: ["webhooks"],
  security: [],
  responses: {
    405: {
      description: `\`method_not_allowed\`: ${ERROR_CODES.method_not_allowed.error}`,
      headers: { Allow: { ...headerRef("Allow"), required: true } },
      content: {
        "application/json": {
          schema: { allOf: [ref("FailureEnvelope")], properties: { code: { const: "method_not_allowed" } } },
        },
      },
    },
  },
});

const EXAMPLES = {
  requests: {
    create_flow: { value: { action: "create_flow", goal: "Review inbound queue" } },
    set_waiting: { value: { action: "set_waiting", flowId: "flow-1", expectedRevision: 0, currentStep: "waiting for approval" } },
  },
  responses: {
    create_flow: {
      value: {
        ok: true,
        routeId: "demo",
        result: {
          created: true,
          flow: {
            flowId: "flow-1",
            syncMode: "managed",
            controllerId: "webhooks/demo",
            revision: 0,
            status: "queued",
            notifyPolicy: "done_only",
            goal: "Review inbound queue",
            createdAt: 1764180000000,
            updatedAt: 1764180000000,
          },
        },
      },
    },
  },
};

export function buildOpenApi() {
  const actions = actionSchemas();
  return {
    openapi: "3.1.0",
    info: {
      title: "taskflow-webhooks",
      version: pkg.version,
      summary: "Authenticated JSON webhooks that create and drive OpenClaw TaskFlows.",
      description:
        "Each configured route is bound to one OpenClaw session and answers POSTed action bodies. " +
        "Checks run in this order, each rejection final: path, method, rate limit, content type, " +
        "in-flight, authentication, body size/time, JSON, action schema, action.",
      license: { name: "MIT", identifier: "MIT" },
    },
    tags: [{ name: "webhooks" }],
    paths: {
      "/plugins/webhooks/{routeId}": {
        summary: "One webhook route",
        description: "The default path of route `routeId`; each route's `path` can be configured to anything.",
        parameters: [{ name: "routeId", in: "path", required: true, schema: { type: "string", minLength: 1 } }],
        post: {
          operationId: "runWebhookAction",
          summary: "Run one TaskFlow action",
          description: `The body names the action (${[...actions.keys()].map((a) => `\`${a}\``).join(", ")}).\n\n${TRANSFORMS.join("\n\n")}`,
          tags: ["webhooks"],
          security: [{ bearerAuth: [] }, { webhookSecretHeader: [] }],
          parameters: IDEMPOTENCY_PARAMETERS,
          requestBody: {
            required: true,
            content: { "application/json": { schema: ref("WebhookAction"), examples: EXAMPLES.requests } },
          },
          responses: responses(actions),
        },
        ...Object.fromEntries(["get", "put", "patch", "delete"].map((m) => [m, methodNotAllowed(m)])),
      },
    },
    components: {
      schemas: componentSchemas(actions),
      headers: HEADERS,
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          description: "The route's secret (any of them, when `secret` is a list). Wins over the header below.",
        },
        webhookSecretHeader: {
          type: "apiKey",
          in: "header",
          name: "x-openclaw-webhook-secret",
          description: "The route's secret, used when there is no `Authorization: Bearer` header.",
        },
      },
    },
  };
}

/** The request body alone, as a standalone JSON Schema document. */
export function buildActionJsonSchema() {
  const actions = actionSchemas();
  const json = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "taskflow-webhooks action body",
    description: ["One action body: `action` picks the schema.", ...TRANSFORMS].join("\n\n"),
    oneOf: [...actions.keys()].map((name) => ({ $ref: `#/$defs/${pascal(name)}Action` })),
    $defs: Object.fromEntries([...actions].map(([name, schema]) => [`${pascal(name)}Action`, schema])),
  };
  return json;
}

export const renderOpenApi = () => `${JSON.stringify(buildOpenApi(), null, 2)}\n`;
export const renderActionJsonSchema = () => `${JSON.stringify(buildActionJsonSchema(), null, 2)}\n`;

if (process.argv.includes("--write")) {
  writeFileSync(OPENAPI_PATH, renderOpenApi());
  writeFileSync(ACTION_SCHEMA_PATH, renderActionJsonSchema());
  console.log(`wrote ${OPENAPI_PATH} and ${ACTION_SCHEMA_PATH}`);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const current =
    readFileSync(OPENAPI_PATH, "utf8") === renderOpenApi() && readFileSync(ACTION_SCHEMA_PATH, "utf8") === renderActionJsonSchema();
  if (!current) console.error("openapi.json is stale: run pnpm --filter @taskflow-webhooks/core openapi");
  process.exitCode = current ? 0 : 1;
}
