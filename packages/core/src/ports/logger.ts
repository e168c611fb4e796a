// Structured logging port. The core never logs secrets, session keys or request bodies.

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  debug?(message: string, fields?: LogFields): void;
}

/**
 * The default wherever no logger is given (the core, every adapter, `loadWebhookHandler`):
 * a cold route or a body a parser already read must never go unnoticed.
 */
export const consoleLogger: Logger = {
  info: (message, fields) => (fields ? console.info(message, fields) : console.info(message)),
  warn: (message, fields) => (fields ? console.warn(message, fields) : console.warn(message)),
  error: (message, fields) => (fields ? console.error(message, fields) : console.error(message)),
};

/** Drops everything: for tests that assert on answers, not on log lines. */
export const silentLogger: Logger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};
