// One runtime's suite: the runtime binary from npm at the pinned version, the transport kit
// against the app it serves in a child process, the client address reaching the core, and
// the adapter-hono README's snippet for that runtime, run as written.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTransportConformance, type TransportCase } from "@taskflow-webhooks/core/testing";
import { PACKAGE_DIR, startRuntime, type RuntimeServer, type StartOptions } from "./runtime-process.js";

export interface RuntimeSpec {
  /** e.g. "Bun 1.4.4". */
  name: string;
  /** The binary's `--version` (throws naming what did not install). */
  version(): string;
  /** What `version()` must contain. */
  expectVersion: string;
  /** The child process serving app/ (cwd e2e/hono-runtimes). */
  command: string;
  args: string[];
  /** Kit cases this runtime cannot observe, each with why. */
  without?: Partial<Record<TransportCase, string>>;
  /** The README snippet (snippets/<file>) and how to run it with a secret for route `demo`. */
  snippet: { file: string; start(secret: string): Promise<{ args: string[] } & StartOptions> };
}

const README = readFileSync(join(PACKAGE_DIR, "../../packages/adapter-hono/README.md"), "utf8");
const SNIPPET_SECRET = "readme-snippet-secret-0123456789";

export function describeRuntime(spec: RuntimeSpec): void {
  describe(spec.name, () => {
    let server: RuntimeServer;

    beforeAll(async () => {
      spec.version(); // a missing binary fails every case below with what to install
      server = await startRuntime(spec.name, spec.command, spec.args);
    }, 60_000);
    afterAll(async () => {
      await server?.close();
    });

    it(`runs the npm package's binary at ${spec.expectVersion}`, () => {
      expect(spec.version()).toContain(spec.expectVersion);
    });

    runTransportConformance({
      name: `Hono sub-app on ${spec.name}`,
      // The runtime's app builds the kit's handler itself; the kit reads its state over HTTP.
      start: async () => ({ ...server, close() {} }),
      ...(spec.without && { without: spec.without }),
    });

    it("hands the core the client address from getConnInfo (no unknown-client warning)", async () => {
      const { logs } = await server.state();
      expect(logs.length).toBeGreaterThan(0); // the kit's runs were logged here
      expect(logs.filter((l) => l.message.startsWith("webhook client address unknown"))).toEqual([]);
    });

    describe(`the adapter-hono README's snippet (snippets/${spec.snippet.file})`, () => {
      const text = readFileSync(join(PACKAGE_DIR, "snippets", spec.snippet.file), "utf8").trim();

      it("is in the README as written here", () => {
        expect(README.includes(text), `packages/adapter-hono/README.md lacks snippets/${spec.snippet.file} verbatim`).toBe(true);
      });

      it("serves its route: 200 with the secret, 401 without", async () => {
        const { args, ...options } = await spec.snippet.start(SNIPPET_SECRET);
        const snippet = await startRuntime(`${spec.name} snippet`, spec.command, args, options);
        try {
          const post = (headers: Record<string, string>) =>
            fetch(`${snippet.url}/plugins/webhooks/demo`, {
              method: "POST",
              headers: { "content-type": "application/json", ...headers },
              body: JSON.stringify({ action: "list_flows" }),
            });
          const ok = await post({ authorization: `Bearer ${SNIPPET_SECRET}` });
          expect([ok.status, await ok.json()]).toEqual([200, { ok: true, routeId: "demo", result: { flows: [] } }]);
          expect((await post({})).status).toBe(401);
          // Nothing on stderr but the runtime's own "listening" line (a core warning, e.g. an
          // unknown client address, would be there).
          expect(snippet.stderr().replace(/^(deno serve: Listening on|Started development server).*\n/m, "")).toBe("");
        } finally {
          await snippet.close();
        }
      }, 60_000);
    });
  });
}
