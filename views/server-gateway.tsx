// A cloud server's entry points on the gateway: its hostname, the SSH command through the
// forwarded port, and its block of forwarded TCP ports.
import { Badge } from "./components.tsx";

export interface ServerGatewayView {
  hostname: string;
  http: string;
  https: string;
  sshPort: number;
  /** The full command, once the node says which user logs in. */
  sshCommand?: string;
  tcpPorts: { first: number; last: number };
  /** Whether the gateway forwards to the server now (it runs and has a node). */
  routed: boolean;
  /** Where to download the CA that signed the gateway's certificate (Hoist's own), if it is one. */
  caUrl?: string;
}

export const GatewayCard = (p: { gateway?: ServerGatewayView }) => {
  const g = p.gateway;
  if (!g) return null;
  return (
    <div class="card gateway-card">
      <div class="server-title">
        <h3>
          Gateway{" "}
          <Badge tone={g.routed ? "ok" : "muted"} title={g.routed ? undefined : "The entry points stay reserved for this server, and forward once it runs."}>
            {g.routed ? "forwarding" : "reserved"}
          </Badge>
        </h3>
      </div>
      <dl class="facts">
        <dt>Hostname</dt>
        <dd>
          <code>{g.hostname}</code> <span class="muted small">(HTTP and HTTPS to the server's port 80)</span>
        </dd>
        <dt>Web</dt>
        <dd>
          <code>{g.https}</code> · <code>{g.http}</code>
        </dd>
        <dt>SSH</dt>
        <dd>
          <code>{g.sshCommand ?? `ssh -p ${g.sshPort} …@${g.hostname}`}</code>
        </dd>
        <dt>TCP ports</dt>
        <dd>
          <code>
            {g.tcpPorts.first}–{g.tcpPorts.last}
          </code>{" "}
          <span class="muted small">(each forwarded to the same port on the server)</span>
        </dd>
        {g.caUrl && (
          <>
            <dt>Certificate</dt>
            <dd>
              signed by Hoist's own CA: <a href={g.caUrl}>download the CA certificate</a> to trust it
            </dd>
          </>
        )}
      </dl>
    </div>
  );
};
