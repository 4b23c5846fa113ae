// Nodes: the actor's list, and an SSH check on demand (the engine also checks them on a schedule).
import { refreshNodeState } from "../../engine/nodes.ts";
import { findNode, listNodes as listRows, type Node } from "../../state/nodes.ts";
import { findServer } from "../../state/servers.ts";
import type { Actor, Deps } from "../env.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import { requireWriter } from "./guards.ts";

export type { Node };

export function listNodes(deps: Deps, actor: Actor): Node[] {
  return listRows(deps.db, actor.scope);
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
