// The Infrastructure area: three tabs, each its own URL so it can be linked and reloaded.
import type { Child } from "hono/jsx";
import { Layout, type PageProps } from "./layout.tsx";

export type Tab = "nodes" | "cloud" | "credentials";

const tabs: { id: Tab; label: string; href: string }[] = [
  { id: "nodes", label: "Nodes", href: "/nodes" },
  { id: "cloud", label: "Cloud Servers", href: "/nodes/cloud" },
  { id: "credentials", label: "Credentials", href: "/nodes/credentials" },
];

export const TabbedPage = (p: Omit<PageProps, "section" | "children"> & { tab: Tab; actions?: Child; children: Child }) => (
  <Layout title={p.title} csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused} section="nodes">
    <div class="page-head">
      <h1>Infrastructure</h1>
      <div class="actions">{p.actions}</div>
    </div>
    <nav class="tabs" aria-label="Infrastructure">
      {tabs.map((t) => (
        <a href={t.href} aria-current={t.id === p.tab ? "page" : undefined}>
          {t.label}
        </a>
      ))}
    </nav>
    <section class="tab-body">{p.children}</section>
  </Layout>
);
