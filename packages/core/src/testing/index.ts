// `@taskflow-webhooks/core/testing`: what backend authors and integrators test with.
// Imports vitest (an optional peer dependency), so it is kept apart from the main entry.
// The differential kit loads fast-check (another optional peer) only when it runs.
export {
  describeTaskFlowConformance,
  type ConformanceBackend,
  type ConformanceFactory,
  type ConformanceOptions,
} from "./conformance.js";
export {
  describeIdempotencyStoreConformance,
  type IdempotencyConformanceBackend,
  type IdempotencyConformanceFactory,
  type IdempotencyConformanceOptions,
} from "./idempotency-conformance.js";
export {
  describeIdempotentWriteConformance,
  type IdempotentWriteBackend,
  type IdempotentWriteFactory,
  type IdempotentWriteOptions,
  type IdempotentWriteStorage,
  type IdempotentWriteStore,
} from "./idempotent-write-conformance.js";
export {
  describeTaskFlowDifferential,
  type DifferentialBackend,
  type DifferentialContext,
  type DifferentialFactory,
  type DifferentialOptions,
} from "./differential.js";
export { createManualClock, type ManualClock } from "./manual-clock.js";
export {
  describeLimiterStoreConformance,
  type LimiterConformanceBackend,
  type LimiterConformanceFactory,
} from "./limiter-conformance.js";
export {
  runTransportConformance,
  type TransportCase,
  type TransportConformanceOptions,
  type TransportKitServer,
  type TransportKitTarget,
  type TransportLogLine,
} from "./transport-conformance.js";
export { createTransportKitHandler, KIT_ROUTES, KIT_SECRET, kitPath, transportKitConfig } from "./transport-kit-handler.js";
