// `RateLimit-*` (IETF draft) and `Retry-After` headers, in whole seconds.
import type { ConsumeResult } from "../ports/limiter-store.js";

export function rateLimitHeaders(limit: number, result: ConsumeResult, now: number): Record<string, string> {
  const resetSeconds = Math.max(0, Math.ceil((result.resetAt - now) / 1000));
  const headers: Record<string, string> = {
    "ratelimit-limit": String(limit),
    "ratelimit-remaining": String(Math.max(0, result.remaining)),
    "ratelimit-reset": String(resetSeconds),
  };
  if (!result.allowed) headers["retry-after"] = String(Math.max(1, resetSeconds));
  return headers;
}
