// readBody on Node's own request stream, over a real loopback connection: what a host
// relies on is the text of a complete body, "aborted" when the client leaves mid-body, and
// no body timer left behind on any of these paths.
import http, { type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { createManualClock } from "../testing/manual-clock.js";
import { readBody } from "./read-body.js";

const limits = { maxBytes: 64, timeoutMs: 10_000 };
const servers: http.Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A server that hands each request to `onRequest` and answers once it settles. */
async function serve(onRequest: (req: IncomingMessage) => Promise<unknown>): Promise<number> {
  const server = http.createServer((req, res) => void onRequest(req).then(() => res.end("done")));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** Starts reading each request's body; `arrived` settles once a read has started. */
async function serveReads(clock: ReturnType<typeof createManualClock>) {
  let reading: Promise<unknown> | undefined;
  let started!: () => void;
  const arrived = new Promise<void>((resolve) => (started = resolve));
  const port = await serve((req) => {
    reading = Promise.resolve(readBody({ kind: "node", stream: req }, limits, clock));
    started();
    return reading;
  });
  return { port, arrived, result: () => reading };
}

function rawClient(port: number, head: string): net.Socket {
  const socket = net.connect(port, "127.0.0.1");
  socket.on("error", () => {});
  socket.write(head);
  return socket;
}

describe("readBody, node kind", () => {
  it("gives the text of a complete body, with no timer left", async () => {
    const clock = createManualClock();
    let read: unknown;
    const port = await serve(async (req) => (read = await readBody({ kind: "node", stream: req }, limits, clock)));
    const body = '{"action":"list_flows"}';
    const res = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body });
    expect(await res.text()).toBe("done");
    expect(read).toEqual({ ok: true, text: body });
    expect(clock.pendingTimers()).toBe(0);
  });

  it("answers aborted when the client leaves mid-body, with no timer left", async () => {
    const clock = createManualClock();
    const { port, arrived, result } = await serveReads(clock);
    const socket = rawClient(port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n{\"action\":");
    await arrived;
    socket.destroy();
    expect(await result()).toEqual({ ok: false, reason: "aborted" });
    expect(clock.pendingTimers()).toBe(0);
  });

  it("stops reading a body past the limit: too_large, paused, no data listener, no timer", async () => {
    const clock = createManualClock();
    let stream: IncomingMessage | undefined;
    let reading: Promise<unknown> | undefined;
    let settled!: () => void;
    const done = new Promise<void>((resolve) => (settled = resolve));
    const port = await serve((req) => {
      stream = req;
      reading = Promise.resolve(readBody({ kind: "node", stream: req }, limits, clock)).finally(settled);
      return reading;
    });
    const chunk = " ".repeat(100);
    rawClient(port, `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    await done;
    expect(await reading).toEqual({ ok: false, reason: "too_large" });
    expect(stream!.isPaused()).toBe(true);
    expect(stream!.listenerCount("data")).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("times out a body that stops arriving", async () => {
    const clock = createManualClock();
    const { port, arrived, result } = await serveReads(clock);
    rawClient(port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n{\"action\":");
    await arrived;
    clock.advance(limits.timeoutMs);
    expect(await result()).toEqual({ ok: false, reason: "timeout" });
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe("readBody, text kind", () => {
  it("refuses a text exactly when its UTF-8 bytes exceed the limit", () => {
    const clock = createManualClock();
    const unit = fc.constantFrom("a", "é", "€", "😀", "\ud800", "\udfff");
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 40 }), fc.nat(170), (units, maxBytes) => {
        const text = units.join("");
        const read = readBody({ kind: "text", text }, { maxBytes, timeoutMs: 1000 }, clock);
        expect(read).toEqual(Buffer.byteLength(text, "utf8") > maxBytes ? { ok: false, reason: "too_large" } : { ok: true, text });
      }),
      { numRuns: 2000 },
    );
  });
});
