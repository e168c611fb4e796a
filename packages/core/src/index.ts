// @taskflow-webhooks/core: the framework-agnostic webhook pipeline and its ports.

export { createWebhookHandler, DEFAULT_IDEMPOTENCY_LOCK_MS, handleWebhook, loadWebhookHandler } from "./handler.js";
export type { LoadWebhookHandlerOptions, RouteInfo, WebhookContext, WebhookHandler, WebhookHandlerOptions } from "./handler.js";
export type { LoadWebhookAdapterOptions, WebhookAdapterOptions } from "./adapter-options.js";
export type { HeaderInput, WebhookRequest } from "./request.js";
export { REQUEST_CHANNEL_NAME, requestChannel } from "./observability/request-channel.js";
export type { RequestTraceContext } from "./observability/request-channel.js";
export type { NodeReadableLike, RequestBody } from "./body/request-body.js";
export { JSON_CONTENT_TYPE, fail as errorResponse } from "./view/envelope.js";
export type { FailureDetails } from "./view/envelope.js";
export { internalErrorResponse } from "./view/internal-error.js";
export type { InternalErrorOptions } from "./view/internal-error.js";
export type { FailureEnvelope, ResponseMeta, SuccessEnvelope, WebhookResponse } from "./view/envelope.js";
export { flowView, taskView } from "./view/redact.js";
export {
  ActionResultSchemas,
  FAILURE_CODES,
  FailureEnvelopeSchema,
  FailureResultSchema,
  FlowViewSchema,
  SUCCESS_CODES,
  SuccessEnvelopeSchema,
  TaskSummarySchema,
  TaskViewSchema,
  ValidationIssueSchema,
} from "./view/answer-schemas.js";
export type { FlowView, TaskView } from "./view/redact.js";
export { ERROR_CODES } from "./errors/codes.js";
export type { ErrorCode } from "./errors/codes.js";

// Config
export {
  DEFAULT_IDEMPOTENCY,
  DEFAULT_LIMITS,
  RouteIdempotencySchema,
  RouteConfigSchema,
  RouteLimitsSchema,
  RouteSecretSchema,
  SecretInputSchema,
  SecretRefSchema,
  WebhooksConfigSchema,
} from "./config/schema.js";
export type { RouteConfigInput, SecretInput, WebhooksConfigInput } from "./config/schema.js";
export { assertWebhooksConfig, parseWebhooksConfig, toConfigIssue, toConfigIssues, WebhookConfigError } from "./config/parse-config.js";
export { configWarnings, MIN_SECRET_BYTES } from "./config/config-warnings.js";
export type {
  ConfigIssue,
  ConfigParseResult,
  ParsedWebhooksConfig,
  RouteConfig,
  RouteIdempotency,
  RouteLimits,
  WebhooksConfig,
} from "./config/parse-config.js";
export { normalizeRoutePath } from "./config/normalize-path.js";

// Actions
export { ACTION_NAMES, WebhookActionSchema } from "./actions/schemas.js";
export type { ActionName, WebhookAction } from "./actions/schemas.js";
export { validateAction } from "./actions/validate.js";
export { isWriteAction, WRITE_ACTIONS } from "./actions/write-actions.js";

// Idempotency
export type {
  CompleteOptions,
  IdempotencyStore,
  Reservation,
  ReserveOptions,
  StoredAnswer,
} from "./ports/idempotency-store.js";
export {
  createMemoryIdempotencyStore,
  DEFAULT_IDEMPOTENCY_MAX_ANSWER_BYTES,
  DEFAULT_IDEMPOTENCY_MAX_RECORDS,
} from "./idempotency/memory-idempotency-store.js";
export type { MemoryIdempotencyStore, MemoryIdempotencyStoreOptions } from "./idempotency/memory-idempotency-store.js";
export { canonicalJson, requestFingerprint } from "./idempotency/fingerprint.js";
export { MAX_IDEMPOTENCY_KEY_LENGTH, parseIdempotencyKey } from "./idempotency/idempotency-key.js";
export { replayedResponse, storedAnswerOf } from "./idempotency/stored-answer.js";
export { reservationOfRow, type IdempotencyRecordRow } from "./idempotency/record-row.js";
export type { ValidationIssue } from "./actions/validate.js";

// Ports and their default implementations
export { systemClock } from "./ports/clock.js";
export type { Clock, TimerHandle } from "./ports/clock.js";
export { consoleLogger, silentLogger } from "./ports/logger.js";
export type { LogFields, Logger } from "./ports/logger.js";
export type { ConsumeOptions, ConsumeResult, LimiterStore } from "./ports/limiter-store.js";
export type { SecretRef, SecretResolver } from "./ports/secret-resolver.js";
export { createMemoryLimiterStore } from "./limits/memory-limiter-store.js";
export { DEFAULT_LIMITER_ERROR_POLICY, createLimiterFailureHandler } from "./limits/limiter-failure.js";
export type { LimiterErrorPolicy, LimiterFailureHandler, LimiterFailureOptions } from "./limits/limiter-failure.js";
export type { MemoryLimiterStore, MemoryLimiterStoreOptions } from "./limits/memory-limiter-store.js";
export { createTrustedProxies, resolveClientAddress, unmapIPv4 } from "./limits/client-address.js";
export { clientKeyOf, DEFAULT_IPV6_PREFIX, LOOPBACK_CLIENT } from "./limits/client-key.js";
export type { TrustedProxies } from "./limits/client-address.js";

// Secrets
export { resolveRouteSecrets, SecretResolutionError } from "./secrets/resolve-route-secrets.js";
export type { ResolvedRouteSecrets } from "./secrets/resolve-route-secrets.js";
export { createNodeSecretResolver } from "./secrets/node-secret-resolver.js";
export type { NodeSecretResolverOptions, SecretProviderConfig } from "./secrets/node-secret-resolver.js";

// TaskFlow
export * from "./taskflow/types.js";
export { isOutcomeUnknown } from "./taskflow/outcome-unknown.js";
export { TaskFlowPersistError, isPersistFailure } from "./taskflow/persist-failure.js";
export { createMemoryTaskFlowRuntime } from "./taskflow/memory-runtime.js";
// Building blocks for TaskFlow backends: what each operation does to a record.
export {
  applyChange,
  cancelledChange,
  cancelledTask,
  failChange,
  finishChange,
  isActiveTask,
  isTerminalFlow,
  newManagedFlow,
  newTaskRecord,
  requestCancelChange,
  resumeChange,
  runTaskRefusal,
  setWaitingChange,
  summarizeCounts,
} from "./taskflow/flow-changes.js";
export type { FlowChange } from "./taskflow/flow-changes.js";
export type { MemoryTaskFlowRuntime } from "./taskflow/memory-runtime.js";

// Node.js glue for adapters
export { sendNodeResponse } from "./node/send-node-response.js";
export { isClosingConnection, markClosingConnection } from "./node/closing-connections.js";
export { lingerAfterAnswer } from "./node/lingering-close.js";
export type { NodeResponseLike } from "./node/send-node-response.js";
export type { NodeRequestLike, NodeSocketLike } from "./node/lingering-close.js";
