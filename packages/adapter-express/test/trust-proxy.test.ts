// `trust proxy: true` over a real Express server: every X-Forwarded-For hop is believed, so
// the caller picks its own limit identity. The adapter warns once per process, saying what
// to set instead.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXPRESS_VERSIONS, PATH, SECRET, startServer, startRequest, type TestServer } from "./support.js";

const [name, express] = EXPRESS_VERSIONS[0]!;

describe(`${name}: trust proxy`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(express, { mount: (app, middleware) => (app.set("trust proxy", true), app.use(middleware)) });
  });
  afterAll(() => server.close());

  it("trust proxy: true warns once, naming the setting to use instead", async () => {
    const body = JSON.stringify({ action: "list_flows" });
    for (let i = 0; i < 3; i++) {
      const reply = await startRequest(server.port, {
        path: PATH,
        headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}`, "x-forwarded-for": `198.51.100.${i}`, "content-length": String(body.length) },
        body,
      }).reply;
      expect(reply.status).toBe(200);
    }
    const warnings = server.logger.lines.filter((l) => l.level === "warn" && l.message.includes("trust proxy"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('app.set("trust proxy", "loopback")');
  });
});
