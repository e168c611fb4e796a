// Maps TaskFlow records to table rows and back without losing key presence.
//
// Every known field has its own column (snake_case of the key). A record key can be in
// three states, and each survives a round trip:
// - absent: the column is SQL NULL;
// - present with `null`: the column is SQL NULL and the key is listed in `null_fields`
//   (a JSON array). JSON columns (`*_json`, `metadata`) need no list: they hold the JSON
//   text, so JSON `null` is the text 'null' and only absence is SQL NULL;
// - present with a value: the column holds it.
// Keys this table does not know (runtime-internal extras) travel in `extra_json`.
import type { TaskFlowRecord, TaskRecord } from "@taskflow-webhooks/core";

type ColumnKind = "value" | "json";

export interface RecordColumn {
  key: string;
  column: string;
  kind: ColumnKind;
}

export interface RecordTable<R> {
  readonly name: string;
  readonly columns: readonly RecordColumn[];
  encode(record: R): Record<string, unknown>;
  decode(row: Record<string, unknown>): R;
}

const snakeCase = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function defineTable<R extends object>(name: string, fields: ReadonlyArray<[key: string, kind: ColumnKind]>): RecordTable<R> {
  const columns = fields.map(([key, kind]): RecordColumn => ({ key, column: snakeCase(key), kind }));
  const known = new Set(columns.map((c) => c.key));

  return {
    name,
    columns,
    encode(record) {
      const source = record as Record<string, unknown>;
      const row: Record<string, unknown> = {};
      const nullFields: string[] = [];
      for (const { key, column, kind } of columns) {
        const value = source[key];
        if (value === undefined) row[column] = null;
        else if (kind === "json") row[column] = JSON.stringify(value);
        else {
          if (value === null) nullFields.push(key);
          row[column] = value;
        }
      }
      const extra: Record<string, unknown> = {};
      let hasExtra = false;
      for (const key of Object.keys(source)) {
        if (known.has(key) || source[key] === undefined) continue;
        extra[key] = source[key];
        hasExtra = true;
      }
      row.null_fields = nullFields.length > 0 ? JSON.stringify(nullFields) : null;
      row.extra_json = hasExtra ? JSON.stringify(extra) : null;
      return row;
    },
    decode(row) {
      const record: Record<string, unknown> = {};
      const nullFields = new Set<string>(typeof row.null_fields === "string" ? JSON.parse(row.null_fields) : []);
      for (const { key, column, kind } of columns) {
        const value = row[column];
        if (value !== null && value !== undefined) record[key] = kind === "json" ? JSON.parse(value as string) : value;
        else if (nullFields.has(key)) record[key] = null;
      }
      if (typeof row.extra_json === "string") Object.assign(record, JSON.parse(row.extra_json));
      return record as R;
    },
  };
}

/** Flow columns, in the order records are rebuilt. */
export const flowTable = defineTable<TaskFlowRecord>("flows", [
  ["flowId", "value"],
  ["syncMode", "value"],
  ["ownerKey", "value"],
  ["controllerId", "value"],
  ["revision", "value"],
  ["status", "value"],
  ["notifyPolicy", "value"],
  ["goal", "value"],
  ["currentStep", "value"],
  ["blockedTaskId", "value"],
  ["blockedSummary", "value"],
  ["stateJson", "json"],
  ["waitJson", "json"],
  ["cancelRequestedAt", "value"],
  ["createdAt", "value"],
  ["updatedAt", "value"],
  ["endedAt", "value"],
]);

/** Task columns, in the order records are rebuilt. */
export const taskTable = defineTable<TaskRecord>("tasks", [
  ["taskId", "value"],
  ["runtime", "value"],
  ["ownerKey", "value"],
  ["requesterSessionKey", "value"],
  ["requesterAgentId", "value"],
  ["taskKind", "value"],
  ["metadata", "json"],
  ["scopeKind", "value"],
  ["parentFlowId", "value"],
  ["sourceId", "value"],
  ["childSessionKey", "value"],
  ["parentTaskId", "value"],
  ["agentId", "value"],
  ["runId", "value"],
  ["label", "value"],
  ["task", "value"],
  ["status", "value"],
  ["deliveryStatus", "value"],
  ["notifyPolicy", "value"],
  ["createdAt", "value"],
  ["startedAt", "value"],
  ["lastEventAt", "value"],
  ["endedAt", "value"],
  ["cleanupAfter", "value"],
  ["error", "value"],
  ["progressSummary", "value"],
  ["terminalSummary", "value"],
  ["terminalOutcome", "value"],
]);

/** `INSERT INTO <table> (...) VALUES (@...)` covering every column of the table. */
export function insertSql(table: RecordTable<unknown>): string {
  const names = [...table.columns.map((c) => c.column), "null_fields", "extra_json"];
  return `INSERT INTO ${table.name} (${names.join(", ")}) VALUES (${names.map((n) => `@${n}`).join(", ")})`;
}

/** `UPDATE <table> SET every column = @column` (the caller appends the WHERE clause). */
export function updateSetSql(table: RecordTable<unknown>): string {
  const names = [...table.columns.map((c) => c.column), "null_fields", "extra_json"];
  return `UPDATE ${table.name} SET ${names.map((n) => `${n} = @${n}`).join(", ")}`;
}
