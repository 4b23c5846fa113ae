// The addresses operators use to reach a server or an app through the gateway, as the pages and
// the JSON API show them.
import { TCP_BLOCK, type Allocation } from "../state/gateway-allocations.ts";
import type { RouteRow } from "../state/gateway-routes.ts";
import type { GatewaySettings } from "./settings.ts";

type Where = Pick<GatewaySettings, "domain" | "httpPort" | "httpsPort">;

const url = (scheme: "http" | "https", host: string, port: number) => `${scheme}://${host}${port === (scheme === "http" ? 80 : 443) ? "" : `:${port}`}`;

export interface WebEntry {
  hostname: string;
  http: string;
  https: string;
}

export interface ServerEntry extends WebEntry {
  sshPort: number;
  tcpPorts: { first: number; last: number };
}

export function serverEntry(settings: Where, a: Allocation): ServerEntry {
  const hostname = `${a.slug}.${settings.domain}`;
  return { hostname, http: url("http", hostname, settings.httpPort), https: url("https", hostname, settings.httpsPort), sshPort: a.sshPort, tcpPorts: { first: a.tcpFirst, last: a.tcpFirst + TCP_BLOCK - 1 } };
}

/** The command that opens a shell on the server through the gateway. */
export const sshCommand = (e: ServerEntry, user: string) => `ssh -p ${e.sshPort} ${user}@${e.hostname}`;

export function routeEntry(settings: Where, r: Pick<RouteRow, "hostname">): WebEntry {
  const hostname = `${r.hostname}.${settings.domain}`;
  return { hostname, http: url("http", hostname, settings.httpPort), https: url("https", hostname, settings.httpsPort) };
}
