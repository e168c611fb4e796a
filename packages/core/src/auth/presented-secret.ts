// Which secret did the caller present? `Authorization: Bearer <token>` wins whenever the
// header is a Bearer header, even with an empty token; otherwise the dedicated header.
// Query strings and bodies are never consulted.

const BEARER = /^bearer\s/i;

export function presentedSecret(header: (name: string) => string | undefined): string {
  const authorization = header("authorization");
  if (authorization !== undefined && BEARER.test(authorization)) {
    return authorization.slice(7).trim();
  }
  return header("x-openclaw-webhook-secret")?.trim() ?? "";
}
