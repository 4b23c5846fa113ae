// The Apps area: the Marketplace, the Deployments made from it and their Migrations, tabs each at its own URL.
import type { Child } from "hono/jsx";
import { Layout, type PageProps } from "./layout.tsx";

export type AppsTab = "marketplace" | "deployments" | "migrations";

const tabs: { id: AppsTab; label: string; href: string }[] = [
  { id: "marketplace", label: "Marketplace", href: "/marketplace" },
  { id: "deployments", label: "Deployments", href: "/deployments" },
  { id: "migrations", label: "Migrations", href: "/migrations" },
];

export const AppsPage = (p: Omit<PageProps, "section" | "children"> & { tab: AppsTab; actions?: Child; children: Child }) => (
  <Layout title={p.title} csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused} section="apps">
    <div class="page-head">
      <h1>Apps</h1>
      <div class="actions">{p.actions}</div>
    </div>
    <nav class="tabs" aria-label="Apps">
      {tabs.map((t) => (
        <a href={t.href} aria-current={t.id === p.tab ? "page" : undefined}>
          {t.label}
        </a>
      ))}
    </nav>
    <section class="tab-body">{p.children}</section>
  </Layout>
);
