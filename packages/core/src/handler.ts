// The webhook pipeline, top to bottom (README "Calling a route"). Each step's rejection is final.
//   0 route  1 method  2 rate limit  3 content type  4 in-flight  5 auth
//   6 body (size, timeout)  7 JSON  8 action schema  9 idempotency key (writes)
//   10 action → TaskFlow
import { randomUUID } from "node:crypto";
import { presentedSecret } from "./auth/presented-secret.js";
import { isJsonContentType } from "./body/content-type.js";
import { checkParsedBody, parseJsonBody } from "./body/parse-json.js";
import { readBody, type BodyReadResult } from "./body/read-body.js";
import { configWarnings } from "./config/config-warnings.js";
import { assertWebhooksConfig, type WebhooksConfig } from "./config/parse-config.js";
import { runAction, type ActionContext } from "./actions/run-action.js";
import type { WebhookAction } from "./actions/schemas.js";
import { isWriteAction } from "./actions/write-actions.js";
import type { WebhooksConfigInput } from "./config/schema.js";
import { issueText, validateAction, validateParsedJson } from "./actions/validate.js";
import { requestFingerprint } from "./idempotency/fingerprint.js";
import { idempotencyKeyOf } from "./idempotency/idempotency-key.js";
import { createMemoryIdempotencyStore } from "./idempotency/memory-idempotency-store.js";
import { replayedResponse, storedAnswerOf } from "./idempotency/stored-answer.js";
import { createInFlightTracker, type InFlightTracker } from "./limits/in-flight.js";
import { createTrustedProxies, resolveClientAddress, type TrustedProxies } from "./limits/client-address.js";
import { warnUnknownClientOnce } from "./limits/unknown-client.js";
import { createLimiterFailureHandler, DEFAULT_LIMITER_ERROR_POLICY, type LimiterErrorPolicy, type LimiterFailureHandler } from "./limits/limiter-failure.js";
import { createMemoryLimiterStore } from "./limits/memory-limiter-store.js";
import { rateLimitHeaders, writeRateLimitHeaders } from "./limits/rate-limit-headers.js";
import { systemClock, type Clock } from "./ports/clock.js";
import type { IdempotencyStore } from "./ports/idempotency-store.js";
import type { ConsumeResult, LimiterStore } from "./ports/limiter-store.js";
import { consoleLogger, type Logger } from "./ports/logger.js";
import type { SecretResolver } from "./ports/secret-resolver.js";
import { headerReader, type HeaderReader, type WebhookRequest } from "./request.js";
import { hasSubscribers, traceRequest } from "./observability/request-channel.js";
import { buildRouteTable, lookupRoute, type CompiledRoute, type RouteTable } from "./routes/route-table.js";
import { createNodeSecretResolver, type SecretProviderConfig } from "./secrets/node-secret-resolver.js";
import { resolveRouteSecrets, type ResolvedRouteSecrets } from "./secrets/resolve-route-secrets.js";
import { isOutcomeUnknown } from "./taskflow/outcome-unknown.js";
import { isPersistFailure } from "./taskflow/persist-failure.js";
import { withDeadline } from "./taskflow/with-deadline.js";
import type { TaskFlowRuntime } from "./taskflow/types.js";
import { fail, type ResponseMeta, type WebhookResponse } from "./view/envelope.js";
import { errorName, internalErrorResponse } from "./view/internal-error.js";

/** Everything `handleWebhook` needs, built once. */
export interface WebhookContext {
  routes: RouteTable;
  clock: Clock;
  limiterStore: LimiterStore;
  /** Decides (and logs) what a request gets when `limiterStore.consume` fails. */
  onLimiterError: LimiterFailureHandler;
  inFlight: InFlightTracker;
  trustedProxies: TrustedProxies;
  logger: Logger;
  correlationId: () => string;
  idempotency: {
    store: IdempotencyStore;
    /** The store is the TaskFlow runtime's own: writes complete it in their transaction. */
    atomic: boolean;
    /** How long a reservation blocks a concurrent delivery before it counts as abandoned. */
    lockMs: number;
  };
}

