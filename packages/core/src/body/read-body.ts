// Bounded body reading: the byte limit is enforced while streaming (a large body is never
// buffered), the whole read must finish within the timeout, and the timer is cleared on
// every path so nothing lingers after the request.
import type { Clock } from "../ports/clock.js";
import type { NodeReadableLike, RequestBody } from "./request-body.js";

export type BodyReadResult =
  | { ok: true; text: string }
  | { ok: true; parsed: unknown }
  | { ok: false; reason: "too_large" | "timeout" | "aborted" | "invalid_utf8" };

export interface BodyLimits {
  maxBytes: number;
  timeoutMs: number;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

function decode(bytes: Uint8Array): BodyReadResult {
  try {
    return { ok: true, text: decoder.decode(bytes) };
  } catch {
    return { ok: false, reason: "invalid_utf8" };
  }
}

/**
 * Whether the UTF-8 form of `text` has more than `maxBytes` bytes. A UTF-16 code unit takes
 * 1 to 3 bytes (a surrogate pair 4 for its two units, a lone surrogate 3 as U+FFFD), so only
 * a length between maxBytes / 3 and maxBytes needs the bytes counted.
 */
function textBytesOver(text: string, maxBytes: number): boolean {
  if (text.length * 3 <= maxBytes) return false;
  if (text.length > maxBytes) return true;
  return Buffer.byteLength(text, "utf8") > maxBytes;
}

export function readBody(body: RequestBody, limits: BodyLimits, clock: Clock): Promise<BodyReadResult> | BodyReadResult {
  switch (body.kind) {
    case "parsed":
      return { ok: true, parsed: body.value };
    case "text":
      return textBytesOver(body.text, limits.maxBytes) ? { ok: false, reason: "too_large" } : { ok: true, text: body.text };
    case "bytes":
      return body.bytes.byteLength > limits.maxBytes ? { ok: false, reason: "too_large" } : decode(body.bytes);
    case "node":
      return readNodeStream(body.stream, limits, clock);
    case "web":
      return readWebStream(body.stream, limits, clock);
  }
}

function readNodeStream(stream: NodeReadableLike, limits: BodyLimits, clock: Clock): Promise<BodyReadResult> {
  if (stream.readableEnded) return Promise.resolve({ ok: true, text: "" });
  // Destroyed before we got to it (the client already left): no event will ever come.
  if (stream.destroyed === true || stream.readable === false) return Promise.resolve({ ok: false, reason: "aborted" });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;

    const finish = (result: BodyReadResult) => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(timer);
      resolve(result);
    };
    // A failed read leaves bytes unread: stop listening and pulling them (the adapter closes
    // the connection). After "end" nothing more comes; the listeners go with the request.
    const stop = (result: BodyReadResult) => {
      if (settled) return;
      stream.removeListener("data", onData);
      stream.removeListener("end", onEnd);
      stream.removeListener("error", onAbort);
      stream.removeListener("close", onAbort);
      stream.pause?.();
      finish(result);
    };
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
      size += buf.byteLength;
      if (size > limits.maxBytes) return stop({ ok: false, reason: "too_large" });
      chunks.push(buf);
    };
    const onEnd = () => finish(decode(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    // A client leaving mid-body destroys the request: "error" (when listened to) and then
    // "close" follow Node's "aborted", so that one needs no listener of its own.
    const onAbort = () => stop({ ok: false, reason: "aborted" });
    const timer = clock.setTimeout(() => stop({ ok: false, reason: "timeout" }), limits.timeoutMs);

    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("error", onAbort);
    stream.on("close", onAbort);
  });
}

async function readWebStream(
  stream: ReadableStream<Uint8Array>,
  limits: BodyLimits,
  clock: Clock,
): Promise<BodyReadResult> {
  const reader = stream.getReader();
  let timedOut = false;
  const timer = clock.setTimeout(() => {
    timedOut = true;
    reader.cancel().catch(() => {});
  }, limits.timeoutMs);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (timedOut) return { ok: false, reason: "timeout" };
      if (done) break;
      size += value.byteLength;
      if (size > limits.maxBytes) {
        reader.cancel().catch(() => {});
        return { ok: false, reason: "too_large" };
      }
      chunks.push(value);
    }
  } catch {
    return { ok: false, reason: timedOut ? "timeout" : "aborted" };
  } finally {
    clock.clearTimeout(timer);
  }
  return decode(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
}
