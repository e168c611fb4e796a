// Every TypeScript/JavaScript block of every README in the repository compiles against the
// packages' published types (issue 12): a snippet that names an option the typed config
// rejects, forgets an import or uses an identifier it never defines fails here, with the
// README's file:line. Fragments marked ```ts no-check are listed, and must stay rare.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
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
    const failures = compileSnippets(snippets, root);
    if (failures.length > 0) {
      expect.fail(`${failures.length} diagnostic(s) in README snippets:\n${failures.map((f) => f.message).join("\n")}`);
    }
    const checked = snippets.filter((s) => !s.noCheck);
    console.info(`README snippets: ${checked.length} compiled from ${files.length} READMEs`);
    expect(checked.length).toBeGreaterThan(0);
  });

  it("marks no snippet no-check (every block is complete)", () => {
    // Raise this only with a reason written next to the block in its README.
    expect(snippets.filter((s) => s.noCheck).map((s) => `${s.file}:${s.line}`)).toEqual([]);
  });
});