/** Default reservation lifetime: far above any write's duration, short enough to recover. */
export const DEFAULT_IDEMPOTENCY_LOCK_MS = 60_000;

export async function handleWebhook(request: WebhookRequest, ctx: WebhookContext): Promise<WebhookResponse | undefined> {
  return webhookPipeline(request, ctx);
}

/**
 * The pipeline in continuation style: every step runs synchronously and only a real
 * promise (a shared limiter store, a streamed body, an asynchronous TaskFlow) costs a
 * `then`. A request whose ports all answer synchronously is answered in one go.
 */
function webhookPipeline(request: WebhookRequest, ctx: WebhookContext): Answer<WebhookResponse | undefined> {
  // 0. Not one of our paths (exact, then canonical variant): the host answers (usually 404).
  const route = lookupRoute(ctx.routes, request.path);
  if (route === undefined) return undefined;
  const header = headerReader(request.headers);
  const declaredLength = header("content-length");
  const bodyDeclared = declaresBody(declaredLength, header);

  // 1. Method.
  if (request.method !== "POST" && request.method.toUpperCase() !== "POST") {
    return unread(fail("method_not_allowed", { headers: { allow: "POST" } }), bodyDeclared);
  }

  // 2. Fixed-window rate limit, before auth so unauthenticated floods are throttled too.
  const client =
    request.clientAddress !== undefined
      ? request.clientAddress
      : resolveClientAddress(request.remoteAddress, header, ctx.trustedProxies);
  if (request.remoteAddress === undefined && request.clientAddress === undefined) warnUnknownClientOnce(ctx.logger, route.id);
  // One key per client, not per address: IPv6 by prefix, every loopback address as one.
  const key = route.limitKey(client);
  const now = ctx.clock.now();
  const { windowMs, max } = route.limits.rateLimit;
  const step: Admission = { request, route, header, declaredLength, bodyDeclared, key, now, ctx };
  // A store may answer synchronously (the memory store does): no await, no extra tick.
  let consumed: ConsumeResult | PromiseLike<ConsumeResult>;
  try {
    consumed = ctx.limiterStore.consume(key, { windowMs, max, now });
  } catch (error) {
    return limiterFailed(step, error);
  }
  if (isPromiseLike(consumed)) {
    return Promise.resolve(consumed).then(
      (rate) => admitted(step, rate),
      (error: unknown) => limiterFailed(step, error),
    );
  }
  return admitted(step, consumed);
}

/** A value now, or a promise of it when some port answered asynchronously. */
type Answer<T> = T | Promise<T>;

/** What the steps after the rate limit need to know about the request. */
interface Admission {
  request: WebhookRequest;
  route: CompiledRoute;
  header: HeaderReader;
  /** The Content-Length header as sent. */
  declaredLength: string | undefined;
  bodyDeclared: boolean;
  key: string;
  now: number;
  ctx: WebhookContext;
}

/** The limiter store threw or rejected (down, or past its timeout): the configured policy decides. */
function limiterFailed(step: Admission, error: unknown): Answer<WebhookResponse> {
  if (step.ctx.onLimiterError(error, step.route.id) === "deny") {
    return unread(fail("limiter_unavailable", { headers: { "retry-after": "1" } }), step.bodyDeclared);
  }
  // Allowed without an answer from the store: no RateLimit-* headers (nothing is known).
  return admitted(step, undefined);
}

