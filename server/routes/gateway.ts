// /gateway: what signed-in users download from the gateway (the internal CA's certificate).
import { Hono } from "hono";
import { gatewayCa } from "../actions/gateway.ts";
import type { Deps, Env } from "../env.ts";

export function gatewayRoutes(deps: Deps) {
  const app = new Hono<Env>();

  app.get("/ca.crt", (c) => {
    c.header("content-type", "application/x-pem-file");
    c.header("content-disposition", 'attachment; filename="hoist-gateway-ca.crt"');
    return c.body(gatewayCa(deps));
  });

  return app;
}
