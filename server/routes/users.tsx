// /users: the admin's page for inviting people and setting roles.
import { Hono, type Context } from "hono";
import { disableUser, enableUser, handOverChoices } from "../actions/user-access.ts";
import { changeRole, inviteUser, listUsers, removeUser } from "../actions/users.ts";
import { ownedCounts } from "../../state/ownership.ts";
import { NotFoundError } from "../errors.ts";
import type { Deps, Env } from "../env.ts";
import { setFlash } from "../flash.ts";
import { actorOf, echo, formOf, handleForm, pageBase } from "../render.ts";
import { DisableUserPage, UsersPage } from "../../views/users.tsx";

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

  const disablePage = (c: Context<Env>, id: string, errors: Record<string, string> = {}) => {
    const user = listUsers(deps, actorOf(c)).find((u) => u.id === id);
    if (!user) throw new NotFoundError("user");
    const admins = handOverChoices(deps, user).map((a) => ({ id: a.id, email: a.email }));
    return c.html(<DisableUserPage {...pageBase(c)} user={user} owned={ownedCounts(deps.db, user.id)} admins={admins} errors={errors} />);
  };

  app.get("/:id/disable", (c) => disablePage(c, c.req.param("id")));

  app.post("/:id/disable", async (c) => {
    const id = c.req.param("id");
    const { handTo } = await formOf(c);
    return handleForm(
      c,
      () => disableUser(deps, actorOf(c), id, { handTo: handTo || undefined }),
      (errors) => disablePage(c, id, errors),
      (user) => {
        setFlash(c, "ok", `${user.email} is disabled: signed out everywhere, API tokens revoked.`);
        return redirect(c, "/users");
      },
    );
  });

  app.post("/:id/enable", (c) => {
    const user = enableUser(deps, actorOf(c), c.req.param("id"));
    setFlash(c, "ok", `${user.email} can sign in again.`);
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
