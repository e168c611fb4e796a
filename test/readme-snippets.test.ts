// Every TypeScript/JavaScript block of every README in the repository compiles against the
// packages' published types (issue 12): a snippet that names an option the typed config
// rejects, forgets an import or uses an identifier it never defines fails here, with the
// README's file:line. Fragments marked ```ts no-check are listed, and must stay rare.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { stalePackages } from "../scripts/build-if-stale.mjs";
import { compileSnippets } from "./readme-snippets/compile-snippets.js";
import { extractSnippets } from "./readme-snippets/extract-snippets.js";

const root = fileURLToPath(new URL("..", import.meta.url));

/** README.md files of the repository, without node_modules, build output or dot-directories. */
function readmes(dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name.startsWith(".") || entry.name === "node_modules" || entry.name === "dist" ? [] : readmes(full);
    return entry.name === "README.md" ? [path.relative(root, full)] : [];
  });
}

const files = readmes();
const snippets = files.flatMap((file) => extractSnippets(readFileSync(path.join(root, file), "utf8"), file));

describe("README snippets", () => {
  it("finds every ts/js fence of every README (the parser and a plain line scan agree)", () => {
    // A cross-check of the extractor on the real files: a block it misses is never compiled.
    const opening = /^\s*(`{3,}|~{3,})\s*(ts|typescript|mts|js|javascript|mjs)(\s|$)/i;
    for (const file of files) {
      const fences = readFileSync(path.join(root, file), "utf8").split("\n").filter((line) => opening.test(line)).length;
      expect(snippets.filter((s) => s.file === file).length, file).toBe(fences);
    }
    expect(files).toContain("README.md");
    expect(files).toContain(path.join("packages", "core", "README.md"));
  });

  it("compile with tsc (strict, NodeNext) against the built packages", { timeout: 120_000 }, () => {
    // The snippets see the packages' dist/*.d.ts, as users do: old types would check old docs.
    expect(stalePackages(), "packages whose dist is missing or older than src: run `pnpm build` first").toEqual([]);
    const failures = compileSnippets(snippets, root);
    if (failures.length > 0) {
      expect.fail(`${failures.length} diagnostic(s) in README snippets:\n${failures.map((f) => f.message).join("\n")}`);
    }
    const skipped = snippets.filter((s) => s.noCheck);
    console.info(
      `README snippets: ${snippets.length - skipped.length} compiled from ${files.length} READMEs, ${skipped.length} no-check` +
        skipped.map((s) => `\n  ${s.file}:${s.line} (${s.noCheckReason})`).join(""),
    );
    expect(snippets.length - skipped.length).toBeGreaterThan(0);
  });

  it("skips a block (```ts no-check <reason>) only with a reason in its fence", () => {
    // Complete snippets are the rule; a block that cannot compile here (a runtime's own
    // globals, such as Bun's, have no types in this repository) says why.
    expect(snippets.filter((s) => s.noCheck && s.noCheckReason === "").map((s) => `${s.file}:${s.line}`)).toEqual([]);
  });
});
