import { describeTaskFlowConformance } from "@taskflow-webhooks/core/testing";
import { openSqliteTaskFlowStore } from "../src/index.js";
import { tempDatabase } from "./temp-db.js";

// One fresh file per test, removed after it.
describeTaskFlowConformance(
  "sqlite",
  ({ clock }) => {
    const file = tempDatabase();
    const store = openSqliteTaskFlowStore({ path: file.path, clock });
    return {
      runtime: store,
      seedUnmanagedFlow: (record) => store.seedUnmanagedFlow(record),
      close() {
        store.close();
        file.remove();
      },
    };
  },
  { seedUnmanaged: true },
);
