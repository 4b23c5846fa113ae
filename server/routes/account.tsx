// /settings/account: the signed-in user's own password.
import { Hono } from "hono";
import { changePassword } from "../actions/user-access.ts";
import type { Deps, Env } from "../env.ts";
import { setFlash } from "../flash.ts";
import { actorOf, formOf, handleForm, pageBase } from "../render.ts";
import { AccountPage } from "../../views/account.tsx";

export function accountRoutes(deps: Deps) {
  const app = new Hono<Env>();

  app.get("/", (c) => c.html(<AccountPage {...pageBase(c)} errors={{}} />));

  app.post("/", async (c) => {
    const form = await formOf(c);
    return handleForm(
      c,
      () => changePassword(deps, actorOf(c), form),
      (errors) => c.html(<AccountPage {...pageBase(c)} errors={errors} />),
      () => {
        setFlash(c, "ok", "Your password is changed; your other sessions are signed out.");
        return c.redirect("/settings/account", 303);
      },
    );
  });

  return app;
}
