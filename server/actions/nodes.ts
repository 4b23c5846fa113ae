// Nodes: the actor's list, and an SSH check on demand (the engine also checks them on a schedule).
import { z } from "zod";
import { refreshNodeState } from "../../engine/nodes.ts";
import { nodeListRow, pageNodes, type NodeListRow } from "../../state/node-list.ts";
import { findNode, listNodes as listRows, type Node } from "../../state/nodes.ts";
import { findServer } from "../../state/servers.ts";
import type { Actor, Deps } from "../env.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import { nodeStates } from "../../state/statuses.ts";
import { cloudFilter, oneOf, parseListQuery, searchText } from "../lists.ts";
import { requireWriter } from "./guards.ts";

export type { Node };

const nodeFilters = z.object({ state: oneOf(nodeStates), cloud: cloudFilter, q: searchText });

/** A page of the nodes the actor may see, by the list's query string (filters, limit, cursor). */
export function listNodes(deps: Deps, actor: Actor, query: Record<string, string | undefined>) {
  const q = parseListQuery(nodeFilters, query, "string");
  return { query: q, page: pageNodes(deps.db, actor.scope, q.filter, q.page) };
}

/** Every node the actor may see (the deploy form offers them all). */
export function allNodes(deps: Deps, actor: Actor): Node[] {
  return listRows(deps.db, actor.scope);
}

/** One node with what its row shows (its server's status, its owner). */
export function getNodeRow(deps: Deps, actor: Actor, id: string): NodeListRow {
  const row = nodeListRow(deps.db, actor.scope, id);
  if (!row) throw new NotFoundError("node");
  return row;
}

export function getNode(deps: Deps, actor: Actor, id: string): Node {
  const node = findNode(deps.db, actor.scope, id);
  if (!node) throw new NotFoundError("node");
  return node;
}

/** Checks the node over SSH now, as the engine's periodic check does; returns it updated. */
export async function checkNodeNow(deps: Deps, actor: Actor, id: string): Promise<Node> {
  requireWriter(actor);
  const node = getNode(deps, actor, id);
  const server = node.serverId ? findServer(deps.db, actor.scope, node.serverId) : undefined;
  if (!server) throw new ConflictError("Hoist has no server for this node to check it with.");
  if (!(await refreshNodeState(deps, server))) throw new ConflictError(`The server is ${server.status}; its node is checked once it is ready.`);
  return getNode(deps, actor, id);
}
