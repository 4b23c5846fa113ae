// Tags, which the provider uses to change a droplet's tags after creation.
import { Hono, type Context } from "hono";
import type { Deps, Env } from "../api.ts";
import { jsonBody, notFound, unprocessable } from "../http.ts";

export function tagRoutes(deps: Deps): Hono<Env> {
  const { account } = deps;
  const app = new Hono<Env>();
  const render = (name: string) => {
    const count = [...account.droplets.values()].filter((d) => d.tags.includes(name)).length;
    return { name, resources: { count, droplets: { count } } };
  };
  const tag = (c: Context): string => {
    const name = c.req.param("name") ?? "";
    if (!account.tags.has(name)) throw notFound();
    return name;
  };

  app.post("/tags", async (c) => {
    const name = (await jsonBody(c)).name;
    if (typeof name !== "string" || !/^[a-zA-Z0-9_:-]{1,255}$/.test(name)) {
      throw unprocessable("name: only letters, numbers, colons, dashes and underscores are allowed");
    }
    account.tags.add(name);
    return c.json({ tag: render(name) }, 201);
  });

  app.get("/tags/:name", (c) => c.json({ tag: render(tag(c)) }));

  app.delete("/tags/:name", (c) => {
    const name = tag(c);
    account.tags.delete(name);
    for (const d of account.droplets.values()) d.tags = d.tags.filter((t) => t !== name);
    return c.body(null, 204);
  });

  for (const method of ["post", "delete"] as const) {
    app[method]("/tags/:name/resources", async (c) => {
      const name = tag(c);
      const resources = (await jsonBody(c)).resources;
      for (const r of Array.isArray(resources) ? resources : []) {
        const { resource_id: id, resource_type: type } = (r ?? {}) as Record<string, unknown>;
        const d = type === "droplet" ? account.droplets.get(Number(id)) : undefined;
        if (!d) throw unprocessable(`resource ${String(type)}:${String(id)} was not found`);
        d.tags = d.tags.filter((t) => t !== name).concat(method === "post" ? [name] : []);
      }
      return c.body(null, 204);
    });
  }
  return app;
}
