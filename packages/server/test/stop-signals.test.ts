import { afterEach, describe, expect, it, vi } from "vitest";
import { watchStopSignals, type StopSignals } from "../src/stop-signals.js";

// The CLI's SIGINT/SIGTERM handling, in-process: `process.emit` runs the listeners as a
// delivered signal would (without them Node's default action would end the test run).
describe("serve: stop signals", () => {
  let watching: StopSignals | undefined;
  afterEach(() => watching?.dispose());

  const server = () => {
    const calls: string[] = [];
    return { calls, close: vi.fn(async () => void calls.push("close")) };
  };

  it("a signal during start-up is held: the server closes once it is up, exit code 0", async () => {
    watching = watchStopSignals(() => 1);
    process.emit("SIGINT", "SIGINT");
    const s = server();
    await expect(watching.closeOnSignal(s)).resolves.toBe(0);
    expect(s.close).toHaveBeenCalledTimes(1);
  });

  it("a signal after start-up closes the server; a failed close gives the failure's code", async () => {
    watching = watchStopSignals((error) => ((error as Error).message === "stuck" ? 3 : 1));
    const s = { close: vi.fn(async () => Promise.reject(new Error("stuck"))) };
    const exited = watching.closeOnSignal(s);
    expect(s.close).not.toHaveBeenCalled();
    process.emit("SIGTERM", "SIGTERM");
    await expect(exited).resolves.toBe(3);
  });

  it("dispose removes the handlers (a failed start exits with its own code)", () => {
    const before = process.listenerCount("SIGINT");
    watching = watchStopSignals(() => 1);
    expect(process.listenerCount("SIGINT")).toBe(before + 1);
    expect(process.listenerCount("SIGTERM")).toBeGreaterThan(0);
    watching.dispose();
    expect(process.listenerCount("SIGINT")).toBe(before);
    watching = undefined;
  });
});
