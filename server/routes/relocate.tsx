// A server its region refused: the same size in the cloud's other regions (a fragment the server
// page asks for once it is shown, or a page of its own without JavaScript), and "Provision there".
import { Hono, type Context } from "hono";
import { Layout } from "../../views/layout.tsx";
import { RegionsCard, type RegionsView } from "../../views/server-dedicated.tsx";
import { otherRegions, relocateServer } from "../actions/relocate.ts";
import { getServer } from "../actions/servers.ts";
import type { Deps, Env } from "../env.ts";
import { fieldMap, InvalidInputError } from "../errors.ts";
import { setFlash } from "../flash.ts";
import { actorOf, formOf, pageBase } from "../render.ts";

export function relocateRoutes(deps: Deps) {
  const app = new Hono<Env>();

  async function regions(c: Context<Env>, id: string, error?: string) {
    const server = getServer(deps, actorOf(c), id);
    let r: RegionsView;
    try {
      const { currency, options } = await otherRegions(deps, actorOf(c), server);
      r = { serverId: server.id, size: server.size, region: server.region, currency, options, error };
    } catch (err) {
      r = { serverId: server.id, size: server.size, region: server.region, currency: "", options: [], error: (err as Error).message };
    }
    const card = <RegionsCard r={r} csrf={c.get("csrf")} />;
    if (c.req.header("hx-request")) return c.html(card);
    const base = pageBase(c);
    return c.html(
      <Layout title={`${server.name}: other regions`} csrf={base.csrf} viewer={base.viewer} flash={base.flash} paused={base.paused} section="nodes">
        <nav class="crumbs" aria-label="Breadcrumb">
          <a href="/nodes/cloud">Cloud Servers</a> / <a href={`/nodes/cloud/${server.id}`}>{server.name}</a> / <span aria-current="page">Other regions</span>
        </nav>
        {card}
      </Layout>,
    );
  }

  app.get("/:id/regions", (c) => regions(c, c.req.param("id")));

  app.post("/:id/relocate", async (c) => {
    const id = c.req.param("id");
    const form = await formOf(c);
    try {
      await relocateServer(deps, actorOf(c), id, form);
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      c.status(422);
      return regions(c, id, fieldMap(err).region);
    }
    setFlash(c, "ok", `Provisioning again in ${String(form.region)}.`);
    return c.redirect(`/nodes/cloud/${id}`, 303);
  });

  return app;
}