function admitted(step: Admission, rate: ConsumeResult | undefined): Answer<WebhookResponse> {
  const { route, header, bodyDeclared, now, ctx } = step;
  const max = route.limits.rateLimit.max;
  if (rate && !rate.allowed) return unread(fail("rate_limited", { headers: rateLimitHeaders(max, rate, now) }), bodyDeclared);

  // 3. Content type.
  if (!isJsonContentType(header("content-type"))) {
    return unread(fail("unsupported_media_type", { headers: rate ? rateLimitHeaders(max, rate, now) : {} }), bodyDeclared);
  }

  // 4. In-flight slot, released on every path below.
  const release = ctx.inFlight.acquire(step.key, route.limits.maxInFlight);
  if (release === undefined) {
    const headers = rate ? rateLimitHeaders(max, rate, now) : {};
    headers["retry-after"] = "1";
    return unread(fail("too_many_in_flight", { headers }), bodyDeclared);
  }
  let response: Answer<WebhookResponse>;
  try {
    response = authorizedSteps(step, route);
  } catch (error) {
    release();
    throw error;
  }
  if (!isPromiseLike(response)) return answered(response, step, rate, release);
  return response.then(
    (settled) => answered(settled, step, rate, release),
    (error: unknown) => {
      release();
      throw error;
    },
  );
}

/** Completes an admitted request's answer (RateLimit headers, routeId in meta) and frees its slot. */
function answered(response: WebhookResponse, step: Admission, rate: ConsumeResult | undefined, release: () => void): WebhookResponse {
  try {
    if (rate && !response.abandoned) writeRateLimitHeaders(response.headers, step.route.limits.rateLimit.max, rate, step.now);
    if (response.status !== 401) withRouteId(response, step.route.id);
    return response;
  } finally {
    release();
  }
}

function authorizedSteps(step: Admission, route: CompiledRoute): Answer<WebhookResponse> {
  const { header, ctx } = step;
  // 5. Authentication, before a single body byte is read.
  if (!route.matcher.matches(presentedSecret(header))) return unread(fail("unauthorized"), step.bodyDeclared);

  // 6. Body: refuse an announced oversize body unread; enforce size and time while reading.
  const { maxBodyBytes, bodyTimeoutMs } = route.limits;
  const declared = step.declaredLength;
  if (declared !== undefined && Number(declared) > maxBodyBytes) {
    return unread(fail("payload_too_large", { routeId: route.id }), true);
  }
  const reading = readBody(step.request.body, { maxBytes: maxBodyBytes, timeoutMs: bodyTimeoutMs }, ctx.clock);
  if (isPromiseLike(reading)) return reading.then((read) => bodySteps(read, route, header, ctx));
  return bodySteps(reading, route, header, ctx);
}

function bodySteps(read: BodyReadResult, route: CompiledRoute, header: HeaderReader, ctx: WebhookContext): Answer<WebhookResponse> {
  const routeId = route.id;
  if (!read.ok) {
    switch (read.reason) {
      case "aborted":
        return { ...fail("body_timeout", { routeId }), abandoned: true };
      case "too_large":
        return unread(fail("payload_too_large", { routeId }), true);
      case "timeout":
        return unread(fail("body_timeout", { routeId }), true);
      case "invalid_utf8":
        return fail("invalid_json", { routeId, error: "Request body must be UTF-8 encoded JSON." });
    }
  }

  // 7. JSON (nesting bounded, also for a body a framework parser already produced).
  const preParsed = "parsed" in read;
  const parsed = preParsed ? checkParsedBody(read.parsed) : parseJsonBody(read.text);
  if (!parsed.ok) return fail("invalid_json", { routeId, error: parsed.error });
  const body = parsed.value;

  // 8. Action schema (a host's pre-parsed value may be any object: valibot's full pass).
  const validation = preParsed ? validateAction(body) : validateParsedJson(body);
  if (!validation.ok) {
    return fail("invalid_request", { routeId, error: issueText(validation.issues[0]!), issues: validation.issues });
  }

  // 9. Idempotency key: writes only (reads ignore it). Checked once the action is known.
  const action = validation.action;
  if (isWriteAction(action)) {
    const found = idempotencyKeyOf(header, route.idempotency.acceptWebhookId);
    if (found.kind === "present") return idempotentAction(action, body, found.key, route, ctx);
    if (found.kind === "invalid") {
      const error = `${HEADER_NAMES[found.header] ?? found.header} must be 1-255 visible ASCII characters, as a bare token or a quoted string.`;
      return withMeta(fail("invalid_idempotency_key", { routeId, error }), routeId, action);
    }
    if (route.idempotency.required) return withMeta(fail("idempotency_key_required", { routeId }), routeId, action);
  }

  // 10. The action, against the route's owner-bound TaskFlow, bounded by taskFlowTimeoutMs.
  const outcome = actionResponse(action, route, ctx);
  return isPromiseLike(outcome) ? outcome.then(responseOf) : outcome;
}

