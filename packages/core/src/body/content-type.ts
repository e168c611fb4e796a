// Accepts `application/json` and any `+json` media type; parameters and case are ignored.

export function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  if (value === "application/json") return true; // what nearly every caller sends
  const semi = value.indexOf(";");
  const mediaType = (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase();
  return mediaType === "application/json" || (mediaType.endsWith("+json") && mediaType.includes("/"));
}
