// On a server's page: what the dedicated node wizard made it for (and, once it is ready, the way
// to move those deployments), and for a server its region refused, the same size elsewhere.
import { CsrfInput } from "./components.tsx";
import { money } from "./servers.tsx";

export interface DedicatedView {
  deployments: { id: string; name: string }[];
  later: { id: string; name: string }[];
  moveUrl: string | null;
}

export const DedicatedCard = (p: { d: DedicatedView }) => (
  <div class="card" id="dedicated">
    <h3>Dedicated node</h3>
    <p>
      Made for {p.d.deployments.map((d) => d.name).join(", ")}
      {p.d.later.length > 0 && <span class="muted"> (later phase: {p.d.later.map((d) => d.name).join(", ")})</span>}.
    </p>
    {p.d.moveUrl ? (
      <p role="status">
        The node is ready.{" "}
        <a class="button primary" href={p.d.moveUrl} id="move-deployments">
          Move the deployments
        </a>
      </p>
    ) : (
      <p class="muted">Once the node is ready, “Move the deployments” appears here.</p>
    )}
  </div>
);

export interface RegionsView {
  serverId: string;
  size: string;
  region: string;
  currency: string;
  options: { region: string; label: string; monthly: number; difference: number | null }[];
  error?: string;
}

/** Asked for once the page is there, so the provider's catalog never holds the page up. */
export const RegionsLoader = (p: { serverId: string }) => (
  <div id="other-regions" hx-get={`/nodes/cloud/${p.serverId}/regions`} hx-trigger="load" hx-swap="outerHTML">
    <p class="muted">
      <a href={`/nodes/cloud/${p.serverId}/regions`}>The same size in other regions…</a>
    </p>
  </div>
);

export const RegionsCard = (p: { r: RegionsView; csrf: string }) => {
  const r = p.r;
  const diff = (n: number | null) => (n === null ? "" : n === 0 ? "same price" : `${n > 0 ? "+" : "−"}${money(Math.abs(n), r.currency)}/month`);
  return (
    <div class="card" id="other-regions">
      <h3>
        {r.size} in other regions
      </h3>
      {r.error && (
        <p class="error" role="alert">
          {r.error}
        </p>
      )}
      {r.options.length === 0 ? (
        <p class="muted">The provider offers {r.size} in no other region now: retry later, or destroy this server and choose another size.</p>
      ) : (
        <>
          <p class="muted small">Provisioning there retries this same server in that region (its name, node and gateway entry points stay); what the refused attempt left is replaced.</p>
          <table class="list">
            <thead>
              <tr>
                <th>Region</th>
                <th class="num">Monthly</th>
                <th class="num">Against {r.region}</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {r.options.map((o) => (
                <tr>
                  <td>{o.label}</td>
                  <td class="num">{money(o.monthly, r.currency)}</td>
                  <td class="num">{diff(o.difference)}</td>
                  <td class="row-actions">
                    <form method="post" action={`/nodes/cloud/${r.serverId}/relocate`} class="inline">
                      <CsrfInput token={p.csrf} />
                      <input type="hidden" name="region" value={o.region} />
                      <button type="submit" class="small" id={`relocate-${o.region}`}>
                        Provision there
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
};
