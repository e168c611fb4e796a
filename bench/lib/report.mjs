// Targets, the comparison with the previous run, and the printed table.

/** Stable result keys (JSON paths into latest.json) with their target and direction. */
export const TARGETS = [
  { key: "hono.ratio", label: "Hono adapter + core / bare Hono (req/s)", better: "higher", target: 0.85 },
  { key: "express.ratio", label: "Express adapter + core / bare Express (req/s)", better: "higher", target: 1.0 },
  { key: "node.ratio", label: "node:http + core / bare node:http (req/s)", better: "higher", target: 0.85 },
  { key: "core.cpuUs", label: "core CPU per accepted request, p50 (µs)", better: "lower" },
  { key: "core.overBareCpuUs", label: "core CPU per accepted request over the bare parse + stringify (µs)", better: "lower", target: 2.5 },
  { key: "core.bytesPerRequest", label: "core heap allocation per accepted request (bytes)", better: "lower" },
  { key: "core.unauthorizedCpuUs", label: "core CPU per 401, p50 (µs)", better: "lower" },
  { key: "limiter.nsPerOp", label: "memory limiter, 100k distinct keys (ns/op)", better: "lower", target: 250 },
  { key: "limiter.trackedKeys", label: "memory limiter tracked keys after 100k", better: "lower", target: 4096 },
  { key: "limiterSpray.secondAllowed", label: "spray: second requests let through, 4 200 rotating clients, max 1", better: "lower", target: 0 },
  { key: "limiterSpray.liveEvictionNsPerOp", label: "memory limiter, live windows pushed into the sketch (ns/op)", better: "lower", target: 250 },
  { key: "sqlite.ratio", label: "SQLite / memory store, create_flow over HTTP (req/s)", better: "higher", target: 0.9 },
  { key: "upload.heldGrowthMiB", label: "server memory held after a 1 GiB chunked upload → 413 (MiB)", better: "lower", target: 0.5, strict: true },
];

export function flatten(object, prefix = "", out = {}) {
  for (const [k, v] of Object.entries(object ?? {})) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) flatten(v, key, out);
    else out[key] = v;
  }
  return out;
}

/** Figures more than 5 % worse than the previous run. */
export function compareWithPrevious(previous, current) {
  const flags = [];
  for (const t of TARGETS) {
    const before = previous[t.key];
    const now = current[t.key];
    if (typeof before !== "number" || typeof now !== "number" || before === 0) continue;
    const change = (now - before) / Math.abs(before);
    const worse = t.better === "higher" ? change < -0.05 : change > 0.05;
    // Tiny absolute figures (an RSS growth of a few KiB) swing by more than 5 % on noise.
    const negligible = t.key === "upload.heldGrowthMiB" && Math.abs(now - before) < 0.25;
    if (worse && !negligible) flags.push({ key: t.key, before, now, change });
  }
  return flags;
}

const fmt = (x, digits = 0) =>
  typeof x !== "number" ? "–" : x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

function verdict(t, value) {
  if (t.target === undefined || typeof value !== "number") return "";
  const ok = t.better === "higher" ? value >= t.target : t.strict ? value < t.target : value <= t.target;
  return ok ? "meets" : "MISSES";
}