const responseOf = (outcome: ActionOutcome): WebhookResponse => outcome.response;

const HEADER_NAMES: Record<string, string> = {
  "idempotency-key": "Idempotency-Key",
  "x-openclaw-idempotency-key": "X-OpenClaw-Idempotency-Key",
  "webhook-id": "webhook-id",
};

/**
 * A write under an idempotency key (scope: route id + key): a replay answers the stored
 * answer unchanged; a first delivery runs, then keeps its answer if it is an outcome.
 */
async function idempotentAction(
  action: WebhookAction,
  body: unknown,
  key: string,
  route: CompiledRoute,
  ctx: WebhookContext,
): Promise<WebhookResponse> {
  const routeId = route.id;
  const { store, atomic } = ctx.idempotency;
  // The lock outlasts the call's own deadline (twice over), so it never lapses while the
  // first delivery may still be writing; a crashed holder blocks for this long at most.
  const lockMs = Math.max(ctx.idempotency.lockMs, 2 * route.limits.taskFlowTimeoutMs);
  const scope = `${routeId}\n${key}`;
  const now = ctx.clock.now();
  let reservation;
  try {
    reservation = await store.reserve(scope, requestFingerprint(body), { now, lockMs });
  } catch (error) {
    return internalError(ctx, routeId, action, "idempotency store failed; the action did not run", error);
  }
  switch (reservation.state) {
    case "completed":
      return withMeta(replayedResponse(reservation.answer), routeId, action, { replayed: true });
    case "mismatch":
      return withMeta(fail("idempotency_key_reused", { routeId }), routeId, action);
    case "in_progress":
      // The first delivery normally finishes within milliseconds; its lock ends at the latest
      // at `lockedUntil` (a crashed holder), after which a retry runs the action itself.
      return withMeta(fail("idempotency_in_progress", { routeId, headers: { "retry-after": "1" } }), routeId, action);
  }
  const { token } = reservation;
  const ttlMs = route.idempotency.ttlHours * 3_600_000;
  const settle = async (response: WebhookResponse) => {
    const answer = storedAnswerOf(response);
    try {
      if (answer === undefined) await store.release(scope, token);
      else if (!atomic) await store.complete(scope, token, answer, { now: ctx.clock.now(), ttlMs });
    } catch (error) {
      // The action's answer stands; only its replay is lost (a retry would run it again).
      ctx.logger.error("idempotency record not written: a retry of this key runs the action again", {
        routeId,
        action: action.action,
        error: errorName(error),
      });
    }
  };
  const started = actionResponse(action, route, ctx, atomic ? { scope, token, now, ttlMs } : undefined);
  const { response, late } = isPromiseLike(started) ? await started : { response: started, late: undefined };
  // Timed out: the write may still happen. Keep the reservation (retries get 409) until the
  // call settles, then keep its real answer, so a retry never runs it a second time.
  if (late) void late.then(settle, () => settle(fail("internal_error", { routeId })));
  else await settle(response);
  return response;
}

/** The action's answer; `late` is the still-running call when the deadline answered first. */
interface ActionOutcome {
  response: WebhookResponse;
  late?: Promise<WebhookResponse>;
}

/**
 * Runs the action. A TaskFlow that answers synchronously is answered at once (the answer
 * itself, no wrapper) and with no deadline timer (nothing can outlast it); a promise is
 * bounded by taskFlowTimeoutMs.
 */
