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
  /** Every stored column in statement order: the record columns, then `null_fields`, `extra_json`. */
  readonly stored: readonly string[];
  /** The values of `stored`, in that order (for `?` parameters: no object to build or look up by name). */
  encode(record: R): unknown[];
  /**
   * A decoder for rows read as arrays (better-sqlite3 raw mode) with the given column
   * names, e.g. `statement.columns()`: no object per row, so reads cost less. Columns it
   * does not know (`seq`) are skipped.
   */
  decoder(columnNames: readonly string[]): (values: readonly unknown[]) => R;
}

const snakeCase = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function defineTable<R extends object>(name: string, fields: ReadonlyArray<[key: string, kind: ColumnKind]>): RecordTable<R> {
  const columns = fields.map(([key, kind]): RecordColumn => ({ key, column: snakeCase(key), kind }));
  const known = new Set(columns.map((c) => c.key));

  const stored = [...columns.map((c) => c.column), "null_fields", "extra_json"];

  return {
    name,
    columns,
    stored,
    encode(record) {
      const source = record as Record<string, unknown>;
      const values: unknown[] = [];
      const nullFields: string[] = [];
      for (const { key, kind } of columns) {
        const value = source[key];
        if (value === undefined) values.push(null);
        else if (kind === "json") values.push(JSON.stringify(value));
        else {
          if (value === null) nullFields.push(key);
          values.push(value);
        }
      }
      const extra: Record<string, unknown> = {};
      let hasExtra = false;
      for (const key of Object.keys(source)) {
        if (known.has(key) || source[key] === undefined) continue;
        extra[key] = source[key];
        hasExtra = true;
      }
      values.push(nullFields.length > 0 ? JSON.stringify(nullFields) : null, hasExtra ? JSON.stringify(extra) : null);
      return values;
    },
    decoder(columnNames) {
      const at = (column: string) => {
        const index = columnNames.indexOf(column);
        if (index < 0) throw new Error(`${name}: the query reads no column ${column}.`);
        return index;
      };
      const fields = columns.map(({ key, column, kind }) => ({ key, json: kind === "json", index: at(column) }));
      const nullFieldsAt = at("null_fields");
      const extraAt = at("extra_json");
      return (values) => {
        const record: Record<string, unknown> = {};
        const listed = values[nullFieldsAt];
        const nullFields = new Set<string>(typeof listed === "string" ? JSON.parse(listed) : []);
        for (const { key, json, index } of fields) {
          const value = values[index];
          if (value !== null && value !== undefined) record[key] = json ? JSON.parse(value as string) : value;
          else if (nullFields.has(key)) record[key] = null;
        }
        const extra = values[extraAt];
        if (typeof extra === "string") Object.assign(record, JSON.parse(extra));
        return record as R;
      };
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

/** `INSERT INTO <table> (...) VALUES (?, ...)` covering every stored column, bound with `encode`. */
export function insertSql(table: RecordTable<unknown>): string {
  return `INSERT INTO ${table.name} (${table.stored.join(", ")}) VALUES (${table.stored.map(() => "?").join(", ")})`;
}

/** `UPDATE <table> SET every column = ?` bound with `encode` (the caller appends the WHERE clause and its values). */
export function updateSetSql(table: RecordTable<unknown>): string {
  return `UPDATE ${table.name} SET ${table.stored.map((n) => `${n} = ?`).join(", ")}`;
}
