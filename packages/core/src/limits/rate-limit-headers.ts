// `RateLimit-*` (IETF draft) and `Retry-After` headers, in whole seconds.
import type { ConsumeResult } from "../ports/limiter-store.js";

export function rateLimitHeaders(limit: number, result: ConsumeResult, now: number): Record<string, string> {
  return writeRateLimitHeaders({}, limit, result, now);
}

/** Adds the headers to `headers` (plain stores: no record to merge on the common path). */
export function writeRateLimitHeaders(
  headers: Record<string, string>,
  limit: number,
  result: ConsumeResult,
  now: number,
): Record<string, string> {
  const resetSeconds = Math.max(0, Math.ceil((result.resetAt - now) / 1000));
  headers["ratelimit-limit"] = String(limit);
  headers["ratelimit-remaining"] = String(Math.max(0, result.remaining));
  headers["ratelimit-reset"] = String(resetSeconds);
  if (!result.allowed) headers["retry-after"] = String(Math.max(1, resetSeconds));
  return headers;
}