function actionResponse(
  action: WebhookAction,
  route: CompiledRoute,
  ctx: WebhookContext,
  idempotency?: ActionContext["idempotency"],
): WebhookResponse | Promise<ActionOutcome> {
  const routeId = route.id;
  let running: Answer<WebhookResponse>;
  try {
    running = runAction(action, idempotency ? { ...route.actionContext, idempotency } : route.actionContext);
  } catch (error) {
    return taskFlowFailed(ctx, routeId, action, error);
  }
  if (!isPromiseLike(running)) return withMeta(running, routeId, action);
  // Minted when the deadline passes, so the late-settlement line matches the 503's id.
  let correlationId: string | undefined;
  const deadline = withDeadline(running, route.limits.taskFlowTimeoutMs, ctx.clock, (settlement, error) => {
    ctx.logger.warn("TaskFlow call settled after its timeout; the caller was answered taskflow_timeout", {
      correlationId,
      routeId,
      action: action.action,
      settlement,
      ...(error !== undefined && { error: errorName(error) }),
    });
  });
  return deadline.then(
    (outcome): ActionOutcome => {
      if (!outcome.timedOut) return { response: withMeta(outcome.value, routeId, action) };
      correlationId = ctx.correlationId();
      ctx.logger.error("TaskFlow call timed out: outcome unknown, the write may have happened", {
        correlationId,
        routeId,
        action: action.action,
        timeoutMs: route.limits.taskFlowTimeoutMs,
      });
      return { response: withMeta(fail("taskflow_timeout", { routeId, correlationId }), routeId, action), late: running };
    },
    (error: unknown): ActionOutcome => ({ response: taskFlowFailed(ctx, routeId, action, error) }),
  );
}

/** The TaskFlow call threw or rejected: storage unavailable, or an unknown outcome. */
function taskFlowFailed(ctx: WebhookContext, routeId: string, action: WebhookAction, error: unknown): WebhookResponse {
  const correlationId = ctx.correlationId();
  if (isPersistFailure(error)) {
    // The store could not reach its storage (e.g. a read while the database is down).
    ctx.logger.warn("TaskFlow storage unavailable", { correlationId, routeId, action: action.action, error: errorName(error) });
    return withMeta(fail("persist_failed", { routeId }), routeId, action, { correlationId });
  }
  const message = isOutcomeUnknown(error)
    ? "TaskFlow outcome unknown: the write may have happened; not retried"
    : "TaskFlow runtime threw";
  ctx.logger.error(message, { correlationId, routeId, action: action.action, error: errorName(error) });
  return withMeta(fail("internal_error", { routeId, correlationId }), routeId, action);
}

function internalError(ctx: WebhookContext, routeId: string, action: WebhookAction, message: string, error: unknown) {
  const correlationId = ctx.correlationId();
  ctx.logger.error(message, { correlationId, routeId, action: action.action, error: errorName(error) });
  return withMeta(fail("internal_error", { routeId, correlationId }), routeId, action);
}

/**
 * The answer's log facts in their fixed order: routeId, action, flowId (when the action
 * names one), replayed / correlationId, then what the answer set itself (code,
 * correlationId, a created flow's id). Plain stores into one new object: the same keys,
 * order and values as the spreads this replaced, without their temporaries.
 */
function withMeta(
  response: WebhookResponse,
  routeId: string,
  action: WebhookAction,
  extra?: { replayed?: boolean; correlationId?: string },
): WebhookResponse {
  const own = response.meta;
  const meta: ResponseMeta = { routeId, action: action.action };
  if ("flowId" in action) meta.flowId = action.flowId;
  if (extra?.replayed !== undefined) meta.replayed = extra.replayed;
  if (extra?.correlationId !== undefined) meta.correlationId = extra.correlationId;
  if (own !== undefined) copyMeta(own, meta);
  response.meta = meta;
  return response;
}

