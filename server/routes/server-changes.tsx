// Changing a cloud server under /nodes/cloud/:id: the form (size and image from the live catalog,
// firewall ports), which proposes a change, and the change's pages (server/change-routes.tsx).
import { Hono, type Context } from "hono";
import type { Catalog } from "../../stacks/cloud.ts";
import { deploymentsOnNode } from "../../state/deployments.ts";
import { nodeOfServer } from "../../state/nodes.ts";
import type { Server } from "../../state/servers.ts";
import { serverPolicy } from "../../state/statuses.ts";
import { ServerChangePage, ServerChangeShell, type ServerChangeValues } from "../../views/server-change-form.tsx";
import { firewallPortsOf } from "../../engine/server-kind.ts";
import { requireWriter } from "../actions/guards.ts";
import { applyServerChange, discardServerChange, getServerChange, proposeServerChange } from "../actions/server-changes.ts";
import { getServer, serverCredential } from "../actions/servers.ts";
import { changeRoutes } from "../change-routes.tsx";
import { serverChangeView } from "../change-views.ts";
import type { Deps, Env } from "../env.ts";
import { ConflictError, fieldMap, InvalidInputError } from "../errors.ts";
import { actorOf, formOf, pageBase } from "../render.ts";
import { ownersFor, serverView } from "../view-models.ts";

export function serverChangeRoutes(deps: Deps) {
  const app = new Hono<Env>();
  const viewOf = (c: Context<Env>, s: Server) => serverView(deps, actorOf(c), s, ownersFor(deps, actorOf(c)));

  async function catalogOf(c: Context<Env>, server: Server): Promise<{ catalog: Catalog } | { error: string }> {
    try {
      const { support, cloud } = serverCredential(deps, actorOf(c), server.credentialId);
      return { catalog: await support.catalog(cloud, { signal: AbortSignal.timeout(20_000) }) };
    } catch (err) {
      return { error: `The provider did not give its catalog: ${(err as Error).message}.` };
    }
  }

  const formPage = async (c: Context<Env>, server: Server, values: ServerChangeValues, errors: Record<string, string>) => {
    const node = nodeOfServer(deps.db, server.id);
    const deployments = (node ? deploymentsOnNode(deps.db, node.id) : []).map((d) => d.name);
    return c.html(
      <ServerChangePage {...pageBase(c)} canWrite server={viewOf(c, server)} firewallPorts={firewallPortsOf(server)} catalog={await catalogOf(c, server)} values={values} errors={errors} deployments={deployments} />,
    );
  };

  app.get("/:id/change", async (c) => {
    requireWriter(actorOf(c));
    const server = getServer(deps, actorOf(c), c.req.param("id"));
    if (!serverPolicy.canChange(server.status)) throw new ConflictError(`The server is ${server.status}; it can be changed once it is ready (or has failed).`);
    return formPage(c, server, {}, {});
  });

  app.post("/:id/change", async (c) => {
    const id = c.req.param("id");
    const form = await formOf(c);
    const server = getServer(deps, actorOf(c), id);
    // Only what differs from now is proposed: an unchanged select is not a change.
    const values: ServerChangeValues = { size: String(form.size ?? ""), image: String(form.image ?? ""), firewallPorts: String(form.firewallPorts ?? "") };
    try {
      const { change } = await proposeServerChange(deps, actorOf(c), id, values);
      return c.redirect(`/nodes/cloud/${id}/changes/${change.id}`, 303);
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      c.status(422);
      return formPage(c, server, values, fieldMap(err));
    }
  });

  changeRoutes<Server>(app, deps, {
    base: (id) => `/nodes/cloud/${id}`,
    get: (c, id, changeId) => {
      const { change, server } = getServerChange(deps, actorOf(c), id, changeId);
      return { change, subject: server };
    },
    view: serverChangeView,
    apply: (c, id, changeId, form) => void applyServerChange(deps, actorOf(c), id, changeId, form),
    discard: (c, id, changeId) => discardServerChange(deps, actorOf(c), id, changeId),
    page: (c, server, body) => c.html(<ServerChangeShell {...pageBase(c)} canWrite server={viewOf(c, server)}>{body}</ServerChangeShell>),
  });
  return app;
}
