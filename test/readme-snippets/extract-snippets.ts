// Finds the TypeScript and JavaScript code blocks of a Markdown file. A CommonMark parser
// (mdast-util-from-markdown) decides what a fenced block is, so blocks inside list items,
// `~~~` fences and longer fences are found exactly as a Markdown renderer shows them.
import { fromMarkdown } from "mdast-util-from-markdown";

export type SnippetLanguage = "ts" | "js";

export interface Snippet {
  /** The Markdown file, as given (a path relative to the repository root in the suite). */
  file: string;
  /** 1-based line of the block's first code line in `file`. */
  line: number;
  /** 1-based column where the code starts (the fence's indentation stripped by the parser). */
  column: number;
  language: SnippetLanguage;
  /** The fence says `no-check` (not compiled); the suite lists these. */
  noCheck: boolean;
  /** What follows `no-check` in the fence (```ts no-check <why>); the suite requires one. */
  noCheckReason: string;
  code: string;
}

const LANGUAGES: Record<string, SnippetLanguage> = { ts: "ts", typescript: "ts", mts: "ts", js: "js", javascript: "js", mjs: "js" };

type MarkdownNode = ReturnType<typeof fromMarkdown>["children"][number] | ReturnType<typeof fromMarkdown>;

export function extractSnippets(markdown: string, file: string): Snippet[] {
  const snippets: Snippet[] = [];
  const visit = (node: MarkdownNode): void => {
    if (node.type === "code") {
      const language = LANGUAGES[(node.lang ?? "").toLowerCase()];
      const start = node.position?.start;
      if (language !== undefined && start !== undefined) {
        const noCheck = /^no-check(\s|$)/.exec(node.meta ?? "");
        const noCheckReason = noCheck ? (node.meta ?? "").slice("no-check".length).trim() : "";
        snippets.push({ file, line: start.line + 1, column: start.column, language, noCheck: noCheck !== null, noCheckReason, code: node.value });
      }
    }
    if ("children" in node) for (const child of node.children) visit(child);
  };
  visit(fromMarkdown(markdown));
  return snippets;
}
