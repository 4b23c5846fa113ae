// /settings/tokens: the signed-in user's API tokens.
import { Hono, type Context } from "hono";
import { createToken, DEFAULT_TOKEN_DAYS, listTokens, revokeToken, TOKEN_DAYS } from "../actions/tokens.ts";
import type { Deps, Env } from "../env.ts";
import { setFlash } from "../flash.ts";
import { actorOf, echo, formOf, handleForm, pageBase } from "../render.ts";
import { TokensPage } from "../../views/tokens.tsx";
import { redirect } from "./users.tsx";

export function tokenRoutes(deps: Deps) {
  const app = new Hono<Env>();

  const render = (c: Context<Env>, extra: { values?: Record<string, string>; errors?: Record<string, string>; created?: string } = {}) =>
    c.html(
      <TokensPage {...pageBase(c)} tokens={listTokens(deps, actorOf(c))} values={extra.values ?? {}} errors={extra.errors ?? {}} created={extra.created} days={TOKEN_DAYS} defaultDays={DEFAULT_TOKEN_DAYS} />,
    );

  app.get("/", (c) => render(c));

  app.post("/", async (c) => {
    const form = await formOf(c);
    return handleForm(
      c,
      () => createToken(deps, actorOf(c), form),
      (errors) => render(c, { values: echo(form), errors }),
      ({ token }) => {
        // The token is in this one response only; a reload does not show it again.
        c.header("Cache-Control", "no-store");
        c.status(201);
        return render(c, { created: token });
      },
    );
  });

  app.post("/:id/revoke", (c) => {
    revokeToken(deps, actorOf(c), c.req.param("id"));
    setFlash(c, "ok", "Token revoked.");
    return redirect(c, "/settings/tokens");
  });

  return app;
}
