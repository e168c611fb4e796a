// The limiter key of a route's client: `<route id>\n<client key>`. Consecutive requests
// mostly come from the client before (a keep-alive connection, a proxy, one sender), so the
// last client's key is kept and handed out again instead of being derived and concatenated
// anew (a fresh concatenation is also a fresh string the limiter and the in-flight map
// hash again).
import { clientKeyOf } from "./client-key.js";

export function createLimitKeys(routeId: string, ipv6Prefix: number): (client: string) => string {
  let lastClient: string | undefined;
  let lastKey = "";
  return (client) => {
    if (client !== lastClient) {
      lastKey = `${routeId}\n${clientKeyOf(client, ipv6Prefix)}`;
      lastClient = client;
    }
    return lastKey;
  };
}
