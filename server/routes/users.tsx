// /users: the admin's page for inviting people and setting roles.
import { Hono, type Context } from "hono";
import { changeRole, inviteUser, listUsers, removeUser } from "../actions/users.ts";
import type { Deps, Env } from "../env.ts";
import { setFlash } from "../flash.ts";
import { actorOf, echo, formOf, handleForm, pageBase } from "../render.ts";
import { UsersPage } from "../../views/users.tsx";

export function userRoutes(deps: Deps) {
  const app = new Hono<Env>();

  const render = (c: Context<Env>, extra: { values?: Record<string, string>; errors?: Record<string, string>; inviteLink?: string } = {}) => {
    const actor = actorOf(c);
    const users = listUsers(deps, actor).map((u) => ({ ...u, self: u.id === actor.user.id }));
    return c.html(<UsersPage {...pageBase(c)} users={users} values={extra.values ?? {}} errors={extra.errors ?? {}} inviteLink={extra.inviteLink} />);
  };

  app.get("/", (c) => render(c));

  app.post("/", async (c) => {
    const form = await formOf(c);
    return handleForm(
      c,
      () => inviteUser(deps, actorOf(c), form),
      (errors) => render(c, { values: echo(form), errors }),
      ({ token }) => {
        const origin = deps.config.publicUrl ?? new URL(c.req.url).origin;
        c.header("Cache-Control", "no-store");
        c.status(201);
        return render(c, { inviteLink: `${origin}/invite/${token}` });
      },
    );
  });

  app.post("/:id/role", async (c) => {
    const user = changeRole(deps, actorOf(c), c.req.param("id"), await formOf(c));
    setFlash(c, "ok", `${user.email} is now ${user.role}.`);
    return redirect(c, "/users");
  });

  app.post("/:id/remove", (c) => {
    const user = removeUser(deps, actorOf(c), c.req.param("id"));
    setFlash(c, "ok", `${user.email} removed.`);
    return redirect(c, "/users");
  });

  return app;
}

/** A redirect that also works for HTMX requests (which follow HX-Redirect, not 303). */
export function redirect(c: Context, to: string): Response {
  if (c.req.header("hx-request")) {
    c.header("HX-Redirect", to);
    return c.body(null, 200);
  }
  return c.redirect(to, 303);
}
