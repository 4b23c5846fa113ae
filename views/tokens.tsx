import { Badge, CsrfInput, EmptyState, Field, FormErrors, ListTable, Select, When } from "./components.tsx";
import { Layout, type PageProps } from "./layout.tsx";

export interface TokenView {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

export const TokensPage = (
  p: Omit<PageProps, "section" | "children" | "title"> & {
    now: Date;
    tokens: TokenView[];
    values: Record<string, string>;
    errors: Record<string, string>;
    created?: string;
    /** The lifetimes offered, in days, and the one chosen by default. */
    days: readonly number[];
    defaultDays: number;
  },
) => (
  <Layout title="API tokens" csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused} section="tokens">
    <div class="page-head">
      <h1>API tokens</h1>
    </div>
    <p class="muted">
      Tokens authenticate scripts against the JSON API under <code>/api/v1</code> with <code>Authorization: Bearer &lt;token&gt;</code>. A token acts as you,
      with your role.
    </p>
    {p.created && (
      <div class="card secret-once" role="status">
        <h2>Your new token</h2>
        <p>Copy it now: Hoist stores only a hash and cannot show it again.</p>
        <input class="copy" readonly value={p.created} aria-label="New API token" />
      </div>
    )}
    {p.tokens.length === 0 ? (
      <EmptyState title="No API tokens">Create one below to use Hoist from scripts and CI.</EmptyState>
    ) : (
      <ListTable columns={["Name", "Token", "Created", "Last used", "Expires"]} actions>
        {p.tokens.map((t) => (
          <tr>
            <td>{t.name}</td>
            <td>
              <code>{t.prefix}…</code>
            </td>
            <td>
              <When at={t.createdAt} now={p.now} />
            </td>
            <td>
              <When at={t.lastUsedAt} now={p.now} />
            </td>
            <td>
              {t.expiresAt && t.expiresAt <= p.now ? (
                <Badge tone="bad">expired {day(t.expiresAt)}</Badge>
              ) : (
                <time datetime={t.expiresAt?.toISOString()}>{t.expiresAt ? day(t.expiresAt) : "—"}</time>
              )}
            </td>
            <td class="row-actions">
              <form method="post" action={`/settings/tokens/${t.id}/revoke`} hx-post={`/settings/tokens/${t.id}/revoke`} hx-confirm={`Revoke the token “${t.name}”? Scripts using it stop working.`} hx-target="body">
                <CsrfInput token={p.csrf} />
                <button type="submit" class="small danger">
                  Revoke
                </button>
              </form>
            </td>
          </tr>
        ))}
      </ListTable>
    )}
    <div class="card">
      <h2>Create a token</h2>
      <FormErrors errors={p.errors} known={["name", "expiresInDays"]} />
      <form method="post" action="/settings/tokens">
        <CsrfInput token={p.csrf} />
        <Field name="name" label="Name" value={p.values.name} error={p.errors.name} help="What uses it, e.g. “ci-deploy”." required maxlength={64} />
        <Select
          name="expiresInDays"
          label="Expires after"
          value={p.values.expiresInDays ?? String(p.defaultDays)}
          error={p.errors.expiresInDays}
          options={p.days.map((d) => ({ value: String(d), label: `${d} days` }))}
        />
        <button type="submit" class="primary">
          Create token
        </button>
      </form>
    </div>
  </Layout>
);
