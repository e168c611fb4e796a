// The SQLite store answers exactly like the memory runtime (the core's differential kit),
// also for a batch issued in one turn, whatever number of writes each group commit holds.
import { describeTaskFlowDifferential } from "@taskflow-webhooks/core/testing";
import { openSqliteTaskFlowStore } from "../src/index.js";
import { tempDatabase } from "./temp-db.js";

// One fresh file per generated sequence, removed after it.
describeTaskFlowDifferential(
  "sqlite",
  ({ clock, generateId, maxWritesPerCommit }) => {
    const file = tempDatabase();
    const store = openSqliteTaskFlowStore({ path: file.path, clock, generateId, synchronous: "normal", maxWritesPerCommit });
    return {
      runtime: store,
      seedUnmanagedFlow: (record) => store.seedUnmanagedFlow(record),
      seedTask: (record) => store.seedTask(record),
      close() {
        store.close();
        file.remove();
      },
    };
  },
  { batches: true, seeded: true },
);
