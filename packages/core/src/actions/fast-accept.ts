// A shortcut past valibot for the common case: a body fresh from JSON.parse whose keys come
// in the schema's order and whose values valibot would pass through unchanged. Such a body
// is valibot's output already (same keys, same order, same values), so it is the action as
// it is. Anything else (a key out of order or unknown, a missing field, a value that fails,
// a string that trimming would change) is left to valibot, which gives the answer and the
// error texts. Checks are read off the valibot schemas, not written again; a schema piece
// this file does not know (cursor decoding, run_task's cross-field check) leaves its action
// to valibot entirely. validate.test.ts compares both over random bodies.
import type { GenericSchema } from "valibot";

/** What a field's value must be; compiled from the valibot schema of that field. */
interface FieldCheck {
  /** The key may be missing (outermost `optional`). */
  optional: boolean;
  nullable: boolean;
  kind: "string" | "number" | "boolean" | "picklist" | "literal" | "custom";
  /** `trim` is in the pipe: only a string it leaves unchanged passes here. */
  trim: boolean;
  nonEmpty: boolean;
  integer: boolean;
  min: number;
  max: number;
  options: readonly unknown[];
  literal: unknown;
  check: (value: unknown) => boolean;
}

interface CompiledObject {
  keys: readonly string[];
  fields: readonly FieldCheck[];
}

/** The parts of a valibot schema or action object read here. */
interface SchemaPiece {
  kind?: string;
  type: string;
  pipe?: readonly SchemaPiece[];
  wrapped?: SchemaPiece;
  default?: unknown;
  fallback?: unknown;
  entries?: Record<string, SchemaPiece>;
  options?: readonly unknown[];
  literal?: unknown;
  requirement?: unknown;
  check?: (value: unknown) => boolean;
}

/** The schema, then each pipe action in order (nested pipes flattened, metadata skipped). */
function flatten(piece: SchemaPiece): SchemaPiece[] {
  if (piece.pipe === undefined) return [piece];
  const [base, ...actions] = piece.pipe;
  return [...flatten(base!), ...actions.filter((a) => a.kind !== "metadata")];
}

function compileField(schema: SchemaPiece): FieldCheck | undefined {
  let piece = schema;
  let nullable = false;
  const optional = piece.type === "optional";
  while (piece.type === "optional" || piece.type === "nullable") {
    if (piece.default !== undefined) return undefined;
    if (piece.type === "nullable") nullable = true;
    piece = piece.wrapped!;
  }
  const [base, ...actions] = flatten(piece);
  if (base!.fallback !== undefined) return undefined;
  const field: FieldCheck = {
    optional,
    nullable,
    kind: "custom",
    trim: false,
    nonEmpty: false,
    integer: false,
    min: -Infinity,
    max: Infinity,
    options: [],
    literal: undefined,
    check: () => true,
  };
  switch (base!.type) {
    case "string":
    case "number":
    case "boolean":
      field.kind = base!.type;
      break;
    case "picklist":
      field.kind = "picklist";
      field.options = base!.options!;
      break;
    case "literal":
      field.kind = "literal";
      field.literal = base!.literal;
      break;
    case "custom":
      field.check = base!.check!;
      break;
    default:
      return undefined;
  }
  for (const action of actions) {
    const number = field.kind === "number" && typeof action.requirement === "number";
    // Only a string trimming leaves unchanged passes, so where trim sits in the pipe does not matter.
    if (action.type === "trim" && field.kind === "string") field.trim = true;
    else if (action.type === "non_empty" && field.kind === "string") field.nonEmpty = true;
    else if (action.type === "integer" && field.kind === "number") field.integer = true;
    else if (action.type === "min_value" && number) field.min = Math.max(field.min, action.requirement as number);
    else if (action.type === "max_value" && number) field.max = Math.min(field.max, action.requirement as number);
    else return undefined;
  }
  return field;
}

function compileObject(schema: SchemaPiece): CompiledObject | undefined {
  if (schema.type !== "strict_object" || schema.pipe !== undefined) return undefined;
  const keys = Object.keys(schema.entries!);
  const fields: FieldCheck[] = [];
  for (const key of keys) {
    const field = compileField(schema.entries![key]!);
    if (field === undefined) return undefined;
    fields.push(field);
  }
  return { keys, fields };
}

/** True when valibot would pass `value` through this field unchanged. */
function passesUnchanged(field: FieldCheck, value: unknown): boolean {
  if (value === null && field.nullable) return true;
  switch (field.kind) {
    case "string":
      if (typeof value !== "string") return false;
      if (field.trim && value.trim().length !== value.length) return false;
      return !field.nonEmpty || value.length > 0;
    case "number":
      return (
        typeof value === "number" &&
        !Number.isNaN(value) &&
        (!field.integer || Number.isInteger(value)) &&
        value >= field.min &&
        value <= field.max
      );
    case "boolean":
      return typeof value === "boolean";
    case "picklist":
      return field.options.includes(value);
    case "literal":
      return value === field.literal;
    case "custom":
      return value !== undefined && field.check(value);
  }
}

/**
 * One pass over the body's keys beside the schema's: each key must be the next schema
 * key (optional ones in between may be absent) and its value must pass unchanged.
 */
function inSchemaOrder(compiled: CompiledObject, body: object): boolean {
  const { keys, fields } = compiled;
  let at = 0;
  for (const key in body) {
    while (at < keys.length && keys[at] !== key) {
      if (!fields[at]!.optional) return false;
      at++;
    }
    if (at === keys.length || !passesUnchanged(fields[at]!, (body as Record<string, unknown>)[key])) return false;
    at++;
  }
  for (; at < keys.length; at++) if (!fields[at]!.optional) return false;
  return true;
}

/** The action schemas this file can check, by action name. */
export function compileActionChecks(schemas: readonly GenericSchema[]): Map<unknown, CompiledObject> {
  const compiled = new Map<unknown, CompiledObject>();
  for (const schema of schemas) {
    const piece = schema as unknown as SchemaPiece;
    const object = compileObject(piece);
    const name = piece.entries?.action?.literal;
    if (object !== undefined && typeof name === "string") compiled.set(name, object);
  }
  return compiled;
}

/**
 * True when valibot's output for `body` (a value JSON.parse returned) would be `body`
 * itself, key for key; false says nothing (valibot decides).
 */
export function acceptsAsIs(checks: ReadonlyMap<unknown, CompiledObject>, body: object): boolean {
  const compiled = checks.get((body as { action?: unknown }).action);
  return compiled !== undefined && inSchemaOrder(compiled, body);
}
