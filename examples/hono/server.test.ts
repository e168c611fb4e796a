import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

// The example runs against the built packages, exactly as a user would run it.
it("the Hono example serves the webhook route next to the app's own route", async () => {
  const secret = "example-secret-0123456789";
  const child = spawn(process.execPath, [fileURLToPath(new URL("./server.mjs", import.meta.url))], {
    env: { ...process.env, PORT: "0", WEBHOOK_SECRET: secret },
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        out += chunk;
        const match = /listening on (http:\/\/\S+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      child.on("exit", (code) => reject(new Error(`example exited with ${code}`)));
    });
    const res = await fetch(`${url}/plugins/webhooks/demo`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify({ action: "create_flow", goal: "Hello from Hono" }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, routeId: "demo", result: { created: true } });
    expect(await (await fetch(`${url}/`)).text()).toBe("Hello from the host app");
    expect((await fetch(`${url}/nowhere`)).status).toBe(404);
  } finally {
    child.kill();
  }
});
