// Route paths are stored as operators wrote them, apart from the leading and trailing
// slash. A request finds its route the way the Gateway's bundled webhooks plugin does
// (REFERENCE-FACTS.md, "Ref request pipeline" step 1): the exact normalised path first,
// then its canonical variant. Canonical = dot segments resolved, lower-cased, `//`
// collapsed, trailing `/` stripped, after percent-decoding repeatedly. The Gateway routes
// those variants to the plugin, so a drop-in that refused them would answer less.

/** Upper bound on percent-decoding passes (the Gateway's own bound). */
const MAX_DECODE_PASSES = 32;

export function normalizeRoutePath(path: string): string {
  let p = path.trim();
  if (p.length === 0) return "/";
  if (!p.startsWith("/")) p = `/${p}`;
  if (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
  return p;
}

/** The path part of a request target: query and fragment removed, then normalised. */
export function requestPathOf(target: string): string {
  let end = target.length;
  const q = target.indexOf("?");
  if (q !== -1) end = q;
  const h = target.indexOf("#");
  if (h !== -1 && h < end) end = h;
  return normalizeRoutePath(end === target.length ? target : target.slice(0, end));
}

/**
 * The request target's path as a WHATWG URL parser sees it (the Gateway parses
 * `req.url` against `http://localhost`): dot segments resolved, `\` read as `/`, some
 * characters percent-encoded. Normalised like a route path.
 */
export function urlPathOf(target: string): string {
  try {
    return normalizeRoutePath(new URL(target, "http://localhost").pathname);
  } catch {
    return requestPathOf(target);
  }
}

/**
 * The canonical variant of a normalised path: every percent-decoding pass (at most 32,
 * stopping at malformed encoding) is resolved for dot segments, lower-cased and has
 * repeated and trailing slashes removed; the last distinct result wins.
 */
export function canonicalRoutePath(path: string): string {
  const seen = new Set<string>();
  let canonical = securityForm(path);
  seen.add(canonical);
  let decoded = path;
  for (let pass = 0; pass < MAX_DECODE_PASSES; pass++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      break;
    }
    if (next === decoded) break;
    decoded = next;
    const form = securityForm(decoded);
    // A form seen before is not a new candidate: the last *distinct* one wins.
    if (!seen.has(form)) {
      seen.add(form);
      canonical = form;
    }
  }
  return canonical;
}

function securityForm(path: string): string {
  let resolved = path;
  try {
    resolved = new URL(path, "http://localhost").pathname;
  } catch {
    // keep the path as it is
  }
  const collapsed = resolved.trim().toLowerCase().replace(/\/{2,}/g, "/");
  const stripped = collapsed.length <= 1 ? collapsed : collapsed.replace(/\/+$/, "");
  return stripped || "/";
}
