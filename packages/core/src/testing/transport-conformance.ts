// The transport conformance kit: the cases every entry point (node:http, Hono on any
// runtime, Express, the standalone server, the Gateway route) must answer alike, sent over
// real HTTP from this process. The adapter under test only mounts the kit's handler
// (transport-kit-handler.ts) in its host and hands back a URL; what the core decides is
// pinned by the core's own tests, what an adapter can get wrong is pinned here: the status
// and JSON envelope reaching the wire, headers, closing a connection whose body was left
// unread (never running a request pipelined behind it, and not before a client still
// uploading has read its answer), not waiting for body bytes
// before auth, releasing a slot when the client leaves,
// a JSON 500 with a correlation id (and no stack on stderr) whatever throws, and paths
// that are not routes left to the host.
import { Agent, request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from "node:http";
import { connect } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { WebhookHandler } from "../handler.js";
import type { LogFields, Logger } from "../ports/logger.js";
import { ERROR_CODES, type ErrorCode } from "../errors/codes.js";
import { createTransportKitHandler, KIT_ROUTES, KIT_SECRET, kitPath } from "./transport-kit-handler.js";
import { uploadFromAnotherThread } from "./uploading-client.js";

export interface TransportLogLine {
  level: string;
  message: string;
  fields?: LogFields | undefined;
}

export interface TransportKitTarget {
  /** Mount this handler the way users of the adapter do. */
  handler: WebhookHandler;
  /** Where the adapter's own errors go (its `logger` option); records what it gets. */
  logger: Logger;
}

export interface TransportKitServer {
  /** Base URL, e.g. `http://127.0.0.1:43123`. */
  url: string;
  close(): void | Promise<void>;
  /** Log lines written so far, for a server in another process. Default: what `logger` got. */
  logs?(): TransportLogLine[] | Promise<TransportLogLine[]>;
  /** Everything the server wrote to stderr so far. Default: this process's stderr and console. */
  stderr?(): string | Promise<string>;
  /** The handler's in-flight count, for a server in another process. Default: `target.handler.inFlight()`. */
  inFlight?(): number | Promise<number>;
}

/**
 * Cases a transport may leave out, each for a reason it must name:
 * - `in-flight-count`: reading `handler.inFlight()` (or `server.inFlight()`) back to 0
 *   after a client left mid-body; the freed slot is still checked over HTTP.
 * - `socket-close`: that the server closed the socket after a chunked body cut off at the
 *   limit; the 413 and its cut-off are still checked.
 * - `pipelined-after-refusal`: that a request pipelined behind a body refused unread never
 *   runs; the case is then not registered.
 * - `connection-close`: the `Connection: close` header on answers that leave a body unread
 *   (405 with a body, 401/413 before the body, 413 mid-body, 408, a 500 before the body),
 *   for a host that owns the connection and drops that header (workerd does); the socket
 *   must then close after those answers instead. Every other expectation of those cases stays.
 * - `reset-while-uploading`: that a client still uploading past the body limit at full speed
 *   reads its 413 rather than a connection reset, for a host that closes the connection at
 *   once after such an answer and leaves the app no socket to linger on; the case is then
 *   not registered.
 */
export type TransportCase = "in-flight-count" | "socket-close" | "pipelined-after-refusal" | "connection-close" | "reset-while-uploading";

export interface TransportConformanceOptions {
  name: string;
  /** Starts a real listening server (loopback, port 0) around `target.handler`. */
  start(target: TransportKitTarget): Promise<TransportKitServer>;
  /**
   * Cases this transport cannot observe, with why (e.g. a handler in another process has
   * no `inFlight()` to read). The behaviour behind them is still checked over HTTP.
   */
  without?: Partial<Record<TransportCase, string>>;
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
  /** The server closed the connection after answering. */
  closed: boolean;
}

interface Sent {
  request: ClientRequest;
  reply: Promise<Reply>;
}

/** A server that waited for a held body would not answer within this bound. */
const ANSWER_BOUND_MS = 10_000;

export function runTransportConformance(options: TransportConformanceOptions): void {
  describe(`transport conformance: ${options.name}`, () => {
    const lines: TransportLogLine[] = [];
    const record = (level: string) => (message: string, fields?: LogFields) => void lines.push({ level, message, fields });
    const logger: Logger = { info: record("info"), warn: record("warn"), error: record("error") };
    let handler: WebhookHandler;
    let server: TransportKitServer;
    let stderrWrites: string[] = [];

    beforeAll(async () => {
      handler = createTransportKitHandler({ logger });
      server = await options.start({ handler, logger });
    });
    afterAll(async () => {
      await server?.close();
    });
    beforeEach(() => {
      stderrWrites = [];
      const keep = (...args: unknown[]) => void stderrWrites.push(args.map(String).join(" "));
      vi.spyOn(process.stderr, "write").mockImplementation((chunk: unknown) => (keep(chunk), true));
      vi.spyOn(console, "error").mockImplementation(keep);
      vi.spyOn(console, "warn").mockImplementation(keep);
    });
    afterEach(() => {
      vi.restoreAllMocks();
    });

    /** The connection ends after this answer (a body was left unread): said, or at least done. */
    const expectClose = (reply: Reply) => {
      // Among the header's options (Deno adds its own `close` when it gives up on a body).
      if (!options.without?.["connection-close"]) expect(reply.headers.connection?.split(/\s*,\s*/)).toContain("close");
      else expect(reply.closed, "the server closed the connection").toBe(true);
    };
    const url = (id: string, suffix = "") => `${server.url}${kitPath(id)}${suffix}`;
    const logs = async () => (server.logs ? await server.logs() : lines);
    const stderr = async () => (server.stderr ? await server.stderr() : stderrWrites.join(""));
    const send = (id: string, init: SendInit = {}) => sendRaw(url(id, init.suffix), init);
    const list = (id: string, headers: Record<string, string> = {}) =>
      send(id, { body: JSON.stringify({ action: "list_flows" }), headers }).reply;

    describe("rejections: status and JSON envelope", () => {
      it("405 method_not_allowed with Allow: POST; a body sent along is left unread (connection: close)", async () => {
        const reply = await send(KIT_ROUTES.plain, { method: "PUT", body: "{}", endsConnection: true }).reply;
        expectFailure(reply, "method_not_allowed");
        expect(reply.headers.allow).toBe("POST");
        expectClose(reply);
        const get = await send(KIT_ROUTES.plain, { method: "GET" }).reply;
        expectFailure(get, "method_not_allowed");
        expect(get.headers.allow).toBe("POST");
      });

      it("415 unsupported_media_type for a body that is not JSON", async () => {
        const reply = await send(KIT_ROUTES.plain, { body: "a=1", headers: { "content-type": "text/plain" } }).reply;
        expectFailure(reply, "unsupported_media_type");
      });

      it("401 unauthorized, the same answer for a wrong and a missing secret; x-openclaw-webhook-secret works", async () => {
        const wrong = await list(KIT_ROUTES.plain, { authorization: "Bearer wrong" });
        const missing = await list(KIT_ROUTES.plain, { authorization: "" });
        expectFailure(wrong, "unauthorized");
        expect(missing.text).toBe(wrong.text);
        expect(missing.status).toBe(401);
        const viaHeader = await list(KIT_ROUTES.plain, { authorization: "", "x-openclaw-webhook-secret": KIT_SECRET });
        expect(viaHeader.status).toBe(200);
      });

      it("400 invalid_json and invalid_request reach the client as envelopes", async () => {
        expectFailure(await send(KIT_ROUTES.plain, { body: "{nope" }).reply, "invalid_json");
        const invalid = await send(KIT_ROUTES.plain, { body: JSON.stringify({ action: "fly" }) }).reply;
        expectFailure(invalid, "invalid_request");
      });

      it("a success is JSON with RateLimit-* headers and keeps the connection open", async () => {
        const reply = await list(KIT_ROUTES.plain);
        expect(reply.status).toBe(200);
        expect(reply.headers["content-type"]).toBe("application/json; charset=utf-8");
        expect(reply.json).toEqual({ ok: true, routeId: KIT_ROUTES.plain, result: { flows: [] } });
        expect(reply.headers["ratelimit-limit"]).toBe("100000");
        expect(Number(reply.headers["ratelimit-remaining"])).toBeGreaterThan(0);
        expect(reply.headers.connection).not.toBe("close");
      });
    });

    describe("authentication before the body", () => {
      it("401 while the announced body is still held back: no body byte was waited for, connection: close", async () => {
        const held = send(KIT_ROUTES.plain, { headers: { authorization: "Bearer wrong", "content-length": "100" }, hold: true, endsConnection: true });
        const reply = await held.reply;
        held.request.destroy();
        expectFailure(reply, "unauthorized");
        expectClose(reply);
      });

      it("413 for an announced Content-Length over the limit, answered before the body arrives, connection closed", async () => {
        const held = send(KIT_ROUTES.smallBody, { headers: { "content-length": "5000" }, hold: true, endsConnection: true });
        const reply = await held.reply;
        held.request.destroy();
        expectFailure(reply, "payload_too_large", KIT_ROUTES.smallBody);
        expectClose(reply);
      });

      // Opting out names the reason (`without`); the case is then not registered at all.
      if (!options.without?.["pipelined-after-refusal"]) it("a request pipelined behind a body refused unread never runs (its answer could never be sent)", async () => {
        const goal = `pipelined behind a 401 ${Math.random()}`;
        const create = JSON.stringify({ action: "create_flow", goal });
        const { host, hostname, port } = new URL(server.url);
        const request = (secret: string, body: string) =>
          `POST ${kitPath(KIT_ROUTES.plain)} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n` +
          `Authorization: Bearer ${secret}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
        const answer = await rawExchange(hostname.replace(/^\[|\]$/g, ""), Number(port), request("wrong", '{"pad":"0123456789"}') + request(KIT_SECRET, create));
        expect(answer).toMatch(/^HTTP\/1\.1 401 /);
        expect(answer.match(/HTTP\/1\.1 \d{3}/g)).toHaveLength(1);
        expect((await list(KIT_ROUTES.plain)).text).not.toContain(goal);
      });
    });

    describe("body limits while reading", () => {
      it("413 for a chunked body that grows past the limit: cut off soon after it, connection closed", async () => {
        const sending = send(KIT_ROUTES.smallBody, { hold: true, chunked: true, endsConnection: true });
        let answered = false;
        void sending.reply.then(() => (answered = true), () => (answered = true));
        sending.request.write('{"action":"create_flow","goal":"');
        let sent = 0;
        while (!answered && sent < 4 * 1024 * 1024) {
          sending.request.write("x".repeat(512));
          sent += 512;
          await pause(2);
        }
        const reply = await sending.reply;
        sending.request.destroy();
        expectFailure(reply, "payload_too_large", KIT_ROUTES.smallBody);
        expectClose(reply);
        expect(sent).toBeLessThan(2 * 1024 * 1024);
        if (!options.without?.["socket-close"]) expect(reply.closed).toBe(true);
      });

      // A client that streams without waiting for an answer: a server that closes over the
      // unread rest of the body makes the kernel reset the connection, and that reset can
      // overtake the 413 (the client sees ECONNRESET or EPIPE). Several uploads, since one
      // may be read in time by luck.
      if (!options.without?.["reset-while-uploading"]) it.each([
        ["a chunked body", false],
        ["a body whose declared Content-Length is over the limit", true],
      ])("a client still uploading %s at full speed reads its 413, not a connection reset", async (_what, declareLength) => {
        const outcomes = await uploadFromAnotherThread({ url: url(KIT_ROUTES.smallBody), headers: kitHeaders(), declareLength, attempts: 8 });
        expect(outcomes.map((o) => ("error" in o ? o.error : o.status))).toEqual(Array(8).fill(413));
        for (const outcome of outcomes) {
          if ("error" in outcome) continue; // none: all were 413
          const reply = { ...outcome, json: parseJson(outcome.text) };
          expectFailure(reply, "payload_too_large", KIT_ROUTES.smallBody);
          expectClose(reply);
        }
      });

      it("408 body_timeout when the client stalls mid-body, connection: close", async () => {
        const body = JSON.stringify({ action: "create_flow", goal: "stalled" });
        const stalled = send(KIT_ROUTES.slowBody, { body: body.slice(0, 10), headers: { "content-length": String(body.length) }, hold: true, endsConnection: true });
        const reply = await stalled.reply;
        stalled.request.destroy();
        expectFailure(reply, "body_timeout", KIT_ROUTES.slowBody);
        expectClose(reply);
      });
    });

    describe("limits", () => {
      it("429 rate_limited with Retry-After and RateLimit-* once the window is used up", async () => {
        const first = await list(KIT_ROUTES.rateLimited);
        expect(first.status).toBe(200);
        expect(first.headers["ratelimit-limit"]).toBe("2");
        expect(first.headers["ratelimit-remaining"]).toBe("1");
        expect((await list(KIT_ROUTES.rateLimited)).headers["ratelimit-remaining"]).toBe("0");
        const limited = await list(KIT_ROUTES.rateLimited);
        expectFailure(limited, "rate_limited");
        expect(Number(limited.headers["retry-after"])).toBeGreaterThanOrEqual(1);
        expect(limited.headers["ratelimit-limit"]).toBe("2");
        expect(limited.headers["ratelimit-remaining"]).toBe("0");
        expect(Number(limited.headers["ratelimit-reset"])).toBeGreaterThan(0);
      });

      it("429 too_many_in_flight with Retry-After: 1 while the slot is held; the slot is free once that request ends", async () => {
        const body = JSON.stringify({ action: "list_flows" });
        const slow = send(KIT_ROUTES.oneSlot, { body: body.slice(0, 5), headers: { "content-length": String(body.length) }, hold: true });
        const refused = await eventually(() => list(KIT_ROUTES.oneSlot), (r) => r.status === 429);
        expectFailure(refused, "too_many_in_flight");
        expect(refused.headers["retry-after"]).toBe("1");
        slow.request.end(body.slice(5));
        expect((await slow.reply).status).toBe(200);
        expect((await list(KIT_ROUTES.oneSlot)).status).toBe(200);
      });

      it("a client that leaves mid-body frees its in-flight slot", async () => {
        const body = JSON.stringify({ action: "list_flows" });
        const leaving = send(KIT_ROUTES.disconnect, { body: body.slice(0, 5), headers: { "content-length": String(body.length) }, hold: true });
        leaving.reply.catch(() => {});
        // The slot is taken once a second request is refused for it.
        await eventually(() => list(KIT_ROUTES.disconnect), (r) => r.status === 429);
        leaving.request.destroy();
        const after = await eventually(() => list(KIT_ROUTES.disconnect), (r) => r.status !== 429);
        expect(after.status).toBe(200);
        const inFlight = async () => (server.inFlight ? await server.inFlight() : handler.inFlight());
        if (!options.without?.["in-flight-count"]) await eventually(inFlight, (n) => n === 0);
      });
    });

    describe("whatever throws: a JSON 500 with a correlation id, logged, nothing on stderr", () => {
      // [what throws, route, whether the body is still unread when it does]
      const cases: Array<[string, string, boolean]> = [
        ["a TaskFlow runtime that throws", KIT_ROUTES.runtimeThrows, false],
        ["a logger that throws while reporting a runtime failure", KIT_ROUTES.loggerThrows, false],
        ["a throw between the adapter and the core", KIT_ROUTES.adapterThrows, true],
      ];
      it.each(cases)("%s", async (_what, id, unread) => {
        const before = (await logs()).length;
        const stderrBefore = (await stderr()).length;
        const reply = await send(id, { body: JSON.stringify({ action: "create_flow", goal: "g" }), endsConnection: unread }).reply;
        expect(reply.status).toBe(500);
        expect(reply.headers["content-type"]).toBe("application/json; charset=utf-8");
        expect(reply.json).toMatchObject({ ok: false, code: "internal_error", error: ERROR_CODES.internal_error.error, result: {} });
        const correlationId = reply.json.correlationId;
        expect(correlationId).toEqual(expect.any(String));
        expect(reply.text).not.toMatch(/kit\)|exploded|stack|at /);
        // A body left unread must not be parsed as the next request on the connection.
        if (unread) expectClose(reply);
        const logged = await eventually(logs, (all) => all.slice(before).some((l) => l.fields?.correlationId === correlationId));
        const line = logged.slice(before).find((l) => l.fields?.correlationId === correlationId)!;
        expect(line.level).toBe("error");
        expect(JSON.stringify(line)).not.toMatch(/exploded|unreachable|glue failed|must not leak/);
        expect((await stderr()).slice(stderrBefore)).toBe("");
        // The server is still answering.
        expect((await list(KIT_ROUTES.plain)).status).toBe(200);
      });
    });

    describe("a limiter store that throws", () => {
      it("is answered by the default policy (allow, no RateLimit-* headers), with a warning and nothing on stderr", async () => {
        const before = (await logs()).length;
        const stderrBefore = (await stderr()).length;
        const reply = await list(KIT_ROUTES.storeThrows);
        expect(reply.status).toBe(200);
        expect(reply.json).toEqual({ ok: true, routeId: KIT_ROUTES.storeThrows, result: { flows: [] } });
        expect(reply.headers["ratelimit-limit"]).toBeUndefined();
        await eventually(logs, (all) => all.slice(before).some((l) => l.level === "warn" && l.fields?.routeId === KIT_ROUTES.storeThrows));
        expect((await stderr()).slice(stderrBefore)).toBe("");
      });
    });

    describe("the host keeps what is not ours", () => {
      it("paths that are not webhook routes fall through to the host's own answer", async () => {
        for (const path of ["/plugins/webhooks/not-a-route", "/elsewhere", "/"]) {
          const reply = await sendRaw(`${server.url}${path}`, { body: JSON.stringify({ action: "list_flows" }) }).reply;
          expect([path, reply.status]).toEqual([path, 404]);
          expect(reply.json?.code).toBeUndefined();
        }
      });

      it("a query string does not change the route", async () => {
        expect((await send(KIT_ROUTES.plain, { suffix: "?source=kit", body: JSON.stringify({ action: "list_flows" }) }).reply).status).toBe(200);
      });
    });
  });
}

function expectFailure(reply: Reply, code: ErrorCode, routeId?: string): void {
  expect(reply.status).toBe(ERROR_CODES[code].status);
  expect(reply.headers["content-type"]).toBe("application/json; charset=utf-8");
  expect(reply.json).toMatchObject({ ok: false, code, error: expect.any(String), result: expect.anything() });
  if (routeId !== undefined) expect(reply.json.routeId).toBe(routeId);
  if (code === "unauthorized") expect(reply.json).toEqual({ ok: false, code, error: ERROR_CODES.unauthorized.error, result: {} });
}

interface SendInit {
  method?: string;
  suffix?: string;
  /** Merged over the kit's JSON content type and valid bearer secret; "" removes one. */
  headers?: Record<string, string>;
  body?: string;
  /** Leave the request open after the headers (and `body`). */
  hold?: boolean;
  /** No Content-Length: the body is chunked. */
  chunked?: boolean;
  /** The answer should end the connection: wait (bounded) for the close even without `connection: close`. */
  endsConnection?: boolean;
}

/** Writes raw bytes on one connection; resolves with everything read once the server closes it. */
function rawExchange(host: string, port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let answer = "";
    const bound = setTimeout(() => (socket.destroy(), reject(new Error(`the server kept ${host}:${port} open past ${ANSWER_BOUND_MS} ms after a refusal`))), ANSWER_BOUND_MS);
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => (answer += chunk));
    socket.on("error", () => {});
    socket.on("close", () => (clearTimeout(bound), resolve(answer)));
    socket.on("connect", () => socket.write(bytes, "latin1"));
  });
}

/** The kit's JSON content type and valid bearer secret. */
const kitHeaders = (): Record<string, string> => ({ "content-type": "application/json", authorization: `Bearer ${KIT_SECRET}` });

/** One request on its own connection; `reply` settles once the whole answer is read. */
function sendRaw(url: string, init: SendInit): Sent {
  const headers = kitHeaders();
  if (init.body !== undefined && !init.hold && !init.chunked) headers["content-length"] = String(Buffer.byteLength(init.body));
  for (const [name, value] of Object.entries(init.headers ?? {})) {
    if (value === "") delete headers[name];
    else headers[name] = value;
  }
  // Keep-alive, so a `connection: close` in the answer is the server's choice, not an echo.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const request = httpRequest(url, { method: init.method ?? "POST", headers, agent });
  const reply = new Promise<Reply>((resolve, reject) => {
    let answered = false;
    let closed = false;
    const bound = setTimeout(() => {
      request.destroy();
      agent.destroy();
      reject(new Error(`no answer from ${url} within ${ANSWER_BOUND_MS} ms (did the server wait for body bytes?)`));
    }, ANSWER_BOUND_MS);
    request.on("socket", (socket) => socket.once("close", () => (closed = true)));
    // Once answered, writes still in flight may fail against a closed socket: expected.
    request.on("error", (error) => (answered ? undefined : (clearTimeout(bound), agent.destroy(), reject(error))));
    request.on("response", (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", () => {});
      res.on("end", () => {
        clearTimeout(bound);
        const text = Buffer.concat(chunks).toString("utf8");
        const done = () => (agent.destroy(), resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parseJson(text), closed }));
        const socket = request.socket;
        if (closed || !socket || (res.headers.connection !== "close" && !init.endsConnection)) return done();
        // Asked to close (or expected to): give the server a moment to do so before reporting.
        const wait = setTimeout(done, 2_000);
        socket.once("close", () => {
          clearTimeout(wait);
          closed = true;
          done();
        });
      });
    });
  });
  if (init.body !== undefined) request.write(init.body);
  if (init.hold || init.chunked) request.flushHeaders();
  else request.end();
  return { request, reply };
}

function parseJson(text: string): any {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries `probe` until `done` holds (bounded): for state another connection changes. */
async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, attempts = 200): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < attempts; i++) {
    last = await probe();
    if (done(last)) return last;
    await pause(25);
  }
  throw new Error(`condition not reached; last value: ${JSON.stringify(last)}`);
}
