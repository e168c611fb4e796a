import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts" },
  format: ["esm", "cjs"],
  // Types of the bundled core are inlined too (from its sources, so its own type chunks
  // come along): nothing in dist refers to a package the tarball does not ship.
  dts: {
    resolve: [/^@taskflow-webhooks\//],
    compilerOptions: { paths: { "@taskflow-webhooks/core": ["../core/src/index.ts"] } },
  },
  clean: true,
  target: "node20",
  sourcemap: true,
  // Keep `node:` on built-in imports: Deno and workerd (nodejs_compat) resolve only those.
  removeNodeProtocol: false,
  // Self-contained: a Gateway loads dist/index.js from wherever the plugin was installed,
  // so the core and valibot are bundled in rather than resolved at load time.
  noExternal: [/^@taskflow-webhooks\//, "valibot"],
});
