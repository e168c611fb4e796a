// How an adapter hands the core a request body without copying it. The core reads it
// only after authentication, and only up to the route's byte limit.

/** The subset of a Node.js Readable (e.g. IncomingMessage) the reader uses. */
export interface NodeReadableLike {
  on(event: string, listener: (...args: any[]) => void): unknown;
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
  pause?(): unknown;
  readonly readableEnded?: boolean;
  readonly destroyed?: boolean;
  readonly readable?: boolean;
}

export type RequestBody =
  /** Node's own request stream (fastest path on Node). */
  | { kind: "node"; stream: NodeReadableLike }
  /** A Fetch/Web body stream. */
  | { kind: "web"; stream: ReadableStream<Uint8Array> }
  /** Already buffered bytes. */
  | { kind: "bytes"; bytes: Uint8Array }
  /** Already decoded text. */
  | { kind: "text"; text: string }
  /**
   * A value a framework body parser already produced (e.g. `express.json()`). The
   * parser's own size limit applied instead of the route's.
   */
  | { kind: "parsed"; value: unknown };