export function formatTable(r, { notes, flags, hadPrevious }) {
  const lines = [];
  const m = r.meta;
  lines.push("");
  lines.push(`taskflow-webhooks bench · Node ${m.node} · ${m.cpus} CPUs (${m.cpuModel}) · ${m.platform} · commit ${m.commit}`);
  lines.push(
    `load average ${m.loadAvgAtStart.join(" ")} at start, ${m.loadAvgAtEnd?.join(" ") ?? "?"} at end · ${m.rounds} alternating rounds × ${m.secondsPerRound} s · ${m.connections} connections`,
  );
  lines.push("");
  if (r.hono || r.express || r.node) {
    lines.push("Throughput, mix create_flow → get_flow → set_waiting (req/s, medians; spread = min–max per-round ratio)");
    lines.push("| row | bare | with core | core/bare | spread | target |");
    lines.push("| --- | ---: | ---: | ---: | --- | --- |");
  }
  for (const [row, target] of [["hono", 0.85], ["express", 1.0], ["node", 0.85]]) {
    const x = r[row];
    if (!x) continue;
    if (x.skipped) {
      lines.push(`| ${row} | – | – | skipped | – | ≥ ${target} |`);
      continue;
    }
    const t = TARGETS.find((t) => t.key === `${row}.ratio`);
    lines.push(`| ${row} | ${fmt(x.bareRps)} | ${fmt(x.coreRps)} | ${fmt(x.ratio, 3)} | ${fmt(x.spread[0], 3)}–${fmt(x.spread[1], 3)} | ≥ ${target} ${verdict(t, x.ratio)} |`);
  }
  if (r.sqlite && !r.sqlite.skipped) {
    const s = r.sqlite;
    lines.push("");
    lines.push("Store, create_flow only over node:http + core (req/s, medians)");
    lines.push("| store | req/s | store/memory | spread | target |");
    lines.push("| --- | ---: | ---: | --- | --- |");
    lines.push(`| memory | ${fmt(s.memoryRps)} | 1 | – | – |`);
    const perCommit = (n) => (typeof n === "number" ? `; ${fmt(n, 1)} writes per COMMIT` : "");
    lines.push(`| SQLite, defaults (WAL, synchronous=FULL, group commit${perCommit(s.sqliteWritesPerCommit)}) | ${fmt(s.sqliteRps)} | ${fmt(s.ratio, 3)} | ${fmt(s.spread[0], 3)}–${fmt(s.spread[1], 3)} | ≥ 0.9 ${verdict(TARGETS.find((t) => t.key === "sqlite.ratio"), s.ratio)} |`);
    if (typeof s.sqliteSingleRps === "number") {
      lines.push(`| SQLite, synchronous=FULL, maxWritesPerCommit: 1 (no group commit) | ${fmt(s.sqliteSingleRps)} | ${fmt(s.sqliteSingleRatio, 3)} | ${fmt(s.sqliteSingleSpread?.[0], 3)}–${fmt(s.sqliteSingleSpread?.[1], 3)} | – |`);
    }
    lines.push(`| SQLite, synchronous: "normal"${perCommit(s.sqliteNormalWritesPerCommit)} | ${fmt(s.sqliteNormalRps)} | ${fmt(s.sqliteNormalRatio, 3)} | ${fmt(s.sqliteNormalSpread?.[0], 3)}–${fmt(s.sqliteNormalSpread?.[1], 3)} | – |`);
  }
  if (r.core) {
    const c = r.core;
    const l = r.limiter;
    lines.push("");
    lines.push("CPU and memory without network I/O");
    lines.push("| figure | value | target |");
    lines.push("| --- | ---: | --- |");
    const bytes = (n) => (typeof n === "number" ? `${fmt(n)} B allocated` : "allocation not measured (a GC ran in every batch)");
    lines.push(`| core CPU per accepted request (p50, fixed-record TaskFlow) | ${fmt(c.cpuUs, 2)} µs (batches ${fmt(c.cpuSpreadUs[0], 2)}–${fmt(c.cpuSpreadUs[1], 2)}); ${bytes(c.bytesPerRequest)} | – |`);
    if (typeof c.bareCpuUs === "number") {
      lines.push(`| bare JSON.parse of the body + JSON.stringify of the same envelope | ${fmt(c.bareCpuUs, 2)} µs; ${bytes(c.bareBytesPerRequest)} | – |`);
      const overSpread = c.overBareSpreadUs ? ` (median of per-pair differences, alternating batches; ${fmt(c.overBareSpreadUs[0], 2)}–${fmt(c.overBareSpreadUs[1], 2)})` : "";
      lines.push(`| core CPU over the bare parse + stringify | ${fmt(c.overBareCpuUs, 2)} µs${overSpread} | ≤ 2.5 µs ${verdict(TARGETS.find((t) => t.key === "core.overBareCpuUs"), c.overBareCpuUs)} |`);
    }
    lines.push(`| core CPU per accepted request (p50, memory store) | ${fmt(c.cpuWithMemoryStoreUs, 2)} µs; ${bytes(c.bytesPerRequestWithMemoryStore)} | – |`);
    if (r.idempotency) {
      const i = r.idempotency;
      lines.push(`| core CPU per create_flow (p50, fixed-record TaskFlow): no key / first with a key / replay | ${fmt(i.createWithoutKeyCpuUs, 2)} / ${fmt(i.createFirstWithKeyCpuUs, 2)} / ${fmt(i.replayCpuUs, 2)} µs | – |`);
    }
    lines.push(`| core CPU per 401 (p50) | ${fmt(c.unauthorizedCpuUs, 2)} µs; body bytes read ${c.unauthorizedBodyBytesRead}, 'data' listeners ${c.unauthorizedDataListeners} | – |`);
    lines.push(`| memory limiter, 100k distinct keys | ${fmt(l.nsPerOp)} ns/op (keys built per call ${fmt(l.keysBuiltPerCallNsPerOp)}, one hot key ${fmt(l.hotKeyNsPerOp)}) | ≤ 250 ns/op ${verdict(TARGETS.find((t) => t.key === "limiter.nsPerOp"), l.nsPerOp)} |`);
    lines.push(`| limiter keys tracked after 100k distinct | ${fmt(l.trackedKeys)} (heap change after 1M more: ${fmt(l.heapGrowthAfter1MKeysMiB, 2)} MiB) | ≤ 4 096 ${verdict(TARGETS.find((t) => t.key === "limiter.trackedKeys"), l.trackedKeys)} |`);
    const sp = r.limiterSpray;
    if (sp) {
      lines.push(`| spray: ${fmt(sp.rotatingClients)} rotating clients × 2 requests, max 1 per 60 s | first allowed ${fmt(sp.firstAllowed)}, second allowed ${fmt(sp.secondAllowed)} | 0 second ${verdict(TARGETS.find((t) => t.key === "limiterSpray.secondAllowed"), sp.secondAllowed)} |`);
      lines.push(`| memory limiter, every call evicts a live window (100k keys) | ${fmt(sp.liveEvictionNsPerOp)} ns/op; after that, ${fmt(sp.freshRefusedAfter100kLive)} of ${fmt(sp.freshClients)} fresh clients refused by over-counting | ≤ 250 ns/op ${verdict(TARGETS.find((t) => t.key === "limiterSpray.liveEvictionNsPerOp"), sp.liveEvictionNsPerOp)} |`);
    }
    const k = r.keySpray;
    lines.push(`| key spray through the handler, ${fmt(k.distinctClients)} clients | RSS ${fmt(k.rssGrowthMiB, 2)} MiB, ${fmt(k.trackedKeys)} keys tracked | bounded |`);
  }
  if (r.upload) {
    const u = r.upload;
    if (!r.core) lines.push("| figure | value | target |", "| --- | ---: | --- |");
    lines.push(
      `| 1 GiB chunked upload (limit 256 KiB) | server answered ${u.status} (client saw ${u.clientSaw}), client wrote ${fmt(u.bytesSent / 1048576, 1)} MiB; server memory held after the lingering close ${fmt(u.heldGrowthMiB, 2)} MiB (peak RSS growth ${fmt(u.rssGrowthMiB, 2)} MiB, with the dropped chunks not yet collected) | 413, held < 0.5 MiB ${u.status === 413 && typeof u.heldGrowthMiB === "number" ? verdict(TARGETS.find((t) => t.key === "upload.heldGrowthMiB"), u.heldGrowthMiB) : "MISSES"} |`,
    );
    lines.push(`| 1 GiB declared Content-Length | server answered ${u.declaredLengthStatus} unread (client saw ${u.declaredLengthClientSaw}), client wrote ${fmt(u.declaredLengthBytesSent / 1048576, 1)} MiB | 413 |`);
  }
  lines.push("");
  if (!hadPrevious) lines.push("No previous run to compare with (bench/results/previous.json).");
  else if (flags.length === 0) lines.push("Compared with the previous run: no figure is more than 5 % worse.");
  else {
    lines.push("⚠ More than 5 % worse than the previous run:");
    for (const f of flags) lines.push(`  ⚠ ${f.key}: ${f.before} → ${f.now} (${(f.change * 100).toFixed(1)} %)`);
  }
  for (const note of notes) lines.push(`note: ${note}`);
  return `${lines.join("\n")}\n`;
}
