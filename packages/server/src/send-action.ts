// `taskflow-webhooks send <action> --field k=v … --url U --secret-env NAME`: builds one
// action body, POSTs it with the secret from an environment variable (never from the
// command line, where `ps` and shell history would keep it), and shows the answer.

export interface SendOptions {
  action: string;
  /** `key=value` pairs; a value that parses as JSON is sent as that JSON value. */
  fields: readonly string[];
  url: string;
  secret: string;
  idempotencyKey?: string;
  timeoutMs?: number;
}

export interface SendResult {
  status: number;
  statusText: string;
  /** The answer headers a caller acts on (rate limits, retries, replays). */
  headers: Array<[string, string]>;
  body: string;
}

const SHOWN_HEADERS = [
  "ratelimit-limit",
  "ratelimit-remaining",
  "ratelimit-reset",
  "retry-after",
  "idempotent-replayed",
  "allow",
];

export class SendUsageError extends Error {}

/** `{action, ...fields}`: `k=v` splits at the first `=`; `v` is JSON when it parses, else text. */
export function buildActionBody(action: string, fields: readonly string[]): Record<string, unknown> {
  const body: Record<string, unknown> = { action };
  for (const field of fields) {
    const at = field.indexOf("=");
    if (at <= 0) throw new SendUsageError(`--field must be key=value, not "${field}"`);
    const key = field.slice(0, at);
    if (key === "action") throw new SendUsageError("--field action=… is not allowed: the action is the first argument");
    const raw = field.slice(at + 1);
    body[key] = parseValue(raw);
  }
  return body;
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export async function sendAction(options: SendOptions): Promise<SendResult> {
  const body = JSON.stringify(buildActionBody(options.action, options.fields));
  const headers: Record<string, string> = {
    "content-type": "application/json",
    authorization: `Bearer ${options.secret}`,
  };
  if (options.idempotencyKey !== undefined) headers["idempotency-key"] = options.idempotencyKey;
  const response = await fetch(options.url, {
    method: "POST",
    headers,
    body,
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    statusText: response.statusText,
    headers: SHOWN_HEADERS.flatMap((name) => {
      const value = response.headers.get(name);
      return value === null ? [] : [[name, value] as [string, string]];
    }),
    body: text,
  };
}

export function formatSendResult(result: SendResult): string {
  const lines = [`HTTP ${result.status}${result.statusText ? ` ${result.statusText}` : ""}`];
  for (const [name, value] of result.headers) lines.push(`${name}: ${value}`);
  lines.push("", prettyBody(result.body));
  return `${lines.join("\n")}\n`;
}

function prettyBody(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** 0 for 2xx, 3/4/5 for 3xx/4xx/5xx (as `httpie --check-status`), 1 for anything else. */
export function exitCodeOf(status: number): number {
  if (status >= 200 && status < 300) return 0;
  if (status >= 300 && status < 600) return Math.floor(status / 100);
  return 1;
}
