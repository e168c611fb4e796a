// Constant-time secret check: both sides are hashed to fixed-length digests and compared
// with timingSafeEqual, and every configured secret is compared (no early exit), so timing
// reveals neither the secret's length nor which rotation slot matched.
import * as crypto from "node:crypto";
import { createHash, timingSafeEqual } from "node:crypto";

export interface SecretMatcher {
  /** True when `presented` equals one of the configured secrets. Empty never matches. */
  matches(presented: string): boolean;
  /** A cold matcher has no usable secret: every request is unauthorized. */
  readonly cold: boolean;
}

// One-shot `crypto.hash` (Node >= 20.12) skips the Hash object and its stream machinery:
// the same SHA-256 digest of the UTF-8 bytes, a fraction of the cost per request.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: "buffer") => Buffer }).hash;
const digest: (value: string) => Buffer =
  typeof oneShot === "function"
    ? (value) => oneShot("sha256", value, "buffer")
    : (value) => createHash("sha256").update(value, "utf8").digest();

export function createSecretMatcher(secrets: readonly string[]): SecretMatcher {
  const digests = secrets.filter((s) => s.length > 0).map(digest);
  // A cold route still hashes, so a cold route and a wrong secret take the same time.
  const decoy = digest("\u0000cold-route\u0000");
  return {
    cold: digests.length === 0,
    matches(presented) {
      const candidate = digest(presented);
      let ok = false;
      if (digests.length === 0) timingSafeEqual(candidate, decoy);
      for (const d of digests) ok = timingSafeEqual(candidate, d) || ok;
      return ok && presented.length > 0;
    },
  };
}
