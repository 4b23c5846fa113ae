// The confirmations around a migration: Start (which deployments move where, which are stateful
// and will be down while their data is copied) and Cancel.
import { AppsPage } from "./apps.tsx";
import { CsrfInput } from "./components.tsx";
import type { Base } from "./servers.tsx";

export interface MovingDeploymentView {
  id: string;
  name: string;
  app: string;
  from: string;
  /** Its volumes (a stateful app is stopped while they are copied). */
  volumes: string[];
}

export interface NewMigrationProps {
  node: { id: string; name: string; address: string } | null;
  deployments: MovingDeploymentView[];
  /** What stops it from starting (the node, a deployment, the gateway), field by field. */
  problems: { field: string; message: string }[];
}

export const NewMigrationPage = (p: Base & NewMigrationProps) => {
  const stateful = p.deployments.filter((d) => d.volumes.length > 0);
  return (
    <AppsPage title="Start a migration" tab="migrations" csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused}>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/migrations">Migrations</a> / <span aria-current="page">New</span>
      </nav>
      <div class="card">
        <h2>Move {p.deployments.length === 1 ? "this deployment" : `these ${p.deployments.length} deployments`} to {p.node ? <strong>{p.node.name}</strong> : "a dedicated node"}?</h2>
        {p.problems.length > 0 && (
          <div class="flash flash-error" role="alert">
            <ul>
              {p.problems.map((e) => (
                <li>
                  {e.field}: {e.message}
                </li>
              ))}
            </ul>
          </div>
        )}
        {p.deployments.length === 0 ? (
          <p class="empty">No deployment was picked. Start from the dedicated node wizard, or pass ?node=&lt;node id&gt;&amp;deployments=&lt;id&gt;,&lt;id&gt;.</p>
        ) : (
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Deployment</th>
                <th scope="col">App</th>
                <th scope="col">Now on</th>
                <th scope="col">How it moves</th>
              </tr>
            </thead>
            <tbody>
              {p.deployments.map((d) => (
                <tr>
                  <td>{d.name}</td>
                  <td>{d.app}</td>
                  <td>{d.from}</td>
                  <td>{d.volumes.length ? <strong>Stateful ({d.volumes.join(", ")}): stopped while its data is copied — a short downtime</strong> : "Without downtime: a copy starts, then the gateway switches to it"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p class="small">
          Each deployment in turn: a copy is deployed on the new node, must pass its health check, then the gateway switches its hostname to the copy while the old copy drains, and the old copy is removed. A
          copy that fails its health check is removed and the deployment stays where it is. Traffic is watched through the gateway; if it degrades, the migration pauses itself.
        </p>
        {stateful.length > 0 && (
          <p class="flash flash-warn">
            Announced downtime: {stateful.map((d) => d.name).join(", ")} {stateful.length === 1 ? "keeps" : "keep"} data in volumes, so {stateful.length === 1 ? "it is" : "they are"} stopped while the data is
            copied to the new node, and answer again once the copy runs. The downtime is measured and shown.
          </p>
        )}
        {p.node && p.deployments.length > 0 && p.problems.length === 0 && (
          <form method="post" action="/migrations">
            <CsrfInput token={p.csrf} />
            <input type="hidden" name="nodeId" value={p.node.id} />
            <input type="hidden" name="deployments" value={p.deployments.map((d) => d.id).join(",")} />
            <button type="submit" class="primary" id="start-migration">
              Start the migration
            </button>{" "}
            <a href="/migrations">Not now</a>
          </form>
        )}
      </div>
    </AppsPage>
  );
};

export const CancelMigrationPage = (p: Base & { id: string; inFlight: string | undefined }) => (
  <AppsPage title="Cancel the migration" tab="migrations" csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused}>
    <div class="card danger-zone">
      <h2>Cancel this migration?</h2>
      <p>
        {p.inFlight ? (
          <>
            <strong>{p.inFlight}</strong> is being moved: it is rolled back (the gateway returns to its old copy, the new copy is removed).
          </>
        ) : (
          "No deployment is being moved right now."
        )}{" "}
        Deployments already moved stay on the new node; those not reached yet stay where they run.
      </p>
      <form method="post" action={`/migrations/${p.id}/cancel`}>
        <CsrfInput token={p.csrf} />
        <button type="submit" class="danger" id="confirm-cancel">
          Cancel the migration
        </button>{" "}
        <a href={`/migrations/${p.id}`}>Keep it going</a>
      </form>
    </div>
  </AppsPage>
);
