import { describeLimiterStoreConformance } from "@taskflow-webhooks/core/testing";
import { openSqliteLimiterStore } from "../src/index.js";
import { tempDatabase } from "./temp-db.js";

describeLimiterStoreConformance("sqlite", () => {
  const file = tempDatabase();
  const store = openSqliteLimiterStore({ path: file.path });
  return {
    store,
    close() {
      store.close();
      file.remove();
    },
  };
});
