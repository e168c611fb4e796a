// Which idempotency key a request carries. The IETF httpapi draft defines
// `Idempotency-Key` as a Structured Field String (`"…"`, RFC 8941); most senders write a
// bare token (a UUID), so both are accepted. OpenClaw's own `/hooks/agent` reads
// `X-OpenClaw-Idempotency-Key`; Standard Webhooks senders put a message id that stays the
// same across retries in `webhook-id` (accepted only when the route opts in, since it is
// the sender's id, not one the caller chose for this request).
import type { HeaderReader } from "../request.js";

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

export type IdempotencyKeyLookup =
  | { kind: "absent" }
  | { kind: "invalid"; header: string }
  | { kind: "present"; key: string; header: string };

const ABSENT: IdempotencyKeyLookup = { kind: "absent" };
const HEADERS = ["idempotency-key", "x-openclaw-idempotency-key"] as const;

/** The first key header present, in the order Idempotency-Key, X-OpenClaw-…, webhook-id. */
export function idempotencyKeyOf(header: HeaderReader, acceptWebhookId: boolean): IdempotencyKeyLookup {
  for (const name of HEADERS) {
    const raw = header(name);
    if (raw !== undefined) return lookup(name, raw);
  }
  if (acceptWebhookId) {
    const raw = header("webhook-id");
    if (raw !== undefined) return lookup("webhook-id", raw);
  }
  return ABSENT;
}

function lookup(header: string, raw: string): IdempotencyKeyLookup {
  const key = parseIdempotencyKey(raw);
  return key === undefined ? { kind: "invalid", header } : { kind: "present", key, header };
}

/**
 * The key in a header value, or `undefined` when it is not 1–255 visible ASCII characters
 * (0x21–0x7E) as a bare value or an sf-string (escapes `\"` and `\\` only, no parameters).
 */
export function parseIdempotencyKey(raw: string): string | undefined {
  const value = raw.trim();
  const key = value.startsWith('"') ? unquote(value) : value;
  if (key === undefined || key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) return undefined;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return undefined;
  }
  return key;
}

function unquote(value: string): string | undefined {
  let out = "";
  for (let i = 1; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === "\\") {
      const next = value[++i];
      if (next !== '"' && next !== "\\") return undefined;
      out += next;
    } else if (ch === '"') {
      // The closing quote must end the value: no parameters, no second item.
      return i === value.length - 1 ? out : undefined;
    } else out += ch;
  }
  return undefined; // unterminated
}
