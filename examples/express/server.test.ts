import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

// The example runs against the built packages, exactly as a user would run it.
it("the Express example serves the webhook route and the app's own routes", async () => {
  const secret = "example-express-secret";
  const child = spawn(process.execPath, [fileURLToPath(new URL("./server.mjs", import.meta.url))], {
    env: { ...process.env, PORT: "0", OPENCLAW_WEBHOOK_SECRET: secret },
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString("utf8");
        const match = /listening on (http:\/\/\S+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      child.on("exit", (code) => reject(new Error(`server exited early (${code}): ${out}`)));
    });
    const post = (auth: string) =>
      fetch(`${base}/plugins/webhooks/zapier`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${auth}` },
        body: JSON.stringify({ action: "create_flow", goal: "from the example" }),
      });
    const created = await post(secret);
    expect(created.status).toBe(200);
    expect(await created.json()).toMatchObject({ ok: true, routeId: "zapier", result: { created: true } });
    expect((await post("wrong")).status).toBe(401);
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ ok: true });
  } finally {
    child.kill();
  }
});
