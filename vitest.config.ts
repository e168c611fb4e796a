import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (p: string) => fileURLToPath(new URL(`./packages/${p}`, import.meta.url));

// Tests import workspace packages from source, so `vitest` needs no build for unit tests.
// Tests that spawn the CLI as a child process use the built dist (`pnpm test` builds first).
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@taskflow-webhooks\/core\/testing$/, replacement: src("core/src/testing/index.ts") },
      { find: /^@taskflow-webhooks\/core$/, replacement: src("core/src/index.ts") },
      { find: /^@taskflow-webhooks\/adapter-hono$/, replacement: src("adapter-hono/src/index.ts") },
      { find: /^@taskflow-webhooks\/adapter-express$/, replacement: src("adapter-express/src/index.ts") },
      { find: /^@taskflow-webhooks\/adapter-openclaw$/, replacement: src("adapter-openclaw/src/index.ts") },
      { find: /^@taskflow-webhooks\/taskflow-sqlite$/, replacement: src("taskflow-sqlite/src/index.ts") },
      { find: /^@taskflow-webhooks\/taskflow-postgres$/, replacement: src("taskflow-postgres/src/index.ts") },
      { find: /^@taskflow-webhooks\/limiter-redis$/, replacement: src("limiter-redis/src/index.ts") },
    ],
  },
  test: {
    include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts", "examples/*/**/*.test.ts", "test/**/*.test.ts", "e2e/*/test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
