// Route paths are compared exactly as operators wrote them, apart from the leading and
// trailing slash: no lower-casing or percent-decoding (that would make two routes collide
// or let one shadow another depending on the host's own decoding).

export function normalizeRoutePath(path: string): string {
  let p = path.trim();
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
