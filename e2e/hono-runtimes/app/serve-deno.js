// Deno: `deno run --allow-net=127.0.0.1 serve-deno.js` (node_modules resolved through the
// package.json beside it). Deno.serve hands its ServeHandlerInfo to Hono as `c.env`, whose
// `remoteAddr` `hono/deno`'s getConnInfo reads.
import { getConnInfo } from "hono/deno";
import { createKitApp } from "./kit-app.js";

const app = createKitApp({ remoteAddressOf: (c) => getConnInfo(c).remote.address });
Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: ({ port }) => console.log(`listening http://127.0.0.1:${port}`) },
  (request, info) => app.fetch(request, info),
);
