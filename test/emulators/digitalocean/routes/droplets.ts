// Droplets: create (202 with links.actions), get, list (?tag_name, ?name), delete (204, also by
// tag), and droplet actions.
import { Hono, type Context } from "hono";
import type { Deps, Env } from "../api.ts";
import { findImage, findRegion, findSize } from "../catalog.ts";
import { validName } from "../fleet.ts";
import { badRequest, jsonBody, notFound, paginate, unprocessable } from "../http.ts";
import { defaultVpc, now, renderAction, renderDroplet, type DropletRecord, type KeyRecord } from "../state.ts";

export function dropletRoutes(deps: Deps): Hono<Env> {
  const { account, fleet } = deps;
  const app = new Hono<Env>();
  const droplet = (c: Context): DropletRecord => {
    const d = account.droplets.get(Number(c.req.param("id")));
    if (!d) throw notFound();
    return d;
  };

  app.post("/droplets", async (c) => {
    const body = await jsonBody(c);
    const multi = Array.isArray(body.names);
    const names = (multi ? (body.names as unknown[]) : [body.name]).map(validName);
    if (names.length === 0 || names.length > 10) throw unprocessable("You may only create between 1 and 10 droplets at a time.");
    if (deps.faults.take("quota") || account.droplets.size + names.length > account.dropletLimit) {
      throw unprocessable("creating this/these droplet(s) will exceed your droplet limit");
    }
    const spec = dropletSpec(deps, body);
    const created = names.map((name) => {
      const d: DropletRecord = { ...spec, id: deps.ids.droplet(), name, createdAt: now(), tags: [...spec.tags], features: [...spec.features] };
      return { d, action: fleet.create(d) };
    });
    const origin = new URL(c.req.url).origin;
    const links = { actions: created.map(({ action }) => ({ id: action.id, rel: "create", href: `${origin}/v2/actions/${action.id}` })) };
    const rendered = created.map(({ d }) => renderDroplet(d));
    return c.json(multi ? { droplets: rendered, links } : { droplet: rendered[0], links }, 202);
  });

  app.get("/droplets", (c) => {
    const tag = c.req.query("tag_name");
    const name = c.req.query("name");
    const list = [...account.droplets.values()]
      .filter((d) => (tag === undefined || d.tags.includes(tag)) && (name === undefined || d.name === name))
      .map(renderDroplet);
    return c.json(paginate(c, "droplets", list));
  });

  app.get("/droplets/:id", (c) => c.json({ droplet: renderDroplet(droplet(c)) }));

  app.delete("/droplets/:id", (c) => {
    void fleet.remove(droplet(c).id);
    return c.body(null, 204);
  });

  app.delete("/droplets", (c) => {
    const tag = c.req.query("tag_name");
    if (!tag) throw badRequest("tag_name is required");
    for (const d of [...account.droplets.values()]) if (d.tags.includes(tag)) void fleet.remove(d.id);
    return c.body(null, 204);
  });

  app.post("/droplets/:id/actions", async (c) => {
    const d = droplet(c);
    const body = await jsonBody(c);
    if (typeof body.type !== "string") throw unprocessable("type is required");
    return c.json({ action: renderAction(fleet.act(d, body.type, body)) }, 201);
  });

  app.get("/droplets/:id/actions", (c) => {
    const id = droplet(c).id;
    const list = [...account.actions.values()].filter((a) => a.resourceId === id).reverse().map(renderAction);
    return c.json(paginate(c, "actions", list));
  });

  app.get("/droplets/:id/actions/:actionId", (c) => {
    const a = account.actions.get(Number(c.req.param("actionId")));
    if (!a || a.resourceId !== droplet(c).id) throw notFound();
    return c.json({ action: renderAction(a) });
  });
  return app;
}

type DropletSpec = Omit<DropletRecord, "id" | "name" | "createdAt">;

/** Validates a create request the way the API does and returns what each new droplet gets. */
function dropletSpec(deps: Deps, body: Record<string, unknown>): DropletSpec {
  const size = typeof body.size === "string" ? findSize(body.size) : undefined;
  if (!size) throw unprocessable("You specified an invalid size for Droplet creation.");
  const image = typeof body.image === "string" || typeof body.image === "number" ? findImage(body.image) : undefined;
  if (!image) throw unprocessable("You specified an invalid image for Droplet creation.");
  // An empty region lets the API choose, as the real one does.
  const regionSlug = typeof body.region === "string" && body.region !== "" ? body.region : size.regions.includes("nyc3") ? "nyc3" : size.regions[0]!;
  const region = findRegion(regionSlug);
  if (!region) throw unprocessable("You specified an invalid region for Droplet creation.");
  if (!size.regions.includes(region.slug)) throw unprocessable("Size is not available in this region.");
  const keys = (Array.isArray(body.ssh_keys) ? body.ssh_keys : []).map((ref) => findKey(deps, ref));
  const tags = Array.isArray(body.tags) ? body.tags.map(String) : [];
  for (const t of tags) {
    if (!/^[a-zA-Z0-9_:-]{1,255}$/.test(t)) throw unprocessable(`tag "${t}" is invalid: only letters, numbers, colons, dashes and underscores are allowed`);
    deps.account.tags.add(t);
  }
  const features = ["private_networking"];
  if (body.with_droplet_agent !== false) features.push("droplet_agent");
  if (body.backups === true) features.push("backups");
  if (body.ipv6 === true) features.push("ipv6");
  if (body.monitoring === true) features.push("monitoring");
  return {
    status: "new",
    locked: false,
    region: region.slug,
    size: size.slug,
    disk: size.disk,
    image,
    authorizedKeys: keys.map((k) => k.publicKey),
    tags,
    features,
    vpcUuid: typeof body.vpc_uuid === "string" && body.vpc_uuid ? body.vpc_uuid : defaultVpc(region.slug),
    userData: typeof body.user_data === "string" ? body.user_data : undefined,
    volumeIds: [],
  };
}

/** An `ssh_keys` entry: a key id (number or numeric string) or its fingerprint. */
function findKey(deps: Deps, ref: unknown): KeyRecord {
  const byId = typeof ref === "number" || (typeof ref === "string" && /^\d+$/.test(ref)) ? deps.account.keys.get(Number(ref)) : undefined;
  const key = byId ?? [...deps.account.keys.values()].find((k) => k.fingerprint === ref);
  if (!key) throw unprocessable(`You specified an invalid SSH key ID or fingerprint: ${String(ref)}.`);
  return key;
}
