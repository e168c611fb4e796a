import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

// The example runs against the built package, exactly as a user would run it.
it("the core example drives a flow to success", () => {
  const out = execFileSync(process.execPath, [fileURLToPath(new URL("./drive-a-flow.mjs", import.meta.url))], { encoding: "utf8" });
  expect(out).toContain("create_flow -> 200 queued");
  expect(out).toContain("set_waiting -> 200 waiting revision 1");
  expect(out).toContain("finish_flow (stale revision) -> 409 revision_conflict");
  expect(out).toContain("finish_flow -> 200 succeeded");
});
