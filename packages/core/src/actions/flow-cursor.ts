// The `list_flows` cursor: an opaque string naming a place in list order (the last flow of
// the page before it). It carries no secret and needs none: it is only ever read against
// the caller's own flows, so a forged cursor can only start a walk of them somewhere else.
// Format (private, may change with a new prefix): `f1.` + base64url(JSON [createdAt, flowId]).
import type { FlowPosition } from "../taskflow/types.js";

const PREFIX = "f1.";
/** Longer strings are refused unread: a real cursor of a 256-character id is ~360 characters. */
export const MAX_CURSOR_LENGTH = 512;
const MAX_FLOW_ID_LENGTH = 256;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export const INVALID_CURSOR_MESSAGE = "Invalid cursor: pass the nextCursor of an earlier list_flows answer unchanged";

export function encodeFlowCursor(position: FlowPosition): string {
  const bytes = new TextEncoder().encode(JSON.stringify([position.createdAt, position.flowId]));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return PREFIX + btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The place a cursor names, or undefined when it is not one this code wrote. */
export function decodeFlowCursor(cursor: string): FlowPosition | undefined {
  if (cursor.length > MAX_CURSOR_LENGTH || !cursor.startsWith(PREFIX)) return undefined;
  const payload = cursor.slice(PREFIX.length);
  if (!BASE64URL.test(payload)) return undefined;
  let parsed: unknown;
  try {
    const binary = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
  const [createdAt, flowId] = parsed as unknown[];
  if (!Number.isSafeInteger(createdAt)) return undefined;
  if (typeof flowId !== "string" || flowId.length === 0 || flowId.length > MAX_FLOW_ID_LENGTH) return undefined;
  return { createdAt: createdAt as number, flowId };
}
