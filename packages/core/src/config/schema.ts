// valibot schemas for the operator's route configuration (README "Configuration"). The same
// schemas generate the OpenClaw plugin's JSON Schema, so the two cannot drift.
import * as v from "valibot";

export const DEFAULT_LIMITS = {
  maxBodyBytes: 262_144,
  bodyTimeoutMs: 15_000,
  rateLimit: { windowMs: 60_000, max: 120 },
  maxInFlight: 8,
  /** Not in the reference (which waits forever): a hung runtime must not hold slots for good. */
  taskFlowTimeoutMs: 10_000,
  /** IPv6 clients are keyed by this prefix length for both limits (one /64 = one client). */
  ipv6Prefix: 64,
} as const;

const trimmedNonEmpty = v.pipe(v.string(), v.trim(), v.nonEmpty("must be a non-empty string"));
const positiveInt = (max: number) =>
  v.pipe(v.number(), v.integer("must be an integer"), v.minValue(1, "must be >= 1"), v.maxValue(max, `must be <= ${max}`));

export const SecretRefSchema = v.strictObject({
  source: v.picklist(["env", "file", "exec", "store"], "must be one of: env, file, exec, store"),
  provider: trimmedNonEmpty,
  id: trimmedNonEmpty,
});

export const SecretInputSchema = v.union([trimmedNonEmpty, SecretRefSchema], "must be a non-empty string or a SecretRef {source, provider, id}");

/** One secret, or a non-empty list of secrets that are all accepted (rotation). */
export const RouteSecretSchema = v.union(
  [SecretInputSchema, v.pipe(v.array(SecretInputSchema), v.minLength(1, "must list at least one secret"))],
  "must be a non-empty string, a SecretRef, or a list of them",
);

export const RouteLimitsSchema = v.strictObject({
  maxBodyBytes: v.optional(positiveInt(64 * 1024 * 1024)),
  bodyTimeoutMs: v.optional(positiveInt(10 * 60_000)),
  rateLimit: v.optional(
    v.strictObject({
      windowMs: v.optional(positiveInt(24 * 3_600_000)),
      max: v.optional(positiveInt(1_000_000_000)),
    }),
  ),
  maxInFlight: v.optional(positiveInt(100_000)),
  taskFlowTimeoutMs: v.optional(positiveInt(10 * 60_000)),
  ipv6Prefix: v.optional(positiveInt(128)),
});

export const DEFAULT_IDEMPOTENCY = { ttlHours: 24, required: false, acceptWebhookId: false } as const;

/** How a route treats idempotency keys on writes (README "Retries and Idempotency-Key"). */
export const RouteIdempotencySchema = v.strictObject({
  /** How long a completed answer is replayed. */
  ttlHours: v.optional(positiveInt(24 * 365)),
  /** Refuse a write without a key (400 idempotency_key_required). */
  required: v.optional(v.boolean("must be a boolean")),
  /** Also take Standard Webhooks' `webhook-id` as the key. */
  acceptWebhookId: v.optional(v.boolean("must be a boolean")),
});

export const RouteConfigSchema = v.strictObject({
  enabled: v.optional(v.boolean("must be a boolean")),
  path: v.optional(v.pipe(v.string(), v.trim(), v.nonEmpty("must be a non-empty string"))),
  sessionKey: trimmedNonEmpty,
  secret: RouteSecretSchema,
  controllerId: v.optional(trimmedNonEmpty),
  description: v.optional(v.string()),
  limits: v.optional(RouteLimitsSchema),
  idempotency: v.optional(RouteIdempotencySchema),
});

export const WebhooksConfigSchema = v.strictObject({
  routes: v.optional(v.record(v.string(), RouteConfigSchema), {}),
});

export type SecretRefInput = v.InferOutput<typeof SecretRefSchema>;
export type SecretInput = v.InferOutput<typeof SecretInputSchema>;
export type RouteConfigInput = v.InferInput<typeof RouteConfigSchema>;
export type WebhooksConfigInput = v.InferInput<typeof WebhooksConfigSchema>;
