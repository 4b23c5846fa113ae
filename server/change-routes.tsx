// The pages of a proposed change, for any subject that says how to find its changes and apply or
// discard one: `/:id/changes/:change` (the page, which survives a reload at every stage), its
// `/body` (polled while the preview or the apply runs), `/apply` and `/discard`.
import type { Context, Hono } from "hono";
import type { Child } from "hono/jsx";
import type { Change } from "../state/changes.ts";
import { ChangeBody, type ChangeView } from "../views/change-page.tsx";
import type { Deps, Env } from "./env.ts";
import { fieldMap, InvalidInputError } from "./errors.ts";
import { setFlash } from "./flash.ts";
import { actorOf, formOf } from "./render.ts";

export interface ChangeSubject<S> {
  /** The subject's page for `id`. */
  base(id: string): string;
  /** The change with its subject, or NotFound when the actor may not see them. */
  get(c: Context<Env>, id: string, changeId: string): { change: Change; subject: S };
  view(deps: Deps, change: Change, subject: S): ChangeView;
  apply(c: Context<Env>, id: string, changeId: string, form: Record<string, unknown>): void;
  discard(c: Context<Env>, id: string, changeId: string): void;
  /** The whole page around the change's body. */
  page(c: Context<Env>, s: S, body: Child): Response | Promise<Response>;
}

export function changeRoutes<S>(app: Hono<Env>, deps: Deps, subject: ChangeSubject<S>): void {
  const canWrite = (c: Context<Env>) => actorOf(c).user.role !== "viewer";
  const body = (c: Context<Env>, confirmError?: string) => {
    const { change, subject: s } = subject.get(c, c.req.param("id")!, c.req.param("change")!);
    return { s, node: <ChangeBody c={subject.view(deps, change, s)} canWrite={canWrite(c)} csrf={c.get("csrf")} confirmError={confirmError} /> };
  };

  app.get("/:id/changes/:change", (c) => {
    const { s, node } = body(c);
    return subject.page(c, s, node);
  });

  app.get("/:id/changes/:change/body", (c) => c.html(body(c).node));

  app.post("/:id/changes/:change/apply", async (c) => {
    const id = c.req.param("id");
    try {
      subject.apply(c, id, c.req.param("change"), await formOf(c));
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      c.status(422);
      const { s, node } = body(c, fieldMap(err).confirmName ?? Object.values(fieldMap(err))[0]);
      return subject.page(c, s, node);
    }
    setFlash(c, "ok", "Applying the change as previewed.");
    return c.redirect(subject.base(id), 303);
  });

  app.post("/:id/changes/:change/discard", (c) => {
    const id = c.req.param("id");
    subject.discard(c, id, c.req.param("change"));
    setFlash(c, "ok", "Change discarded: nothing was changed.");
    return c.redirect(subject.base(id), 303);
  });
}
