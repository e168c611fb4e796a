// `list_flows`: one bounded page of the route's flows. An answer holds at most `limit`
// flows (without `limit`: LIST_FLOWS_DEFAULT_CAP) and stays under LIST_FLOWS_MAX_BYTES,
// whichever comes first; `nextCursor` says more remain. Flows are read from the store in
// chunks sized from what the answer can still take, so big flows are not all loaded to be
// dropped.
import { encodeFlowCursor } from "./flow-cursor.js";
import { flowPageReader, positionOf } from "../taskflow/flow-page.js";
import type { BoundTaskFlow, FlowPosition, FlowStatus } from "../taskflow/types.js";
import { flowView, type FlowView } from "../view/redact.js";

/** The largest `limit` a caller may ask for. */
export const LIST_FLOWS_MAX_LIMIT = 1000;
/** Flows in an answer without `limit` (the reference answers all of them). */
export const LIST_FLOWS_DEFAULT_CAP = 1000;
/** An answer's JSON body stays under this many bytes (8 MiB); at least one flow is always answered. */
export const LIST_FLOWS_MAX_BYTES = 8 * 1024 * 1024;
/** Room kept for the envelope around the flows: ok, routeId, nextCursor, braces. */
const ENVELOPE_RESERVE_BYTES = 4 * 1024;
const FIRST_CHUNK = 32;
const MAX_CHUNK = 256;

export interface ListFlowsParams {
  limit?: number | undefined;
  after?: FlowPosition | undefined;
  status?: FlowStatus | undefined;
}

export interface ListFlowsCaps {
  /** Flows without `limit`. Default LIST_FLOWS_DEFAULT_CAP. */
  defaultCap?: number;
  /** Answer body bytes. Default LIST_FLOWS_MAX_BYTES. */
  maxBytes?: number;
}

export interface ListFlowsResult {
  flows: FlowView[];
  nextCursor?: string;
}

export async function listFlows(flows: BoundTaskFlow, params: ListFlowsParams, caps: ListFlowsCaps = {}): Promise<ListFlowsResult> {
  const wanted = params.limit ?? caps.defaultCap ?? LIST_FLOWS_DEFAULT_CAP;
  const budget = (caps.maxBytes ?? LIST_FLOWS_MAX_BYTES) - ENVELOPE_RESERVE_BYTES;
  const reader = flowPageReader(flows);
  const views: FlowView[] = [];
  let bytes = 0;
  let after = params.after;
  for (;;) {
    const chunk = chunkSize(wanted - views.length, budget - bytes, views.length === 0 ? 0 : bytes / views.length);
    const page = await reader.read({ limit: chunk, ...(after && { after }), ...(params.status && { status: params.status }) });
    for (let i = 0; i < page.flows.length; i++) {
      const flow = page.flows[i]!;
      const view = flowView(flow);
      const size = utf8Length(JSON.stringify(view)) + 1; // + the comma
      // The first flow always goes out, however big: a page must move the walk on.
      if (views.length > 0 && bytes + size > budget) return { flows: views, nextCursor: encodeFlowCursor(after!) };
      views.push(view);
      bytes += size;
      after = positionOf(flow);
      if (views.length === wanted) {
        const more = i < page.flows.length - 1 || page.more;
        return more ? { flows: views, nextCursor: encodeFlowCursor(after) } : { flows: views };
      }
    }
    if (!page.more || page.flows.length === 0) return { flows: views };
  }
}

/** How many flows to read next: what the answer can still take, judged by the average so far. */
function chunkSize(flowsLeft: number, bytesLeft: number, averageBytes: number): number {
  const byBytes = averageBytes > 0 ? Math.floor(bytesLeft / averageBytes) + 1 : FIRST_CHUNK;
  return Math.max(1, Math.min(flowsLeft, byBytes, MAX_CHUNK));
}

/** UTF-8 length of a string from JSON.stringify (well-formed: lone surrogates are escaped). */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdfff) bytes += 1; // each half of a pair: 2 + 2 = 4
    else bytes += 2;
  }
  return bytes;
}
