// Parses the (trimmed) body as JSON and bounds its nesting depth: a 100 000-level array
// parses fine but would overflow the stack later, when a store copies or serialises it.

export const MAX_JSON_DEPTH = 64;

export type JsonParseResult = { ok: true; value: unknown } | { ok: false; error: string };

export function parseJsonBody(text: string): JsonParseResult {
  const trimmed = text.trim();
  if (trimmed.length === 0) return { ok: false, error: "Request body is empty." };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return { ok: false, error: "Request body must be valid JSON." };
  }
  return mayExceedDepth(trimmed, MAX_JSON_DEPTH) && exceedsDepth(value, MAX_JSON_DEPTH)
    ? { ok: false, error: TOO_DEEP }
    : { ok: true, value };
}

const TOO_DEEP = `Request body nests deeper than ${MAX_JSON_DEPTH} levels.`;

/**
 * The same depth bound for a body a framework parser already produced (e.g. Express's
 * `express.json()` mounted first): its own limit allows ~50 000 levels in 100 kB, which
 * would overflow the stack when the store copies the value or the answer serialises it.
 */
export function checkParsedBody(value: unknown): JsonParseResult {
  return exceedsDepth(value, MAX_JSON_DEPTH) ? { ok: false, error: TOO_DEEP } : { ok: true, value };
}

/**
 * Each nesting level opens with its own `{` or `[`, so a text with at most `maxDepth` of
 * them cannot nest deeper and the walk below is skipped (brackets inside strings only make
 * this answer "maybe" more often). Typical webhook bodies have a handful.
 */
function mayExceedDepth(text: string, maxDepth: number): boolean {
  let openings = 0;
  for (const bracket of ["{", "["]) {
    for (let at = text.indexOf(bracket); at !== -1; at = text.indexOf(bracket, at + 1)) {
      if (++openings > maxDepth) return true;
    }
  }
  return false;
}

/** Iterative (never recursive) so hostile depth cannot overflow the stack here either. */
export function exceedsDepth(value: unknown, maxDepth: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (depth > maxDepth) return true;
    const children = Array.isArray(node) ? node : Object.values(node as object);
    for (const child of children) if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
  }
  return false;
}