/** Puts `routeId` first in the answer's meta, unless `withMeta` already did. */
function withRouteId(response: WebhookResponse, routeId: string): void {
  const own = response.meta;
  if (own?.routeId === routeId) return;
  const meta: ResponseMeta = { routeId };
  if (own !== undefined) copyMeta(own, meta);
  response.meta = meta;
}

function copyMeta(from: ResponseMeta, to: ResponseMeta): void {
  // for-in, not Object.keys: no array per answer (a meta is a plain object: own keys only).
  for (const key in from) (to as Record<string, unknown>)[key] = from[key as keyof ResponseMeta];
}

function isPromiseLike<T>(value: T): value is Extract<T, PromiseLike<unknown>> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/** True when the request carries a body (length > 0 or chunked). */
function declaresBody(length: string | undefined, header: HeaderReader): boolean {
  if (length !== undefined) return length.trim() !== "0";
  return header("transfer-encoding") !== undefined;
}

function unread(response: WebhookResponse, bodyDeclared: boolean): WebhookResponse {
  if (bodyDeclared) response.closeConnection = true;
  return response;
}


// ---------------------------------------------------------------------------------------

export interface WebhookHandlerOptions {
  /**
   * The route record as written (`{ routes: { id: { sessionKey, secret, ... } } }`, validated
   * here), or a config `parseWebhooksConfig` already returned. A value read from a file
   * (`unknown`) goes through `assertWebhooksConfig` first, or is cast.
   */
  config: WebhooksConfigInput | WebhooksConfig;
  taskFlow: TaskFlowRuntime;
  /** Secrets resolved up front (see `loadWebhookHandler`); SecretRefs without one stay cold. */
  secrets?: ResolvedRouteSecrets;
  clock?: Clock;
  limiterStore?: LimiterStore;
  /**
   * When `limiterStore.consume` throws or rejects (a shared store down or slow past its
   * timeout): `"allow"` (default) lets the request through without a rate limit,
   * `"deny"` answers 503 `limiter_unavailable`. A warning is logged at most once a minute.
   */
  onLimiterError?: LimiterErrorPolicy;
  /** Default: `consoleLogger` (warnings to `console.warn`); `silentLogger` for tests. */
  logger?: Logger;
  /** IPs or CIDR ranges whose forwarding headers are believed. */
  trustedProxies?: readonly string[];
  /**
   * Where idempotency records live. Default: the TaskFlow runtime's own store when it has one
   * (`taskFlow.idempotencyStore`: records commit with the write), else a bounded memory store.
   */
  idempotencyStore?: IdempotencyStore;
  /** Reservation lifetime in ms (default 60 000): keep it above the slowest write. */
  idempotencyLockMs?: number;
  correlationId?: () => string;
}

export interface RouteInfo {
  id: string;
  path: string;
  /** No usable secret: every request is answered 401. */
  cold: boolean;
}

export interface WebhookHandler {
  /** Tells this handler's events on the `taskflow-webhooks:request` channel from others'. */
  readonly id?: number;
  /** Answers a request, or `undefined` when its path is not a webhook route. */
  handle(request: WebhookRequest): Promise<WebhookResponse | undefined>;
  /** Whether a request target path belongs to a webhook route. */
  matches(path: string): boolean;
  readonly routes: readonly RouteInfo[];
  /** In-flight slots held right now (all routes). */
  inFlight(): number;
}

