// Maps TaskFlow records to PostgreSQL rows and back without losing key presence.
//
// Every known field has its own column (snake_case of the key). A record key can be in
// three states, and each survives a round trip:
// - absent: the column is SQL NULL;
// - present with `null`: the column is SQL NULL and the key is listed in `null_fields`
//   (a jsonb array). jsonb columns (`*_json`, `metadata`) too: the driver parses a jsonb
//   'null' to the same JS null as SQL NULL, so a top-level JSON null is never stored;
// - present with a value: the column holds it.
// Keys this table does not know (runtime-internal extras) travel in `extra_json`.
// Values are sent as query parameters in column order; jsonb goes as JSON text (the driver
// would turn a JS array into a PostgreSQL array otherwise).
import type { TaskFlowRecord, TaskRecord } from "@taskflow-webhooks/core";

type ColumnKind = "text" | "int" | "bigint" | "json";

export interface RecordColumn {
  key: string;
  column: string;
  kind: ColumnKind;
}

export interface RecordTable<R> {
  readonly name: "flows" | "tasks";
  /** The record columns, then `null_fields` and `extra_json`: the order of `encode`'s values. */
  readonly columnNames: readonly string[];
  readonly columns: readonly RecordColumn[];
  encode(record: R): unknown[];
  decode(row: Record<string, unknown>): R;
}

const snakeCase = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function defineTable<R extends object>(name: "flows" | "tasks", fields: ReadonlyArray<[key: string, kind: ColumnKind]>): RecordTable<R> {
  const columns = fields.map(([key, kind]): RecordColumn => ({ key, column: snakeCase(key), kind }));
  const known = new Set(columns.map((c) => c.key));
  return {
    name,
    columns,
    columnNames: [...columns.map((c) => c.column), "null_fields", "extra_json"],
    encode(record) {
      const source = record as Record<string, unknown>;
      const values: unknown[] = [];
      const nullFields: string[] = [];
      for (const { key, kind } of columns) {
        const value = source[key];
        if (value === undefined) values.push(null);
        else if (value === null) {
          nullFields.push(key);
          values.push(null);
        } else values.push(kind === "json" ? JSON.stringify(value) : value);
      }
      let extra: Record<string, unknown> | undefined;
      for (const key of Object.keys(source)) {
        if (known.has(key) || source[key] === undefined) continue;
        (extra ??= {})[key] = source[key];
      }
      values.push(nullFields.length > 0 ? JSON.stringify(nullFields) : null);
      values.push(extra ? JSON.stringify(extra) : null);
      return values;
    },
    decode(row) {
      const record: Record<string, unknown> = {};
      const nullFields = new Set<string>(Array.isArray(row.null_fields) ? (row.null_fields as string[]) : []);
      for (const { key, column } of columns) {
        const value = row[column];
        if (value !== null && value !== undefined) record[key] = value;
        else if (nullFields.has(key)) record[key] = null;
      }
      if (row.extra_json && typeof row.extra_json === "object") Object.assign(record, row.extra_json);
      return record as R;
    },
  };
}

/** Flow columns, in the order records are rebuilt. */
export const flowTable = defineTable<TaskFlowRecord>("flows", [
  ["flowId", "text"],
  ["syncMode", "text"],
  ["ownerKey", "text"],
  ["controllerId", "text"],
  ["revision", "int"],
  ["status", "text"],
  ["notifyPolicy", "text"],
  ["goal", "text"],
  ["currentStep", "text"],
  ["blockedTaskId", "text"],
  ["blockedSummary", "text"],
  ["stateJson", "json"],
  ["waitJson", "json"],
  ["cancelRequestedAt", "bigint"],
  ["createdAt", "bigint"],
  ["updatedAt", "bigint"],
  ["endedAt", "bigint"],
]);

/** Task columns, in the order records are rebuilt. */
export const taskTable = defineTable<TaskRecord>("tasks", [
  ["taskId", "text"],
  ["runtime", "text"],
  ["ownerKey", "text"],
  ["requesterSessionKey", "text"],
  ["requesterAgentId", "text"],
  ["taskKind", "text"],
  ["metadata", "json"],
  ["scopeKind", "text"],
  ["parentFlowId", "text"],
  ["sourceId", "text"],
  ["childSessionKey", "text"],
  ["parentTaskId", "text"],
  ["agentId", "text"],
  ["runId", "text"],
  ["label", "text"],
  ["task", "text"],
  ["status", "text"],
  ["deliveryStatus", "text"],
  ["notifyPolicy", "text"],
  ["createdAt", "bigint"],
  ["startedAt", "bigint"],
  ["lastEventAt", "bigint"],
  ["endedAt", "bigint"],
  ["cleanupAfter", "bigint"],
  ["error", "text"],
  ["progressSummary", "text"],
  ["terminalSummary", "text"],
  ["terminalOutcome", "text"],
]);

/** `INSERT INTO <schema>.<table> (...) VALUES ($1, ...)` covering every column. */
export function insertSql(schema: string, table: RecordTable<unknown>): string {
  const names = table.columnNames;
  return `INSERT INTO ${schema}.${table.name} (${names.join(", ")}) VALUES (${names.map((_, i) => `$${i + 1}`).join(", ")})`;
}

/** `SET every column = $<offset + i>` for an UPDATE whose first `offset` parameters are the WHERE clause's. */
export function setSql(table: RecordTable<unknown>, offset: number): string {
  return `SET ${table.columnNames.map((n, i) => `${n} = $${offset + i + 1}`).join(", ")}`;
}
