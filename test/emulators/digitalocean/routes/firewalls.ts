// Cloud firewalls: CRUD (create 202, update PUT 200, delete 204) and attaching droplets, tags
// and rules.
import { Hono, type Context } from "hono";
import type { Deps, Env } from "../api.ts";
import { jsonBody, notFound, paginate, unprocessable } from "../http.ts";
import { now, renderFirewall, type FirewallRecord, type FirewallRule } from "../state.ts";

const TARGET_KEYS = ["addresses", "droplet_ids", "tags", "load_balancer_uids", "kubernetes_ids"];

export function firewallRoutes(deps: Deps): Hono<Env> {
  const { account } = deps;
  const app = new Hono<Env>();
  const firewall = (c: Context): FirewallRecord => {
    const f = account.firewalls.get(c.req.param("id") ?? "");
    if (!f) throw notFound();
    return f;
  };
  /** Applies a create/update body; every field is replaced, as the API's PUT does. */
  const apply = (f: FirewallRecord, body: Record<string, unknown>) => {
    if (typeof body.name !== "string" || !/^[a-zA-Z0-9.-]{1,255}$/.test(body.name)) {
      throw unprocessable("name: Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)");
    }
    f.name = body.name;
    f.inbound = rules(body.inbound_rules, "sources");
    f.outbound = rules(body.outbound_rules, "destinations");
    f.dropletIds = dropletIds(deps, body.droplet_ids);
    f.tags = strings(body.tags);
  };

  app.get("/firewalls", (c) => c.json(paginate(c, "firewalls", [...account.firewalls.values()].map(renderFirewall))));

  app.post("/firewalls", async (c) => {
    const f: FirewallRecord = { id: deps.ids.uuid(), name: "", createdAt: now(), inbound: [], outbound: [], dropletIds: [], tags: [] };
    apply(f, await jsonBody(c));
    account.firewalls.set(f.id, f);
    return c.json({ firewall: renderFirewall(f) }, 202);
  });

  app.get("/firewalls/:id", (c) => c.json({ firewall: renderFirewall(firewall(c)) }));

  app.put("/firewalls/:id", async (c) => {
    const f = firewall(c);
    const next = { ...f };
    apply(next, await jsonBody(c));
    Object.assign(f, next);
    return c.json({ firewall: renderFirewall(f) });
  });

  app.delete("/firewalls/:id", (c) => {
    account.firewalls.delete(firewall(c).id);
    return c.body(null, 204);
  });

  // Attach (POST) and detach (DELETE) droplets, tags and rules.
  for (const method of ["post", "delete"] as const) {
    const add = method === "post";
    app[method]("/firewalls/:id/droplets", async (c) => {
      const f = firewall(c);
      const ids = dropletIds(deps, (await jsonBody(c)).droplet_ids);
      f.dropletIds = add ? [...new Set([...f.dropletIds, ...ids])] : f.dropletIds.filter((x) => !ids.includes(x));
      return c.body(null, 204);
    });
    app[method]("/firewalls/:id/tags", async (c) => {
      const f = firewall(c);
      const tags = strings((await jsonBody(c)).tags);
      f.tags = add ? [...new Set([...f.tags, ...tags])] : f.tags.filter((t) => !tags.includes(t));
      return c.body(null, 204);
    });
    app[method]("/firewalls/:id/rules", async (c) => {
      const f = firewall(c);
      const body = await jsonBody(c);
      const key = (r: FirewallRule) => JSON.stringify(r);
      for (const [field, dir, targets] of [["inbound", "inbound_rules", "sources"], ["outbound", "outbound_rules", "destinations"]] as const) {
        const given = rules(body[dir], targets);
        const drop = new Set(given.map(key));
        f[field] = add ? [...f[field], ...given] : f[field].filter((r) => !drop.has(key(r)));
      }
      return c.body(null, 204);
    });
  }
  return app;
}

function rules(value: unknown, targetsKey: "sources" | "destinations"): FirewallRule[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw unprocessable(`${targetsKey === "sources" ? "inbound" : "outbound"}_rules must be an array`);
  return value.map((raw) => {
    const r = (raw ?? {}) as Record<string, unknown>;
    const protocol = String(r.protocol ?? "");
    if (!["tcp", "udp", "icmp"].includes(protocol)) throw unprocessable(`protocol: "${protocol}" is not one of tcp, udp, icmp`);
    let ports = typeof r.ports === "string" ? r.ports : "";
    if (protocol === "icmp" || ports === "all") ports = "0";
    else if (!/^\d+(-\d+)?$/.test(ports)) throw unprocessable("ports: must be a port, a range (8000-9000) or all for tcp and udp");
    const given = (r[targetsKey] ?? {}) as Record<string, unknown>;
    const targets: Record<string, unknown> = {};
    for (const k of TARGET_KEYS) if (Array.isArray(given[k]) && given[k].length) targets[k] = given[k];
    return { protocol, ports, targets };
  });
}

function dropletIds(deps: Deps, value: unknown): number[] {
  const ids = Array.isArray(value) ? value.map(Number) : [];
  for (const id of ids) if (!deps.account.droplets.has(id)) throw unprocessable(`droplet ${id} was not found`);
  return [...new Set(ids)];
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? [...new Set(value.map(String))] : [];
}
