// Type-checks README snippets as a user's project would: each snippet is its own ES module
// in the repository root, importing the packages through node_modules (their built
// dist/*.d.ts, so run `pnpm build` first), compiled in one TypeScript Program.
import path from "node:path";
import ts from "typescript";
import type { Snippet } from "./extract-snippets.js";

/** Close to a strict user tsconfig: NodeNext ESM, strict, Node's types, no emit. */
export const SNIPPET_COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2023.d.ts"],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  // Every snippet is a module even without an import, so snippets never share globals.
  moduleDetection: ts.ModuleDetectionKind.Force,
  strict: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  verbatimModuleSyntax: true,
  esModuleInterop: true,
  resolveJsonModule: true,
  allowJs: true,
  checkJs: true,
  skipLibCheck: true,
  types: ["node"],
  noEmit: true,
};

export interface SnippetFailure {
  snippet: Snippet | undefined;
  /** `README.md:12:5 TS2322 message` (follow-up lines of the chain indented). */
  message: string;
}

/**
 * Compiles every snippet (no-check ones are skipped) and returns one failure per
 * diagnostic, located in the Markdown file. `root` is the directory whose node_modules
 * and package.json the snippets see.
 */
export function compileSnippets(snippets: readonly Snippet[], root: string): SnippetFailure[] {
  const byFile = new Map<string, Snippet>();
  for (const snippet of snippets) {
    if (snippet.noCheck) continue;
    const name = `${snippet.file.replace(/[^A-Za-z0-9]+/g, "_")}_L${snippet.line}.${snippet.language === "ts" ? "mts" : "mjs"}`;
    // A directory that does not exist on disk: the files live only in the compiler host.
    byFile.set(path.join(root, ".readme-snippets", name), snippet);
  }
  const host = ts.createCompilerHost(SNIPPET_COMPILER_OPTIONS, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (name) => byFile.has(name) || fileExists.call(host, name);
  host.readFile = (name) => byFile.get(name)?.code ?? readFile.call(host, name);
  host.getSourceFile = (name, languageVersion, onError, shouldCreate) => {
    const snippet = byFile.get(name);
    return snippet ? ts.createSourceFile(name, snippet.code, languageVersion, true) : getSourceFile.call(host, name, languageVersion, onError, shouldCreate);
  };
  host.getCurrentDirectory = () => root;
  const program = ts.createProgram({ rootNames: [...byFile.keys()], options: SNIPPET_COMPILER_OPTIONS, host });
  const failures = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const snippet = diagnostic.file ? byFile.get(diagnostic.file.fileName) : undefined;
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n").replaceAll("\n", "\n    ");
    const code = `TS${diagnostic.code}`;
    if (snippet === undefined || diagnostic.file === undefined || diagnostic.start === undefined) {
      const where = diagnostic.file ? path.relative(root, diagnostic.file.fileName) : "(compiler options)";
      return { snippet, message: `${where} ${code} ${text}` };
    }
    const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    return { snippet, message: `${snippet.file}:${snippet.line + line}:${snippet.column + character} ${code} ${text}` };
  });
  // In README order (the compiler sorts by its file names, where L100 comes before L27).
  const order = (failure: SnippetFailure) => (failure.snippet ? snippets.indexOf(failure.snippet) : -1);
  return failures.sort((a, b) => order(a) - order(b));
}