export function createWebhookHandler(options: WebhookHandlerOptions): WebhookHandler {
  const logger = options.logger ?? consoleLogger;
  const config = isParsedConfig(options.config) ? options.config : assertWebhooksConfig(options.config);
  // Valid but weak config (no enabled route, a short secret): said once, when built.
  for (const warning of configWarnings(config)) {
    logger.warn("webhook config warning", { path: warning.path, warning: warning.message });
  }
  const clock = options.clock ?? systemClock;
  const ctx: WebhookContext = {
    routes: buildRouteTable(config, options.taskFlow, options.secrets, logger),
    clock,
    limiterStore: options.limiterStore ?? createMemoryLimiterStore(),
    onLimiterError: createLimiterFailureHandler({ policy: options.onLimiterError ?? DEFAULT_LIMITER_ERROR_POLICY, logger, clock }),
    inFlight: createInFlightTracker(),
    trustedProxies: createTrustedProxies(options.trustedProxies),
    logger,
    correlationId: options.correlationId ?? randomUUID,
    idempotency: idempotencyOf(options),
  };
  const routes = [...ctx.routes.values()].map((r) => ({ id: r.id, path: r.path, cold: r.matcher.cold }));
  const id = nextHandlerId++;
  // One boundary for every adapter: a throwing logger or idempotency store (or any other
  // surprise) is the JSON 500 envelope here, never the host's own error page.
  const unexpected = (error: unknown): WebhookResponse =>
    internalErrorResponse(error, { logger: ctx.logger, correlationId: ctx.correlationId, source: "webhook pipeline" });
  // One promise per request: the pipeline's own value when every port answered at once.
  const guarded = (request: WebhookRequest): Promise<WebhookResponse | undefined> => {
    try {
      const answer = webhookPipeline(request, ctx);
      return isPromiseLike(answer) ? answer.then(undefined, unexpected) : Promise.resolve(answer);
    } catch (error) {
      try {
        return Promise.resolve(unexpected(error));
      } catch (failure) {
        return Promise.reject(failure);
      }
    }
  };
  return {
    id,
    handle: (request) => (hasSubscribers() ? tracedWebhook(id, request, ctx.routes, guarded) : guarded(request)),
    matches: (path) => lookupRoute(ctx.routes, path) !== undefined,
    routes,
    inFlight: () => ctx.inFlight.held(),
  };
}

let nextHandlerId = 1;

/** The request on the `taskflow-webhooks:request` channel; paths that are not routes publish nothing. */
function tracedWebhook(
  handlerId: number,
  request: WebhookRequest,
  routes: RouteTable,
  handle: (request: WebhookRequest) => Promise<WebhookResponse | undefined>,
): Promise<WebhookResponse | undefined> {
  const route = lookupRoute(routes, request.path);
  if (route === undefined) return handle(request);
  const base = { handlerId, method: request.method.toUpperCase(), path: route.path, routeId: route.id };
  return traceRequest(base, () => handle(request));
}

export interface LoadWebhookHandlerOptions extends WebhookHandlerOptions {
  /** Resolves SecretRefs. Default: `createNodeSecretResolver({ providers: secretProviders })`. */
  secretResolver?: SecretResolver;
  /** Named `file`/`exec` providers for the default resolver (`env` refs need none). */
  secretProviders?: Record<string, SecretProviderConfig>;
}

function idempotencyOf(options: WebhookHandlerOptions): WebhookContext["idempotency"] {
  const own = options.taskFlow.idempotencyStore;
  const store = options.idempotencyStore ?? own ?? createMemoryIdempotencyStore();
  return { store, atomic: store === own, lockMs: options.idempotencyLockMs ?? DEFAULT_IDEMPOTENCY_LOCK_MS };
}

/**
 * Validates config, resolves SecretRefs once, then builds the handler. The default
 * resolver reads `process.env`, files and runs exec providers named in `secretProviders`.
 */
export async function loadWebhookHandler(options: LoadWebhookHandlerOptions): Promise<WebhookHandler> {
  const config = isParsedConfig(options.config) ? options.config : assertWebhooksConfig(options.config);
  const logger = options.logger ?? consoleLogger;
  const resolver = options.secretResolver ?? createNodeSecretResolver({ providers: options.secretProviders ?? {} });
  const secrets = options.secrets ?? (await resolveRouteSecrets(config, resolver, logger));
  return createWebhookHandler({ ...options, config, secrets, logger });
}

function isParsedConfig(config: WebhooksConfigInput | WebhooksConfig): config is WebhooksConfig {
  return (
    typeof config === "object" &&
    config !== null &&
    Array.isArray((config as { routes?: unknown }).routes)
  );
}
