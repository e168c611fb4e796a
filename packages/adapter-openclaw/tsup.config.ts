import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts" },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  target: "node20",
  sourcemap: true,
  // Self-contained: a Gateway loads dist/index.js from wherever the plugin was installed,
  // so the core and valibot are bundled in rather than resolved at load time.
  noExternal: [/^@taskflow-webhooks\//, "valibot"],
});
