// The transport kit against the Hono adapter on Bun (the `bun` npm package), over real HTTP.
import { join } from "node:path";
import { describeRuntime } from "./describe-runtime.js";
import { binaryVersion, freePort, packageDir, pinned } from "./runtime-process.js";

const bun = join(packageDir("bun"), "bin", "bun.exe");

describeRuntime({
  name: `Bun ${pinned("bun")}`,
  version: () => binaryVersion("Bun", bun),
  expectVersion: pinned("bun"),
  command: bun,
  // --no-install: resolve from node_modules only, never fetch a missing package.
  args: ["--no-install", "app/serve-bun.js"],
  without: {
    "reset-while-uploading":
      "Bun.serve closes the connection at once after answering over a body still arriving, so a client still uploading often sees EPIPE/ECONNRESET before the 413; the app has no socket to linger on",
  },
  snippet: {
    file: "bun.ts",
    async start(secret) {
      const port = await freePort();
      return { args: ["--no-install", "snippets/bun.ts"], env: { WEBHOOK_SECRET: secret, PORT: String(port) }, url: `http://127.0.0.1:${port}` };
    },
  },
});
