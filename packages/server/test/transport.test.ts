// The standalone server (request log, /healthz, the Hono sub-app) through the transport kit.
import { createMemoryTaskFlowRuntime } from "@taskflow-webhooks/core";
import { runTransportConformance } from "@taskflow-webhooks/core/testing";
import { startServer } from "../src/index.js";

runTransportConformance({
  name: "standalone server",
  async start({ handler, logger }) {
    const server = await startServer({
      config: { routes: {} },
      handler,
      port: 0,
      taskFlow: createMemoryTaskFlowRuntime(),
      // The server's structured lines go to the kit's logger; request lines are dropped.
      log: ({ level, msg, ...fields }) => {
        if (msg === "request") return;
        const at = level === "error" ? logger.error : level === "warn" ? logger.warn : logger.info;
        at(String(msg), fields as Record<string, string>);
      },
    });
    return { url: server.url, close: () => server.close() };
  },
});
