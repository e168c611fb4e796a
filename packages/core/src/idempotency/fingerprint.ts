// The fingerprint of a request under an idempotency key: SHA-256 of its parsed body in
// canonical JSON (object keys sorted, no whitespace), so a sender that reorders keys or
// re-indents a retry is still recognised, while any changed value is not.
import { createHash } from "node:crypto";

export function requestFingerprint(body: unknown): string {
  return createHash("sha256").update(canonicalJson(body)).digest("hex");
}

/** JSON with object keys in code-unit order at every level. Bodies are depth-bounded (64). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) out += ",";
    out += `${JSON.stringify(keys[i])}:${canonicalJson(record[keys[i]!])}`;
  }
  return `${out}}`;
}
