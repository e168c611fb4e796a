// The transport kit against the Hono adapter on workerd (the `workerd` npm package that the
// pinned `miniflare` runs, compatibility flag nodejs_compat), over real HTTP.
import { createRequire } from "node:module";
import { join } from "node:path";
import { describeRuntime } from "./describe-runtime.js";
import { binaryVersion, packageDir, pinned } from "./runtime-process.js";

// The workerd that Miniflare resolves, and so runs.
const fromMiniflare = createRequire(join(packageDir("miniflare"), "package.json"));
const workerd = fromMiniflare("workerd") as { default: string; version: string };

describeRuntime({
  name: `workerd ${workerd.version} (Miniflare ${pinned("miniflare")})`,
  version: () => binaryVersion("workerd", workerd.default),
  // workerd 1.YYYYMMDD.n prints `workerd YYYY-MM-DD`.
  expectVersion: workerd.version.replace(/^1\.(\d{4})(\d{2})(\d{2})\.\d+$/, "$1-$2-$3"),
  command: process.execPath,
  args: ["app/serve-workerd.mjs"],
  without: {
    "connection-close":
      "workerd drops the Connection header a worker sets; it closes the socket itself after such an answer, which the kit checks instead",
    "reset-while-uploading":
      "workerd closes the connection at once after answering over a body still arriving, so a client still uploading sometimes sees ECONNRESET before the 413; the worker has no socket to linger on",
  },
  snippet: {
    file: "worker.ts",
    start: async (secret) => ({ args: ["app/serve-workerd.mjs", "snippets/worker.ts"], env: { WORKER_BINDINGS: JSON.stringify({ WEBHOOK_SECRET: secret }) } }),
  },
});
