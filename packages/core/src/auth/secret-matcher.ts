// Constant-time secret check: both sides are hashed to fixed-length digests and compared
// without an early exit, and every configured secret is compared, so timing reveals
// neither the secret's length nor which rotation slot matched.
import * as crypto from "node:crypto";
import { createHash } from "node:crypto";

export interface SecretMatcher {
  /** True when `presented` equals one of the configured secrets. Empty never matches. */
  matches(presented: string): boolean;
  /** A cold matcher has no usable secret: every request is unauthorized. */
  readonly cold: boolean;
}

// SHA-256 as a 64-character hex string. One-shot `crypto.hash` (Node >= 20.12) skips the
// Hash object, and a hex string skips the Buffer a binary digest allocates: about 0.5 µs
// per request instead of 1.2–1.5 µs. Older Node falls back to createHash.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string }).hash;
const digest: (value: string) => string =
  typeof oneShot === "function"
    ? (value) => oneShot("sha256", value, "hex")
    : (value) => createHash("sha256").update(value, "utf8").digest("hex");

const DIGEST_LENGTH = 64;

/**
 * Compares two hex digests in constant time: always all 64 characters, differences
 * OR-ed together, no data-dependent branch (what timingSafeEqual does for Buffers).
 */
function equalDigests(a: string, b: string): boolean {
  let diff = 0;
  for (let i = 0; i < DIGEST_LENGTH; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export function createSecretMatcher(secrets: readonly string[]): SecretMatcher {
  const digests = secrets.filter((s) => s.length > 0).map(digest);
  // A cold route still hashes, so a cold route and a wrong secret take the same time.
  const decoy = digest("\u0000cold-route\u0000");
  return {
    cold: digests.length === 0,
    matches(presented) {
      const candidate = digest(presented);
      let ok = false;
      if (digests.length === 0) equalDigests(candidate, decoy);
      for (const d of digests) ok = equalDigests(candidate, d) || ok;
      return ok && presented.length > 0;
    },
  };
}
