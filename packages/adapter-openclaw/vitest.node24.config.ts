// The tests that need Node 24's node:sqlite (the Gateway's Node): run with that binary,
// `<node24> node_modules/vitest/vitest.mjs run --config packages/adapter-openclaw/vitest.node24.config.ts`
// (e2e/openclaw/ci.sh does, after installing Node 24). Same aliases as the root config.
import { defineConfig } from "vitest/config";
import root from "../../vitest.config.js";

export default defineConfig({
  resolve: root.resolve,
  test: {
    root: new URL("../..", import.meta.url).pathname,
    include: ["packages/adapter-openclaw/test/node24/**/*.node24.ts"],
    testTimeout: 20_000,
    pool: "forks",
  },
});
