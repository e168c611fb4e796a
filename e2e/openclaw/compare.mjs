#!/usr/bin/env node
// Side-by-side comparison of two run.mjs result files.
//
//   node e2e/openclaw/compare.mjs <ours.json> <reference.json> [--strict] [--bodies]
//
// Prints `step | ours | reference | same?` where each cell is the HTTP status and,
// when the answer is a JSON object with a `code`, that code. "yes*" = same status where
// the reference answered plain text (no code) and ours added a code; "ours only" = a step
// the reference cannot run (e.g. secret lists, upgrade). --bodies adds a column
// telling whether the body kind (json/text) matches. --strict exits 1 when any
// step differs (default: always exit 0; this tool only shows).
import fs from "node:fs";

const args = process.argv.slice(2);
const strict = args.includes("--strict");
const withBodies = args.includes("--bodies");
const files = args.filter((a) => !a.startsWith("--"));
if (files.length !== 2) {
  console.error("usage: compare.mjs <ours.json> <reference.json> [--strict] [--bodies]");
  process.exit(2);
}

const load = (f) => {
  try {
    const data = JSON.parse(fs.readFileSync(f, "utf8"));
    if (!Array.isArray(data.steps)) throw new Error("no steps array");
    return data;
  } catch (e) {
    console.error(`compare.mjs: cannot read ${f}: ${e.message}`);
    process.exit(2);
  }
};
const ours = load(files[0]);
const ref = load(files[1]);

const cell = (s) => (s ? `${s.status ?? "ERR"}${s.code ? ` ${s.code}` : ""}` : "(missing)");
const kind = (s) => (s ? (s.bodyIsJson ? "json" : "text") : "-");
const byName = (steps) => {
  const m = new Map();
  for (const s of steps) if (!m.has(s.name)) m.set(s.name, s);
  return m;
};
const o = byName(ours.steps);
const r = byName(ref.steps);
const names = [...r.keys()];
for (const n of o.keys()) if (!r.has(n)) names.push(n);

const rows = [];
let differ = 0;
let starredCount = 0;
for (const n of names) {
  const a = o.get(n);
  const b = r.get(n);
  const sameStatus = Boolean(a && b && a.status === b.status);
  const sameCode = Boolean(a && b && (a.code ?? null) === (b.code ?? null));
  // The reference answers transport rejections as plain text without a code; ours may
  // add one (JSON envelope). Equal status there is "yes*", not a difference.
  const starred = sameStatus && !sameCode && b && !b.bodyIsJson && (b.code ?? null) === null;
  // Steps only our run has (rotation lists, upgrade, roll back) have nothing to compare.
  const verdict = a && !b ? "ours only" : sameStatus && sameCode ? "yes" : starred ? "yes*" : "NO";
  if (verdict === "NO") differ++;
  if (starred) starredCount++;
  const row = [n, cell(a), cell(b), verdict];
  if (withBodies) row.push(`${kind(a)}/${kind(b)}`);
  rows.push(row);
}

const header = ["step", "ours", "reference", "same?"];
if (withBodies) header.push("body ours/ref");
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (row) => row.map((c, i) => c.padEnd(widths[i])).join(" | ");
console.log(line(header));
console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
for (const row of rows) console.log(line(row));
if (starredCount) console.log(`\n* same status; the reference answers plain text without a code (${starredCount} steps)`);
const oursOnly = rows.filter((row) => row[3] === "ours only").length;
console.log(`\n${rows.length - differ - oursOnly} same, ${differ} different, ${oursOnly} ours only` +
  ` (ours: ${ours.meta?.implementation ?? "?"}, startup ${ours.meta?.startupMs ?? "-"} ms;` +
  ` reference: ${ref.meta?.implementation ?? "?"}, startup ${ref.meta?.startupMs ?? "-"} ms)`);
process.exit(strict && differ > 0 ? 1 : 0);
