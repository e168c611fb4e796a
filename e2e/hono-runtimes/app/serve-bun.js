// Bun: `bun serve-bun.js`. Bun.serve hands the server to Hono as `c.env`, which
// `hono/bun`'s getConnInfo asks for the client address.
import { getConnInfo } from "hono/bun";
import { createKitApp } from "./kit-app.js";

const app = createKitApp({ remoteAddressOf: (c) => getConnInfo(c).remote.address });
const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (request, server) => app.fetch(request, server) });
console.log(`listening http://127.0.0.1:${server.port}`);
