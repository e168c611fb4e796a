#!/usr/bin/env node
// Judges a run.mjs result file for OUR plugin (and, given the reference's file, that every
// status code matches it). Exits non-zero with one line per failed expectation.
//   node e2e/openclaw/assert.mjs <ours.json> [<reference.json>]
import fs from "node:fs";

const [oursPath, referencePath] = process.argv.slice(2);
if (!oursPath) {
  console.error("usage: assert.mjs <ours.json> [<reference.json>]");
  process.exit(2);
}
const ours = JSON.parse(fs.readFileSync(oursPath, "utf8"));
const reference = referencePath ? JSON.parse(fs.readFileSync(referencePath, "utf8")) : undefined;
const failures = [];
const check = (ok, message) => ok || failures.push(message);
const step = (name) => ours.steps.find((s) => s.name === name);

check(ours.meta.implementation === "plugin", "result file is not from our plugin (--plugin-dir)");
check(ours.meta.gatewayStarted === true, "Gateway did not start");
check(ours.meta.gatewayExit?.clean === true, `Gateway did not exit cleanly: ${JSON.stringify(ours.meta.gatewayExit)}`);

// The lifecycle through all 13 actions, by step name → [status, code].
const expected = {
  "create_flow": [200],
  "get_flow": [200],
  "list_flows": [200],
  "find_latest_flow": [200],
  "resolve_flow by id": [200],
  "resolve_flow by session key": [200],
  "get_task_summary (no tasks)": [200],
  "set_waiting": [200],
  "resume_flow": [200],
  "run_task (no childSessionKey)": [200],
  "run_task (made-up childSessionKey)": [409, "task_not_created"],
  "request_cancel": [200],
  "run_task after request_cancel": [409, "cancel_requested"],
  "finish_flow stale revision": [409, "revision_conflict"],
  "finish_flow": [200],
  "cancel_flow on finished flow": [409, "terminal"],
  "cancel_flow B": [200],
  "fail_flow C": [200],
  "cancel_flow D with active child": [202, "cancel_pending"],
  "get_flow unknown id": [200],
  "set_waiting unknown id": [404, "not_found"],
  "run_task unknown id": [404, "not_found"],
  "cancel_flow unknown id": [404, "not_found"],
  "405 GET": [405, "method_not_allowed"],
  "415 text/plain": [415, "unsupported_media_type"],
  "401 wrong secret": [401, "unauthorized"],
  "401 no secret": [401, "unauthorized"],
  "400 invalid JSON": [400, "invalid_json"],
  "413 oversized Content-Length": [413, "payload_too_large"],
  "400 unknown action": [400, "invalid_request"],
  "env route with its secret": [200],
  "env route with main secret": [401, "unauthorized"],
  "list route: env SecretRef entry": [200],
  "list route: plain entry": [200],
  "list route: a secret not in the list": [401, "unauthorized"],
  "413 chunked oversize body": [413, "payload_too_large"],
  "408 body never completes": [408, "body_timeout"],
  "429 after the rate window": [429, "rate_limited"],
  "ours: 429 on a path variant in the same window": [429, "rate_limited"],
  "429 in flight (every slot held)": [429, "too_many_in_flight"],
  "in-flight slots free again after the holders left": [200],
  "hot reload: added route answers": [200],
  "hot reload: removed route is gone": [404],
  "hot reload: kept route still answers": [200],
};
// Path variants: every one the Gateway routes to `main` is answered by our plugin.
for (const s of ours.steps.filter((x) => x.name.startsWith("path variant "))) {
  const variant = s.name.slice("path variant ".length);
  const isMain = !/\/(mai|main2)$/.test(variant);
  check(s.status === (isMain ? 200 : 404), `${s.name}: status ${s.status}, expected ${isMain ? 200 : 404}`);
}
check(ours.steps.some((x) => x.name.startsWith("path variant ")), "missing the path variant steps");

