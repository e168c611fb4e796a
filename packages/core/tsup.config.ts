import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    testing: "src/testing/index.ts",
    // The transport kit's handler alone, free of vitest: what a Bun, Deno or workerd app serves.
    "transport-kit": "src/testing/transport-kit-handler.ts",
    otel: "src/otel/index.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  target: "node20",
  sourcemap: true,
  // Keep `node:` on built-in imports: Deno and workerd (nodejs_compat) resolve only those.
  removeNodeProtocol: false,
  external: ["vitest", "fast-check", "@opentelemetry/api"],
});
