// The gateway as the pages and the JSON API see it: a server's entry points, allocated when it
// is created, and the CA certificate operators download to trust the gateway's HTTPS.
import { serverEntry, sshCommand } from "../../gateway/entries.ts";
import { isRouted } from "../../gateway/model.ts";
import { caCertificate } from "../../gateway/tls.ts";
import { allocationOfServer, type Allocation } from "../../state/gateway-allocations.ts";
import type { Node } from "../../state/nodes.ts";
import type { Server } from "../../state/servers.ts";
import type { ServerGatewayView } from "../../views/server-gateway.tsx";
import type { Deps } from "../env.ts";
import { NotFoundError } from "../errors.ts";

/** Where the console serves the internal CA's certificate. */
export const CA_CERT_PATH = "/gateway/ca.crt";

/**
 * Gives a new server its slug, SSH port and TCP ports (in the caller's transaction, so that a
 * full range, GatewayFullError, leaves nothing behind). Nothing with the gateway off.
 */
export function allocateEntryPoints(deps: Deps, server: Server): void {
  deps.gateway.allocate(server.id);
}

/** The server's entry points, or undefined (gateway off, or released once it was destroyed). */
export const gatewayEntryOf = (deps: Deps, server: Server, node: Node | undefined): ServerGatewayView | undefined =>
  deps.gateway.enabled ? gatewayEntryFrom(deps, server, node, allocationOfServer(deps.db, server.id)) : undefined;

/** The same from the server's allocation already read (a list's page reads its servers' at once). */
export function gatewayEntryFrom(deps: Deps, server: Server, node: Node | undefined, allocation: Allocation | undefined): ServerGatewayView | undefined {
  if (!deps.gateway.enabled) return undefined;
  if (!allocation) return undefined;
  const entry = serverEntry(deps.config.gateway, allocation);
  return {
    ...entry,
    sshCommand: node ? sshCommand(entry, node.sshUser) : undefined,
    routed: isRouted(server, node),
    caUrl: deps.config.gateway.certificate ? undefined : CA_CERT_PATH,
  };
}

/** The certificate of Hoist's own CA, which signs the gateway's (none when a real one is configured). */
export function gatewayCa(deps: Deps): string {
  const pem = deps.gateway.enabled && !deps.config.gateway.certificate ? caCertificate(deps.gateway.files) : undefined;
  if (!pem) throw new NotFoundError("gateway CA certificate");
  return pem;
}
