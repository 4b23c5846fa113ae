import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import type { Role } from "../state/statuses.ts";

export interface Viewer {
  email: string;
  name: string;
  role: Role;
}

export interface PageProps {
  title: string;
  csrf: string;
  viewer?: Viewer;
  flash?: { kind: "ok" | "error" | "info"; text: string };
  /** Set while changes are paused (the maintenance switch): what every page says about it. */
  paused?: string;
  section?: "nodes" | "apps" | "drift" | "audit" | "users" | "tokens" | "account" | "maintenance" | "ssh-keys";
  children: Child;
}

export const Layout = (p: PageProps) => (
  <>
  {raw("<!DOCTYPE html>")}
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${p.title} · Hoist`}</title>
      <meta
        name="htmx-config"
        content={JSON.stringify({
          // Forms answer 422 with the form and its errors, and error pages explain themselves: show them.
          responseHandling: [
            { code: "204", swap: false },
            { code: "...", swap: true },
          ],
        })}
      />
      <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
      <link rel="stylesheet" href="/assets/app.css" />
      <link rel="stylesheet" href="/assets/apps.css" />
      <script src="/assets/htmx.min.js" defer></script>
      <script src="/assets/sse.js" defer></script>
    </head>
    <body hx-headers={JSON.stringify({ "X-CSRF-Token": p.csrf })}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="/nodes">
          <span class="logo" aria-hidden="true">
            ⇡
          </span>
          Hoist
        </a>
        {p.viewer && (
          <nav aria-label="Main">
            <a href="/nodes" aria-current={p.section === "nodes" ? "page" : undefined}>
              Infrastructure
            </a>
            <a href="/marketplace" aria-current={p.section === "apps" ? "page" : undefined}>
              Apps
            </a>
            <a href="/drift" aria-current={p.section === "drift" ? "page" : undefined}>
              Drift
            </a>
            <a href="/audit" aria-current={p.section === "audit" ? "page" : undefined}>
              Audit log
            </a>
            {p.viewer.role === "admin" && (
              <a href="/users" aria-current={p.section === "users" ? "page" : undefined}>
                Users
              </a>
            )}
            {p.viewer.role === "admin" && (
              <a href="/maintenance" aria-current={p.section === "maintenance" ? "page" : undefined}>
                Maintenance
              </a>
            )}
            <a href="/settings/ssh-keys" aria-current={p.section === "ssh-keys" ? "page" : undefined}>
              SSH keys
            </a>
            <a href="/settings/tokens" aria-current={p.section === "tokens" ? "page" : undefined}>
              API tokens
            </a>
            <a href="/settings/account" aria-current={p.section === "account" ? "page" : undefined}>
              Account
            </a>
          </nav>
        )}
        {p.viewer && (
          <form class="whoami" method="post" action="/logout">
            <span>
              {p.viewer.name} <span class="muted">({p.viewer.role})</span>
            </span>
            <input type="hidden" name="_csrf" value={p.csrf} />
            <button type="submit" class="link">
              Sign out
            </button>
          </form>
        )}
      </header>
      <main id="main">
        {/* Where an HTMX request that failed says why, instead of swapping an error page into a row. */}
        <div id="alerts" aria-live="assertive"></div>
        {p.paused && p.viewer && (
          <div class="flash flash-warn maintenance" role="status">
            {p.paused}
          </div>
        )}
        {p.flash && (
          <div class={`flash flash-${p.flash.kind}`} role={p.flash.kind === "error" ? "alert" : "status"}>
            {p.flash.text}
          </div>
        )}
        {p.children}
      </main>
    </body>
  </html>
  </>
);

/** A centred card for the pages before sign-in. */
export const Bare = (p: { title: string; csrf: string; flash?: PageProps["flash"]; children: Child }) => (
  <Layout title={p.title} csrf={p.csrf} flash={p.flash}>
    <section class="card narrow">{p.children}</section>
  </Layout>
);
