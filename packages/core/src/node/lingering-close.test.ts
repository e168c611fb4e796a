import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { uploadFromAnotherThread } from "../testing/uploading-client.js";
import { lingerAfterAnswer } from "./lingering-close.js";

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

/** Refuses every request at once, body unread, ending the answer itself as @hono/node-server does. */
async function refusingServer(): Promise<string> {
  const server = http.createServer((req, res) => {
    lingerAfterAnswer(req);
    res.writeHead(413, { "content-type": "application/json", connection: "close" });
    res.end('{"ok":false,"code":"payload_too_large"}');
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`;
}

describe("lingerAfterAnswer", () => {
  it.each([
    ["chunked", false],
    ["with a declared Content-Length", true],
  ])("a client still uploading (%s) reads the answer its host ended: Node's close of the socket lingers", async (_what, declareLength) => {
    const url = await refusingServer();
    // Without it Node destroys the socket over the unread body and most of these see EPIPE.
    const outcomes = await uploadFromAnotherThread({ url, headers: {}, declareLength, attempts: 4 });
    expect(outcomes.map((o) => ("error" in o ? o.error : [o.status, o.text, o.closed]))).toEqual(
      Array(4).fill([413, '{"ok":false,"code":"payload_too_large"}', true]),
    );
  });
});
