// Reading one page of a session's flows through the port: a store's own `listPage` when it
// has one, else a page cut from `list()` (the OpenClaw Gateway has only that). Both answer
// the same flows for the same place, so callers cannot tell them apart.
import type { BoundTaskFlow, FlowPage, FlowPageParams, FlowPosition, TaskFlowRecord } from "./types.js";

/** Where a page that ended with `flow` continues. */
export const positionOf = (flow: TaskFlowRecord): FlowPosition => ({ createdAt: flow.createdAt, flowId: flow.flowId });

/**
 * Cuts a page from flows already in `list()` order. The place is found by id, so flows
 * created since (newer: they sort before it) never shift the page; an id that is not in
 * the list continues with the first flow created before `createdAt`.
 */
export function pageOfListed(listed: readonly TaskFlowRecord[], params: FlowPageParams): FlowPage {
  const { after, status, limit } = params;
  let start = 0;
  if (after) {
    const index = listed.findIndex((flow) => flow.flowId === after.flowId);
    start = index >= 0 ? index + 1 : firstCreatedBefore(listed, after.createdAt);
  }
  const flows: TaskFlowRecord[] = [];
  for (let i = start; i < listed.length; i++) {
    const flow = listed[i]!;
    if (status !== undefined && flow.status !== status) continue;
    if (flows.length === limit) return { flows, more: true };
    flows.push(flow);
  }
  return { flows, more: false };
}

function firstCreatedBefore(listed: readonly TaskFlowRecord[], createdAt: number): number {
  const index = listed.findIndex((flow) => flow.createdAt < createdAt);
  return index >= 0 ? index : listed.length;
}

/** Reads pages of one session's flows; one reader serves one answer. */
export interface FlowPageReader {
  read(params: FlowPageParams): Promise<FlowPage>;
}

/**
 * A reader over the store's `listPage`, or over one `list()` call shared by every page of
 * this reader (a store without `listPage` is asked for its whole list once per answer,
 * not once per page).
 */
export function flowPageReader(flows: BoundTaskFlow): FlowPageReader {
  if (typeof flows.listPage === "function") {
    return { read: async (params) => flows.listPage!(params) };
  }
  let listed: Promise<TaskFlowRecord[]> | undefined;
  return {
    async read(params) {
      listed ??= Promise.resolve(flows.list());
      return pageOfListed(await listed, params);
    },
  };
}