// The operator's install, upgrade and roll back (run.mjs --install/--upgrade).
const operations = ours.operations ?? [];
for (const op of operations) check(op.ok === true, `operation failed: ${op.name}${op.output ? `\n${op.output}` : ""}`);
if (ours.meta.tarball) {
  const needed = [
    "install tarball",
    "hot reload applied",
    ...(ours.meta.upgradeTarball ? ["upgrade in place", "upgrade kept the config block byte for byte"] : []),
    "roll back: plugins uninstall webhooks --force",
    "roll back: config patch restores the entry",
    "roll back kept plugins.entries.webhooks.config byte for byte",
    "roll back removed the installed copy",
    "roll back: the bundled plugin answers (no restart)",
  ];
  for (const name of needed) check(operations.some((op) => op.name.startsWith(name)), `missing operation: ${name}`);
  const created = step("before upgrade: create_flow")?.body?.result?.flow?.flowId;
  if (ours.meta.upgradeTarball) {
    check(typeof created === "string", "before upgrade: create_flow gave no flow id");
    check(step("after upgrade: get_flow created before")?.body?.result?.flow?.flowId === created, "the flow created before the upgrade is gone after it");
    check(step("after upgrade: wrong secret")?.body?.code === "unauthorized", "after the upgrade our plugin does not answer");
  }
  const rolled = step("after rollback: wrong secret");
  check(rolled?.status === 401 && rolled.bodyIsJson === false && rolled.body === "unauthorized", `after rollback the bundled plugin does not answer: ${JSON.stringify(rolled?.body)}`);
  check(step("after rollback: list_flows")?.status === 200, "after rollback: list_flows is not 200");
  if (created) check(step("after rollback: get_flow created before the upgrade")?.body?.result?.flow?.flowId === created, "after rollback the flow is gone");
  check(step("after rollback: added route")?.status === 200, "after rollback the hot-reloaded route is gone");
}
// Retries with an Idempotency-Key: one flow, the first answer replayed (also after a restart).
{
  const first = step("create_flow with Idempotency-Key");
  const retried = step("the same create_flow retried with its key");
  const flowId = first?.body?.result?.flow?.flowId;
  check(typeof flowId === "string" && first.headers?.["idempotent-replayed"] === undefined, "keyed create_flow gave no fresh flow");
  check(retried?.headers?.["idempotent-replayed"] === "true", `the retried keyed create_flow was not a replay: ${JSON.stringify(retried?.headers)}`);
  check(retried?.body?.result?.flow?.flowId === flowId, "the retried keyed create_flow answered another flowId");
  check(step("ours: the same key with another body")?.body?.code === "idempotency_key_reused", "a reused key with another body was not 422 idempotency_key_reused");
  if (ours.meta.tarball) {
    check(operations.some((op) => op.name === "restart the Gateway"), "missing operation: restart the Gateway");
    const after = step("after restart: the same create_flow retried with its key");
    check(after?.headers?.["idempotent-replayed"] === "true", "after the Gateway restart the keyed retry was not a replay");
    check(after?.body?.result?.flow?.flowId === flowId, "after the Gateway restart the keyed retry answered another flowId");
  }
}

for (const [name, [status, code]] of Object.entries(expected)) {
  const s = step(name);
  if (!s) {
    failures.push(`missing step: ${name}`);
    continue;
  }
  check(s.status === status, `${name}: status ${s.status}, expected ${status}`);
  if (code) check(s.body?.code === code, `${name}: code ${s.body?.code}, expected ${code}`);
}
for (const s of ours.steps.filter((x) => x.name.startsWith("cold route"))) {
  check(s.status === 401 && s.body?.code === "unauthorized", `${s.name}: cold route answered ${s.status}`);
}

// Our plugin, not the bundled one, answered: every webhook answer is a JSON envelope.
for (const s of ours.steps) {
  if (s.status === 404 && !s.bodyIsJson) continue; // the host's 404: not a webhook path
  if (s.name.startsWith("after rollback:")) continue; // the bundled plugin answers by then
  check(s.bodyIsJson && typeof s.body?.ok === "boolean", `${s.name}: answer is not a JSON envelope`);
  const text = JSON.stringify(s.body ?? "");
  for (const leak of ["ownerKey", "requesterOrigin", "chainId", "requesterSessionKey", "\"metadata\""]) {
    check(!text.includes(leak), `${s.name}: answer contains ${leak}`);
  }
}

// Same status codes as the reference for every step both ran.
if (reference) {
  for (const r of reference.steps) {
    const s = step(r.name);
    if (!s) continue;
    check(s.status === r.status, `${r.name}: ours ${s.status}, reference ${r.status}`);
    // Where both answer JSON with an error text (400 invalid_request, TaskFlow refusals), the text matches too.
    if (typeof r.body?.error === "string" && r.body.code !== undefined) {
      check(s.body?.error === r.body.error, `${r.name}: error ${JSON.stringify(s.body?.error)}, reference ${JSON.stringify(r.body.error)}`);
    }
  }
}

if (failures.length > 0) {
  console.error(`e2e assertions: ${failures.length} failed`);
  for (const f of failures) console.error(`  ✗ ${f}`);
  process.exit(1);
}
console.log(`e2e assertions: ${Object.keys(expected).length + ours.steps.length} checks passed${reference ? ", status codes and error texts identical to the reference" : ""}`);
