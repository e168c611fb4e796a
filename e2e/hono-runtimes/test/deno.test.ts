// The transport kit against the Hono adapter on Deno (the `deno` npm package), over real
// HTTP. Only network permission on loopback: the app reads no file, env or clock beyond that.
import { join } from "node:path";
import { describeRuntime } from "./describe-runtime.js";
import { binaryVersion, freePort, packageDir, pinned } from "./runtime-process.js";

const deno = join(packageDir("deno"), "deno");

describeRuntime({
  name: `Deno ${pinned("deno")}`,
  version: () => binaryVersion("Deno", deno),
  expectVersion: pinned("deno"),
  command: deno,
  // node_modules come from the package.json beside app/; --no-lock: write no deno.lock.
  args: ["run", "--allow-net=127.0.0.1", "--no-prompt", "--no-lock", "app/serve-deno.js"],
  without: {
    "pipelined-after-refusal":
      "Deno.serve sends the Connection: close the adapter sets but keeps the connection: it drains the refused body, then runs and answers the request pipelined behind it; the app has no socket to close",
  },
  snippet: {
    file: "deno.ts",
    async start(secret) {
      const port = await freePort();
      return {
        // The permissions the README gives (`deno serve` allows its own listen address).
        args: ["serve", "--allow-env=WEBHOOK_SECRET", "--port", String(port), "--host", "127.0.0.1", "--no-prompt", "--no-lock", "snippets/deno.ts"],
        env: { WEBHOOK_SECRET: secret },
        url: `http://127.0.0.1:${port}`,
      };
    },
  },
});
