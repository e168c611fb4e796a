// workerd, started the way `wrangler dev` does: the worker bundled by esbuild (workerd
// resolves no node_modules), run by Miniflare's workerd with the nodejs_compat flag on a
// loopback port. Run with Node: `node app/serve-workerd.mjs [entry]` (default: the kit's
// worker.js beside it), bindings as JSON in WORKER_BINDINGS; prints the URL, stops on SIGTERM.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";

const COMPATIBILITY_DATE = "2026-07-30";
const COMPATIBILITY_FLAGS = ["nodejs_compat"];

const bundle = await build({
  entryPoints: [process.argv[2] ? resolve(process.argv[2]) : fileURLToPath(new URL("./worker.js", import.meta.url))],
  bundle: true,
  format: "esm",
  platform: "neutral",
  // nodejs_compat provides the node: built-ins; the rest is bundled.
  external: ["node:*"],
  mainFields: ["module", "main"],
  conditions: ["workerd", "worker", "import"],
  write: false,
  logLevel: "error",
});

const mf = new Miniflare({
  modules: true,
  script: bundle.outputFiles[0].text,
  compatibilityDate: COMPATIBILITY_DATE,
  compatibilityFlags: COMPATIBILITY_FLAGS,
  host: "127.0.0.1",
  port: 0,
  bindings: JSON.parse(process.env.WORKER_BINDINGS ?? "{}"),
});
const url = await mf.ready;
console.log(`listening ${url.origin}`);
const stop = () => void mf.dispose().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
