// The fingerprint of a request under an idempotency key: SHA-256 of its parsed body in
// canonical JSON (object keys sorted, no whitespace), so a sender that reorders keys or
// re-indents a retry is still recognised, while any changed value is not.
import * as crypto from "node:crypto";

// One-shot `crypto.hash` (Node >= 20.12) where there is one, as for the secret digests.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string }).hash;
const sha256Hex: (value: string) => string =
  typeof oneShot === "function"
    ? (value) => oneShot("sha256", value, "hex")
    : (value) => crypto.createHash("sha256").update(value, "utf8").digest("hex");

export function requestFingerprint(body: unknown): string {
  return sha256Hex(canonicalJson(body));
}

/** JSON with object keys in code-unit order at every level. Bodies are depth-bounded (64). */
export function canonicalJson(value: unknown): string {
  // JSON.stringify does the escaping; the replacer only hands it each object with its keys
  // sorted (arrays and primitives pass through).
  return JSON.stringify(value, sortKeys) ?? "null";
}

function sortKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (isSorted(keys)) return value;
  keys.sort();
  // Null prototype: a "__proto__" key stays an own property (it would set the prototype).
  const sorted: Record<string, unknown> = Object.create(null);
  for (const key of keys) sorted[key] = record[key];
  return sorted;
}

function isSorted(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}
