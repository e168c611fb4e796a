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
//
// A row just written need not be read back: `decodeBound` rebuilds it from the bound values
// whenever SQLite stores each of them exactly as bound, which is what a read would answer.
import type { TaskFlowRecord, TaskRecord } from "@taskflow-webhooks/core";

/** The column's SQL type (its affinity in the schema): `json` columns are TEXT holding JSON. */
type ColumnKind = "text" | "integer" | "json";

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
  /**
   * What reading back the row just written with `values` (from `encode`) answers, without
   * reading it; undefined when SQLite may store a value other than as bound, so only a
   * read can tell: a string in an INTEGER column or a number in a TEXT one (type
   * affinity converts them), a string that is not well-formed UTF-16 (stored as UTF-8, a
   * lone surrogate becomes U+FFFD), -0 (stored as 0), NaN (stored as NULL), ±Infinity,
   * any other type.
   */
  decodeBound(values: readonly unknown[]): R | undefined;
}

/** With the `u` flag a surrogate pair is one code point, so this matches only unpaired halves. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/** A bound value SQLite stores unchanged in a column of this kind (see `decodeBound`). */
function storedAsBound(kind: ColumnKind, value: unknown): boolean {
  if (value === null) return true;
  if (kind === "integer") return typeof value === "number" && Number.isFinite(value) && !Object.is(value, -0);
  return typeof value === "string" && !LONE_SURROGATE.test(value);
}

const snakeCase = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function defineTable<R extends object>(name: string, fields: ReadonlyArray<[key: string, kind: ColumnKind]>): RecordTable<R> {
  const columns = fields.map(([key, kind]): RecordColumn => ({ key, column: snakeCase(key), kind }));
  const known = new Set(columns.map((c) => c.key));

  const stored = [...columns.map((c) => c.column), "null_fields", "extra_json"];
  const storedKinds: readonly ColumnKind[] = [...columns.map((c) => c.kind), "json", "json"];
  const decodeStored = decoder(stored);

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
    decoder,
    decodeBound(values) {
      for (let i = 0; i < storedKinds.length; i++) if (!storedAsBound(storedKinds[i]!, values[i])) return undefined;
      return decodeStored(values);
    },
  };

  function decoder(columnNames: readonly string[]): (values: readonly unknown[]) => R {
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
  }
}

/** Flow columns, in the order records are rebuilt. */
export const flowTable = defineTable<TaskFlowRecord>("flows", [
  ["flowId", "text"],
  ["syncMode", "text"],
  ["ownerKey", "text"],
  ["controllerId", "text"],
  ["revision", "integer"],
  ["status", "text"],
  ["notifyPolicy", "text"],
  ["goal", "text"],
  ["currentStep", "text"],
  ["blockedTaskId", "text"],
  ["blockedSummary", "text"],
  ["stateJson", "json"],
  ["waitJson", "json"],
  ["cancelRequestedAt", "integer"],
  ["createdAt", "integer"],
  ["updatedAt", "integer"],
  ["endedAt", "integer"],
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
  ["createdAt", "integer"],
  ["startedAt", "integer"],
  ["lastEventAt", "integer"],
  ["endedAt", "integer"],
  ["cleanupAfter", "integer"],
  ["error", "text"],
  ["progressSummary", "text"],
  ["terminalSummary", "text"],
  ["terminalOutcome", "text"],
]);

/** `INSERT INTO <table> (...) VALUES (?, ...)` covering every stored column, bound with `encode`. */
export function insertSql(table: RecordTable<unknown>): string {
  return `INSERT INTO ${table.name} (${table.stored.join(", ")}) VALUES (${table.stored.map(() => "?").join(", ")})`;
}

/** `UPDATE <table> SET every column = ?` bound with `encode` (the caller appends the WHERE clause and its values). */
export function updateSetSql(table: RecordTable<unknown>): string {
  return `UPDATE ${table.name} SET ${table.stored.map((n) => `${n} = ?`).join(", ")}`;
}
