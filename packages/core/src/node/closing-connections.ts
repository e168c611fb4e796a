// Connections being closed after a refused body. Node keeps parsing what arrives while the
// rest of that body is discarded, so a request pipelined behind it still reaches the host;
// it must not run: its answer can never be sent, yet its write (a created flow) would happen.

const closing = new WeakSet<object>();

/** Marks a socket whose answer asked for `connection: close` over an unread body. */
export function markClosingConnection(socket: object): void {
  closing.add(socket);
}

/** True for a request that arrived on a connection being closed after a refused body. */
export function isClosingConnection(req: { readonly socket?: object | null }): boolean {
  return req.socket != null && closing.has(req.socket);
}
