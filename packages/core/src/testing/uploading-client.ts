// A client that uploads a large body without waiting for an answer, the way a real one does,
// from a worker thread: its event loop is not the server's, so a reset the server causes
// reaches it while it is still writing, as it would reach a client in another process. (In
// one event loop the client nearly always reads the answer before its next write can fail,
// so a server that resets would pass.)
import type { IncomingHttpHeaders } from "node:http";
import { Worker } from "node:worker_threads";

export interface UploadSpec {
  url: string;
  headers: Record<string, string>;
  /** Declare the whole length up front (`Content-Length`) instead of sending it chunked. */
  declareLength: boolean;
  /** Uploads in a row, each on its own connection. */
  attempts: number;
}

export type UploadOutcome =
  /** The answer, read whole; `closed`: the server closed the connection after it. */
  | { status: number; headers: IncomingHttpHeaders; text: string; closed: boolean }
  /** What the client saw instead of an answer (ECONNRESET, EPIPE, no answer). */
  | { error: string };

/** Bytes each upload would send in all; the answer (or the reset) comes long before. */
const UPLOAD_BYTES = 64 * 1024 * 1024;
/** Bounds the wait for an answer, then for the close that follows it. */
const ANSWER_BOUND_MS = 10_000;
const CLOSE_BOUND_MS = 2_000;

/** Runs `spec.attempts` uploads from a worker thread; resolves with each one's outcome. */
export function uploadFromAnotherThread(spec: UploadSpec): Promise<UploadOutcome[]> {
  const workerData = { ...spec, total: UPLOAD_BYTES, answerBoundMs: ANSWER_BOUND_MS, closeBoundMs: CLOSE_BOUND_MS };
  // The worker runs uploadingClient's source; what it needs is required there, outside the
  // function (a bundler would rewrite a `require` inside it).
  const program = `const { parentPort, workerData } = require("node:worker_threads");
(${uploadingClient})(workerData, require("node:http").request, (outcomes) => parentPort.postMessage(outcomes));`;
  const worker = new Worker(program, { eval: true, workerData });
  return new Promise((resolve, reject) => {
    worker.once("message", (outcomes: UploadOutcome[]) => (resolve(outcomes), void worker.terminate()));
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the uploading worker exited (${code}) before reporting`)));
  });
}

type WorkerData = UploadSpec & { total: number; answerBoundMs: number; closeBoundMs: number };

/**
 * What the worker runs (its source, so it uses nothing from this module's scope). Writes as
 * fast as the connection takes the bytes, stops at the answer.
 */
function uploadingClient(
  { url, headers, declareLength, attempts, total, answerBoundMs, closeBoundMs }: WorkerData,
  request: typeof import("node:http").request,
  report: (outcomes: UploadOutcome[]) => void,
): void {
  const chunk = Buffer.alloc(64 * 1024, 0x20); // JSON whitespace: only the length matters
  const outcomes: UploadOutcome[] = [];
  const upload = () => {
    if (outcomes.length === attempts) return report(outcomes);
    const req = request(url, { method: "POST", headers: { ...headers, ...(declareLength && { "content-length": String(total) }) }, agent: false });
    let answered = false;
    let settled = false;
    let closed = false;
    const settle = (outcome: UploadOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(bound);
      req.destroy();
      outcomes.push(outcome);
      upload();
    };
    const bound = setTimeout(() => settle({ error: `no answer within ${answerBoundMs} ms` }), answerBoundMs);
    req.on("socket", (socket) => socket.once("close", () => (closed = true)));
    // Once answered, writes still in flight may fail against the closing connection: expected.
    req.on("error", (error: NodeJS.ErrnoException) => answered || settle({ error: error.code ?? error.message }));
    req.on("response", (res) => {
      answered = true;
      let text = "";
      res.setEncoding("utf8").on("data", (part: string) => (text += part));
      res.on("end", () => {
        const done = () => settle({ status: res.statusCode ?? 0, headers: res.headers, text, closed });
        if (closed || !req.socket) return done();
        const wait = setTimeout(done, closeBoundMs);
        req.socket.once("close", () => {
          clearTimeout(wait);
          closed = true;
          done();
        });
      });
    });
    let sent = 0;
    const pump = () => {
      while (!answered && !settled && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
    };
    req.flushHeaders();
    pump();
  };
  upload();
}
