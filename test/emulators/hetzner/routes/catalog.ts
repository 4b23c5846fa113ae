// The read-only catalog: locations, datacenters, server types, images and the price list.
import { Hono } from "hono";
import { DATACENTERS, IMAGES, LOCATIONS, SERVER_TYPES, pricing } from "../catalog.ts";
import { notFound, paginated, pathId, sortBy } from "../http.ts";

/** A list filtered by `?name=`, and one item by id, for each named catalog collection. */
function named<T extends { id: number; name: string }>(app: Hono, path: string, key: string, one: string, items: readonly T[]) {
  app.get(path, (c) => {
    const name = c.req.query("name");
    return paginated(c, key, items.filter((i) => name === undefined || i.name === name));
  });
  app.get(`${path}/:id`, (c) => {
    const id = pathId(c);
    const item = items.find((i) => i.id === id);
    if (!item) throw notFound(one, id);
    return c.json({ [one]: item });
  });
}

export function catalogRoutes() {
  const app = new Hono();
  named(app, "/locations", "locations", "location", LOCATIONS);
  named(app, "/datacenters", "datacenters", "datacenter", DATACENTERS);
  named(app, "/server_types", "server_types", "server_type", SERVER_TYPES);

  app.get("/images", (c) => {
    const q = c.req.query();
    const types = c.req.queries("type");
    const arches = c.req.queries("architecture");
    const statuses = c.req.queries("status");
    const list = IMAGES.filter(
      (i) =>
        (q.name === undefined || i.name === q.name) &&
        (!types?.length || types.includes(i.type)) &&
        (!arches?.length || arches.includes(i.architecture)) &&
        (!statuses?.length || statuses.includes(i.status)) &&
        (q.include_deprecated === "true" || i.deprecated === null),
    );
    return paginated(c, "images", sortBy(list, c.req.queries("sort") ?? ["id"], (i, f) => (i as unknown as Record<string, unknown>)[f]));
  });
  app.get("/images/:id", (c) => {
    const id = pathId(c);
    const image = IMAGES.find((i) => i.id === id);
    if (!image) throw notFound("image", id);
    return c.json({ image });
  });

  app.get("/pricing", (c) => c.json({ pricing: pricing() }));
  return app;
}
