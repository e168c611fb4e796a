// Child processes in the tests run the current source, bundled with esbuild (the build tool
// tsup already brings), so the tests need no prior `pnpm build`.
import { mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");

interface EsbuildPlugin {
  name: string;
  setup(build: { onResolve(options: { filter: RegExp }, callback: () => { path: string }): void }): void;
}
interface Esbuild {
  build(options: Record<string, unknown> & { plugins?: EsbuildPlugin[] }): Promise<unknown>;
}

export interface StoreBundle {
  /** file: URL of the bundled store module, for `import()` in a child. */
  url: string;
  remove(): void;
}

/** Bundles src/index.ts (core from source) inside the package's node_modules, so better-sqlite3 resolves as in the package. */
export async function bundleStore(): Promise<StoreBundle> {
  const dir = join(packageDir, "node_modules", ".cache", `taskflow-sqlite-test-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const outfile = join(dir, "store.mjs");
  const require = createRequire(import.meta.url);
  const esbuild = createRequire(require.resolve("tsup"))("esbuild") as Esbuild;
  const coreEntry = join(packageDir, "..", "core", "src", "index.ts");
  mkdirSync(dir, { recursive: true });
  await esbuild.build({
    entryPoints: [join(packageDir, "src", "index.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["better-sqlite3"],
    logLevel: "silent",
    plugins: [
      {
        name: "core-from-source",
        setup: (build) => build.onResolve({ filter: /^@taskflow-webhooks\/core$/ }, () => ({ path: coreEntry })),
      },
    ],
  });
  return { url: pathToFileURL(outfile).href, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
