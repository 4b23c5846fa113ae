// Catalog (regions, sizes, images) and the account, which credential checks read.
import { Hono, type MiddlewareHandler } from "hono";
import type { Deps, Env } from "../api.ts";
import { findImage, images, regions, sizes } from "../catalog.ts";
import { DoApiError, notFound, paginate } from "../http.ts";

const CATALOG = /^\/v2\/(regions|sizes|images)(\/|$)/;

export function catalogRoutes(deps: Deps): Hono<Env> {
  const app = new Hono<Env>();
  // The catalog-down fault: a 5xx, or a request that is never answered (until the emulator stops).
  const outage: MiddlewareHandler<Env> = async (c, next) => {
    if (!CATALOG.test(c.req.path)) return next();
    const fault = deps.faults.take("catalog-down");
    if (fault?.mode === "timeout") await deps.stopped;
    if (fault) throw new DoApiError(503, "service_unavailable", "The service is temporarily unavailable. Please try again later.");
    await next();
  };
  app.use("*", outage);

  app.get("/regions", (c) => c.json(paginate(c, "regions", regions)));
  app.get("/sizes", (c) => c.json(paginate(c, "sizes", sizes)));
  app.get("/images", (c) => {
    const type = c.req.query("type");
    // Every image here is a public distribution image; the account has no snapshots or custom images.
    const list = type === "distribution" || type === undefined ? images : [];
    return c.json(paginate(c, "images", c.req.query("private") === "true" ? [] : list));
  });
  app.get("/images/:ref", (c) => {
    const image = findImage(c.req.param("ref"));
    if (!image) throw notFound();
    return c.json({ image });
  });

  app.get("/account", (c) =>
    c.json({
      account: {
        droplet_limit: deps.account.dropletLimit,
        floating_ip_limit: 3,
        reserved_ip_limit: 3,
        volume_limit: 100,
        email: "operator@example.com",
        name: "Hoist Test Bed",
        uuid: "b6fc48a1-3a3c-4b5e-9a5f-7c1f2a0d8e11",
        email_verified: true,
        status: "active",
        status_message: "",
        team: { uuid: "5df3e3004a17e242b7c20ca6c9fc25b701a47ece", name: "My Team" },
      },
    }),
  );
  return app;
}
