// The Nodes and Cloud Servers tabs.
import { Hono } from "hono";
import type { Deps, Env } from "../env.ts";
import { pageBase } from "../render.ts";
import { EmptyState } from "../../views/components.tsx";
import { TabbedPage } from "../../views/nodes.tsx";

export function nodeRoutes(_deps: Deps) {
  const app = new Hono<Env>();

  app.get("/", (c) => (
    c.html(
      <TabbedPage {...pageBase(c)} title="Nodes" tab="nodes">
        <EmptyState title="No nodes yet">Nodes appear here when a cloud server is ready. Create one on the Cloud Servers tab.</EmptyState>
      </TabbedPage>,
    )
  ));

  app.get("/cloud", (c) => (
    c.html(
      <TabbedPage {...pageBase(c)} title="Cloud Servers" tab="cloud">
        <EmptyState title="No cloud servers yet">Add a credential on the Credentials tab, then create a server with it.</EmptyState>
      </TabbedPage>,
    )
  ));

  return app;
}
