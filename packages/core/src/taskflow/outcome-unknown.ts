// OpenClaw rejects with code `outcome-unknown` when a write may or may not have happened.
// The code can sit on the error, on its cause, or inside an AggregateError.

export function isOutcomeUnknown(error: unknown, depth = 0): boolean {
  if (depth > 8 || error === null || typeof error !== "object") return false;
  const e = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (e.code === "outcome-unknown") return true;
  if (isOutcomeUnknown(e.cause, depth + 1)) return true;
  return Array.isArray(e.errors) && e.errors.some((inner) => isOutcomeUnknown(inner, depth + 1));
}
