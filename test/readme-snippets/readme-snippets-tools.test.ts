// The extractor finds exactly the blocks a Markdown renderer shows as ts/js, and the
// compiler reports a wrong snippet at its Markdown file:line (the suite depends on both to
// be able to fail at all).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compileSnippets } from "./compile-snippets.js";
import { extractSnippets } from "./extract-snippets.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixture = "test/readme-snippets/fixtures/snippets.md";
const snippets = extractSnippets(readFileSync(new URL("fixtures/snippets.md", import.meta.url), "utf8"), fixture);

describe("extractSnippets", () => {
  it("takes ts/typescript/js blocks (list items, ~~~ and ```` fences), not sh or json5", () => {
    expect(snippets.map(({ line, column, language, noCheck }) => ({ line, column, language, noCheck }))).toEqual([
      { line: 10, column: 3, language: "ts", noCheck: false },
      { line: 18, column: 1, language: "js", noCheck: false },
      { line: 23, column: 1, language: "ts", noCheck: true },
      { line: 27, column: 1, language: "ts", noCheck: false },
    ]);
    expect(snippets[2]?.noCheckReason).toBe("the name is never defined, on purpose");
    expect(snippets[0]?.code.split("\n")[0]).toBe('import { createMemoryTaskFlowRuntime, createWebhookHandler } from "@taskflow-webhooks/core";');
  });
});

describe("compileSnippets", () => {
  it("names the file:line:column and the diagnostic of each wrong snippet, and skips no-check ones", { timeout: 120_000 }, () => {
    const messages = compileSnippets(snippets, root).map((failure) => failure.message);
    expect(messages).toHaveLength(3);
    // A misspelled config key: the typed config input rejects it, at the key's position.
    expect(messages[0]).toMatch(/^test\/readme-snippets\/fixtures\/snippets\.md:12:31 TS2322 .*'sesionKey' does not exist .*Did you mean to write 'sessionKey'\?/s);
    // JavaScript blocks are checked too (checkJs): taskFlow is required.
    expect(messages[1]).toMatch(/^test\/readme-snippets\/fixtures\/snippets\.md:19:22 TS2345 .*'taskFlow' is missing/s);
    expect(messages[2]).toMatch(/^test\/readme-snippets\/fixtures\/snippets\.md:27:7 TS2322 Type 'string' is not assignable to type 'number'/);
    expect(messages.join("\n")).not.toContain("thisIsNeverDefined");
  });
});
