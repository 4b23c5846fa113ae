// HAProxy's configuration and host map, rendered from the model (model.ts) by pure functions.
// Nothing typed by a user reaches these files: names are slugs and labels Hoist made, addresses
// are checked IPv4 addresses, paths are validated (gateway/routes.ts) before they are stored.
import net from "node:net";
import type { GatewayFiles } from "./settings.ts";
import type { HttpBackend, ProxyModel, TcpEntry } from "./model.ts";

export interface RenderOptions {
  bind: string;
  httpPort: number;
  httpsPort: number;
  files: Pick<GatewayFiles, "apiSocket" | "hostMap" | "servedPem">;
  /** Written into the configuration and read back from the running worker: which one it loaded. */
  mark: string;
}

/** How often a route's copies are checked, and how many results change their state. */
export const HEALTH = { interSeconds: 1, fall: 2, rise: 2 };

const listen = (bind: string, first: number, last = first) => `${net.isIPv6(bind) ? `ipv6@${bind}` : bind}:${first === last ? first : `${first}-${last}`}`;

const quoted = (text: string) => `"${text.replace(/["\\]/g, "\\$&")}"`;

function global(o: RenderOptions): string[] {
  return [
    "# Written by Hoist (gateway/haproxy-config.ts); every change here is overwritten.",
    "global",
    "  master-worker",
    // expose-fd: a reload hands the listening sockets to the new worker, so no connection is refused meanwhile.
    `  stats socket ${o.files.apiSocket} mode 600 level admin expose-fd listeners`,
    "  stats timeout 30s",
    `  description ${o.mark}`,
    "  log stderr format short local0 notice",
    // After a reload the old worker serves its open connections (SSH sessions, tunnels) until
    // they end, for at most this long; a worker outliving 50 reloads is stopped.
    "  hard-stop-after 4h",
    "  mworker-max-reloads 50",
    "  ssl-default-bind-options ssl-min-ver TLSv1.2",
    "",
  ];
}

function http(o: RenderOptions, model: ProxyModel): string[] {
  const lines = [
    "defaults",
    "  mode http",
    "  log global",
    "  option dontlognull",
    "  option forwardfor",
    // A soft-stopped worker answers the idle keep-alive connections' next request with
    // `Connection: close` instead of closing them under the client's feet.
    "  option idle-close-on-response",
    "  timeout connect 5s",
    "  timeout client 60s",
    "  timeout server 60s",
    "  timeout http-request 10s",
    "  timeout tunnel 1h",
    "",
    "frontend http",
    `  bind ${listen(o.bind, o.httpPort)}`,
    `  bind ${listen(o.bind, o.httpsPort)} ssl crt ${o.files.servedPem} alpn h2,http/1.1`,
    "  http-request set-header X-Forwarded-Proto https if { ssl_fc }",
    "  http-request set-header X-Forwarded-Proto http if !{ ssl_fc }",
    `  use_backend %[req.hdr(host),lower,word(1,:),map(${o.files.hostMap},no_route)]`,
    "",
    "backend no_route",
    `  http-request return status 404 content-type text/plain string ${quoted("No such host on this gateway.")}`,
    "",
  ];
  for (const b of model.backends) lines.push(...backend(b));
  return lines;
}

function backend(b: HttpBackend): string[] {
  const lines = [`backend ${b.name}`];
  if (b.unavailable !== undefined && b.servers.length === 0) {
    lines.push(`  http-request return status 503 content-type text/plain string ${quoted(b.unavailable)}`, "");
    return lines;
  }
  if (b.health?.type === "http") {
    lines.push("  option httpchk", `  http-check send meth GET uri ${b.health.path} ver HTTP/1.1 hdr Host ${b.hostname}`);
  }
  const check = b.health ? ` check inter ${HEALTH.interSeconds}s fall ${HEALTH.fall} rise ${HEALTH.rise}` : "";
  for (const s of b.servers) lines.push(`  server ${s.name} ${s.address}:${s.port} weight ${s.weight}${check}`);
  lines.push("");
  return lines;
}

function tcp(o: RenderOptions, model: ProxyModel): string[] {
  if (model.tcp.length === 0) return [];
  const lines = ["defaults", "  mode tcp", "  log global", "  timeout connect 5s", "  timeout client 1h", "  timeout server 1h", ""];
  for (const t of model.tcp) lines.push(...tcpEntry(o, t));
  return lines;
}

function tcpEntry(o: RenderOptions, t: TcpEntry): string[] {
  const lines = [`frontend ${t.name}`, `  bind ${listen(o.bind, t.ports.first, t.ports.last)}`];
  // While the server is not running its ports stay bound by the gateway, and refuse at once.
  if (!t.target) return [...lines, "  tcp-request connection reject", ""];
  // A server without a port gets the port the client connected to: the block forwards port for port.
  const target = t.target.port === undefined ? t.target.address : `${t.target.address}:${t.target.port}`;
  return [...lines, `  default_backend ${t.name}`, "", `backend ${t.name}`, `  server node ${target}`, ""];
}

export function renderConfig(model: ProxyModel, o: RenderOptions): string {
  return [...global(o), ...http(o, model), ...tcp(o, model)].join("\n");
}

/** The host map: one `hostname backend` line each. */
export function renderHostMap(model: ProxyModel): string {
  return model.hosts.map(([host, backend]) => `${host} ${backend}\n`).join("");
}
