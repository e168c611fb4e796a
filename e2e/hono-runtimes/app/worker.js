// workerd (Cloudflare Workers), with the nodejs_compat flag. The app is built on the first
// request: the memory limiter draws random bytes when it is created, which workerd refuses
// at global scope. `hono/cloudflare-workers`' getConnInfo reads CF-Connecting-IP.
import { getConnInfo } from "hono/cloudflare-workers";
import { createKitApp } from "./kit-app.js";

let app;

export default {
  fetch(request, env, ctx) {
    app ??= createKitApp({ remoteAddressOf: (c) => getConnInfo(c).remote.address });
    return app.fetch(request, env, ctx);
  },
};
