// Helpers for the hostile-input suite: every logger a test creates is recorded here, and
// every answer can be scanned for secrets, owner keys and stack traces.
import { afterAll, expect } from "vitest";
import type { WebhookHandlerOptions, WebhookResponse } from "../../src/index.js";
import { SECRET, SESSION, recordingLogger, setup, type LogLine } from "../support.js";

export { SECRET, SESSION };
/** A second, rotated secret some routes also accept. */
export const ROTATED_SECRET = "rotated-secret-value-9876543210";

const loggers: Array<{ lines: LogLine[] }> = [];

/** A recording logger whose lines the file-level check below scans. */
export function hostileLogger() {
  const logger = recordingLogger();
  loggers.push(logger);
  return logger;
}

/** `setup()` from the core tests, with its logger registered for the secrets check. */
export function hostileSetup(overrides: Parameters<typeof setup>[0] = {}) {
  const logger = hostileLogger();
  const world = setup({ logger, ...overrides } as Partial<WebhookHandlerOptions> & { routeExtra?: Record<string, unknown> });
  return { ...world, logger };
}

/** Secrets and owner keys that must never appear in a log line. */
const NEVER_LOGGED = [SECRET, ROTATED_SECRET, SESSION];

/**
 * Registers a check that runs after every test of the calling file: no secret and no
 * session key in any line any hostile logger recorded, and something was looked at.
 */
export function checkLogsAfterAll(options: { expectLines?: boolean } = {}) {
  afterAll(() => {
    const lines = loggers.flatMap((l) => l.lines);
    if (options.expectLines) expect(lines.length).toBeGreaterThan(0);
    const text = JSON.stringify(lines);
    for (const needle of NEVER_LOGGED) expect(text.includes(needle), `log lines contain ${needle}`).toBe(false);
  });
}

const STACK_TRACE = [
  /\bat .+:\d+:\d+/, // "at fn (file.js:1:2)" / "at file.js:1:2"
  /node:internal/,
  /\.(?:ts|js|mjs|cjs):\d+/,
  /\b(?:Type|Range|Syntax|Reference|Eval|URI)Error\b/,
];

/**
 * Fails when an answer is a 5xx, or leaks a secret, an owner key the caller did not send
 * itself, or anything that looks like a stack trace, in its body or any header.
 */
export function expectNoLeak(response: WebhookResponse | undefined, sent = ""): void {
  if (response === undefined) return;
  expect(response.status, `status ${response.status}: ${response.body}`).toBeLessThan(500);
  const parts = [response.body, ...Object.entries(response.headers).flat()];
  for (const part of parts) {
    for (const secret of [SECRET, ROTATED_SECRET]) expect(part.includes(secret), `answer leaks a secret: ${part}`).toBe(false);
    if (!sent.includes(SESSION)) expect(part.includes(SESSION), `answer leaks the owner key: ${part}`).toBe(false);
    for (const pattern of STACK_TRACE) expect(pattern.test(part), `answer looks like a stack trace: ${part}`).toBe(false);
  }
  // Every answer is a JSON envelope.
  expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
  expect(() => JSON.parse(response.body)).not.toThrow();
}
