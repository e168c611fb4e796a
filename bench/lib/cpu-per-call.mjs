// CPU time per call of an async operation, for the in-process answer benches
// (hono-answer.mjs, node-answer.mjs): warm up, then 10 batches, median in µs.
export async function cpuPerCall(op, { count, warm = 20_000 }) {
  for (let i = 0; i < warm; i++) await op();
  const perBatch = count / 10;
  const perCall = [];
  for (let b = 0; b < 10; b++) {
    const t = process.cpuUsage();
    for (let i = 0; i < perBatch; i++) await op();
    const d = process.cpuUsage(t);
    perCall.push((d.user + d.system) / perBatch);
  }
  perCall.sort((a, b) => a - b);
  return perCall[5];
}
