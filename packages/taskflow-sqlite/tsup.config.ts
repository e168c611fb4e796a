import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts" },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  target: "node20",
  sourcemap: true,
  // Keep `node:` on built-in imports: Deno and workerd (nodejs_compat) resolve only those.
  removeNodeProtocol: false,
});
