// Closing a connection whose answer left the request body unread. Destroying the socket
// right after the answer (Node's own close) leaves unread bytes in the kernel, which then
// resets the connection: the reset can overtake the answer, and a client still uploading
// sees a connection error instead of its 413/401. A lingering close (as nginx and the
// Gateway itself do) half-closes the write side, reads and drops the rest of the body, and
// destroys the socket when the client closes or after LINGER_MS.

/** The parts of a socket a lingering close uses. */
export interface NodeSocketLike {
  readonly destroyed?: boolean;
  end(): unknown;
  resume(): unknown;
  destroy(): unknown;
  once(event: "close", listener: () => void): unknown;
  /** How Node's HTTP server closes a socket after a `connection: close` answer. */
  destroySoon?(): unknown;
}

/** The request whose unread body a lingering close discards. */
export interface NodeRequestLike {
  readonly complete?: boolean;
  readonly socket?: NodeSocketLike | null;
  resume?(): unknown;
}

/** How long a connection answered over an unread body may keep sending before it is cut. */
export const LINGER_MS = 1_000;

const lingering = new WeakSet<object>();

/** Closes `socket` the lingering way; its answer is written (or queued ahead of the FIN). */
export function lingerThenClose(req: NodeRequestLike, socket: NodeSocketLike): void {
  if (socket.destroyed || lingering.has(socket)) return;
  lingering.add(socket);
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref?.();
  socket.once("close", () => clearTimeout(timer));
  socket.end();
  // Flowing with no listener: Node parses and drops the body bytes; nothing is buffered.
  req.resume?.();
  socket.resume();
}

/**
 * For a host that writes and ends the answer itself (@hono/node-server): Node's HTTP server
 * closes the connection after a `connection: close` answer, once that answer is finished, with
 * `socket.destroySoon()` (which destroys it as soon as the answer is out). On the socket of a
 * request whose body is still arriving, that close lingers instead.
 */
export function lingerAfterAnswer(req: NodeRequestLike): void {
  const socket = req.socket;
  if (!socket || socket.destroyed || req.complete || !socket.destroySoon) return;
  socket.destroySoon = () => lingerThenClose(req, socket);
}
