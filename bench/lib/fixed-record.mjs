// A TaskFlow whose calls answer one fixed record at once, so what a loop over
// `handler.handle()` measures is the core alone (micro.mjs, icount-micro.mjs).
export const FIXED_ID = "5f0c6a53-7f1e-4c35-9a8e-0d2d7c1b9e11";

export function fixedRecordTaskFlow() {
  const record = {
    flowId: FIXED_ID,
    syncMode: "managed",
    ownerKey: "agent:main:main",
    controllerId: "webhooks/bench",
    revision: 0,
    status: "queued",
    notifyPolicy: "done_only",
    goal: "Benchmark a webhook-driven TaskFlow",
    currentStep: "start",
    stateJson: { step: 1, items: ["a", "b", "c"], note: "bench" },
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
  };
  const bound = {
    sessionKey: "agent:main:main",
    createManaged: () => record,
    tryCreateManaged: () => record,
    get: () => record,
    setWaiting: () => ({ applied: true, flow: record }),
  };
  return { bindSession: () => bound };
}
