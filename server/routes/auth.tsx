// First run, sign in / out, and invitation links.
import { Hono } from "hono";
import { signIn } from "../actions/sign-in.ts";
import { acceptInvite, createFirstAdmin, findInvite } from "../actions/users.ts";
import { countUsers } from "../../state/users.ts";
import { endSession, startSession } from "../auth/session.ts";
import type { Deps, Env } from "../env.ts";
import { ConflictError } from "../errors.ts";
import { setFlash } from "../flash.ts";
import { addressOf, echo, formOf, handleForm, pageBase, safeNext } from "../render.ts";
import { InvitePage, LoginPage, SetupPage } from "../../views/auth.tsx";
import { audit } from "../actions/audit.ts";

export function authRoutes(deps: Deps) {
  const app = new Hono<Env>();

  app.get("/", (c) => c.redirect(c.get("actor") ? "/nodes" : countUsers(deps.db) === 0 ? "/setup" : "/login", 303));

  app.get("/setup", (c) => {
    if (countUsers(deps.db) > 0) return c.redirect("/login", 303);
    return c.html(<SetupPage {...pageBase(c)} />);
  });

  app.post("/setup", async (c) => {
    const form = await formOf(c);
    try {
      return await handleForm(
        c,
        () => createFirstAdmin(deps, form, addressOf(c, deps.config.trustedProxies)),
        (errors) => c.html(<SetupPage {...pageBase(c)} values={echo(form, ["password", "setupCode"])} errors={errors} />),
        (user) => {
          startSession(c, deps, user);
          setFlash(c, "ok", "Your admin account is ready. Start by adding a cloud credential.");
          return c.redirect("/nodes/credentials", 303);
        },
      );
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      setFlash(c, "info", err.message);
      return c.redirect("/login", 303);
    }
  });

  app.get("/login", (c) => {
    if (c.get("actor")) return c.redirect(safeNext(c.req.query("next")), 303);
    if (countUsers(deps.db) === 0) return c.redirect("/setup", 303);
    return c.html(<LoginPage {...pageBase(c)} next={c.req.query("next")} />);
  });

  app.post("/login", async (c) => {
    const form = await formOf(c);
    const next = c.req.query("next");
    return handleForm(
      c,
      () => signIn(deps, form, addressOf(c, deps.config.trustedProxies)),
      (errors) => c.html(<LoginPage {...pageBase(c)} next={next} values={echo(form, ["password"])} errors={errors} />),
      (user) => {
        startSession(c, deps, user);
        return c.redirect(safeNext(next), 303);
      },
    );
  });

  app.post("/logout", (c) => {
    const actor = c.get("actor");
    if (actor) audit(deps, actor, "user.sign_out", "ok");
    endSession(c, deps);
    setFlash(c, "info", "You are signed out.");
    return c.redirect("/login", 303);
  });

  app.get("/invite/:token", (c) => {
    const user = findInvite(deps, c.req.param("token"));
    return c.html(<InvitePage {...pageBase(c)} token={c.req.param("token")} email={user.email} name={user.name} role={user.role} />);
  });

  app.post("/invite/:token", async (c) => {
    const token = c.req.param("token");
    const invited = findInvite(deps, token);
    const form = await formOf(c);
    return handleForm(
      c,
      () => acceptInvite(deps, token, form),
      (errors) => c.html(<InvitePage {...pageBase(c)} token={token} email={invited.email} name={invited.name} role={invited.role} errors={errors} />),
      (user) => {
        endSession(c, deps);
        startSession(c, deps, user);
        setFlash(c, "ok", `Welcome, ${user.name}.`);
        return c.redirect("/nodes", 303);
      },
    );
  });

  return app;
}
