// /settings/ssh-keys: the signed-in user's own SSH public keys.
import { Hono, type Context } from "hono";
import { UserKeysPage, type UserKeyView } from "../../views/user-keys.tsx";
import { addUserKey, listUserKeysOf, removeUserKey, type UserKey } from "../actions/user-keys.ts";
import type { Deps, Env } from "../env.ts";
import { setFlash } from "../flash.ts";
import { actorOf, echo, formOf, handleForm, pageBase } from "../render.ts";
import { redirect } from "./users.tsx";

export const userKeyView = (k: UserKey): UserKeyView => {
  const [type = "", , ...comment] = k.publicKey.split(" ");
  return { id: k.id, name: k.name, fingerprint: k.fingerprint, type, comment: comment.join(" "), createdAt: k.createdAt, lastUsedAt: k.lastUsedAt };
};

/** The form back for a correction, but never a private key pasted by mistake. */
function echoKey(form: Record<string, unknown>): Record<string, string> {
  const values = echo(form);
  if (/PRIVATE KEY/.test(values.publicKey ?? "")) delete values.publicKey;
  return values;
}

export function userKeyRoutes(deps: Deps) {
  const app = new Hono<Env>();

  const render = (c: Context<Env>, extra: { values?: Record<string, string>; errors?: Record<string, string> } = {}) =>
    c.html(
      <UserKeysPage
        {...pageBase(c)}
        keys={listUserKeysOf(deps, actorOf(c)).map(userKeyView)}
        canWrite={actorOf(c).user.role !== "viewer"}
        values={extra.values ?? {}}
        errors={extra.errors ?? {}}
      />,
    );

  app.get("/", (c) => render(c));

  app.post("/", async (c) => {
    const form = await formOf(c);
    return handleForm(
      c,
      () => addUserKey(deps, actorOf(c), form),
      (errors) => render(c, { values: echoKey(form), errors }),
      (key) => {
        setFlash(c, "ok", `Key “${key.name}” added (${key.fingerprint}). The create form now offers it.`);
        return c.redirect("/settings/ssh-keys", 303);
      },
    );
  });

  app.post("/:id/delete", (c) => {
    removeUserKey(deps, actorOf(c), c.req.param("id"));
    setFlash(c, "ok", "Key removed. Servers that have it keep it until you remove it there.");
    return redirect(c, "/settings/ssh-keys");
  });

  return app;
}
