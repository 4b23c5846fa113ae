import { roles, type Role, type UserState } from "../state/statuses.ts";
import { Badge, CsrfInput, Field, FormErrors, ListTable, Select, When } from "./components.tsx";
import { Layout, type PageProps } from "./layout.tsx";

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: Role;
  state: UserState;
  createdAt: Date;
  self: boolean;
}

const roleHelp: Record<Role, string> = {
  admin: "everything, including users",
  operator: "their own infrastructure",
  viewer: "read-only",
};

export const UsersPage = (
  p: Omit<PageProps, "section" | "children" | "title"> & {
    now: Date;
    users: UserView[];
    values: Record<string, string>;
    errors: Record<string, string>;
    inviteLink?: string;
  },
) => (
  <Layout title="Users" csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused} section="users">
    <div class="page-head">
      <h1>Users</h1>
    </div>
    {p.inviteLink && (
      <div class="card secret-once" role="status">
        <h2>Invitation created</h2>
        <p>Send this link to the person you invited. It works once, for 7 days, and is not shown again.</p>
        <input class="copy" readonly value={p.inviteLink} aria-label="Invitation link" />
      </div>
    )}
    <ListTable columns={["Name", "Email", "Role", "State", "Since"]} actions>
      {p.users.map((u) => (
        <tr>
          <td>{u.name}</td>
          <td>{u.email}</td>
          <td>
            {u.self ? (
              u.role
            ) : (
              <form method="post" action={`/users/${u.id}/role`} class="inline">
                <CsrfInput token={p.csrf} />
                <select name="role" aria-label={`Role of ${u.email}`}>
                  {roles.map((r) => (
                    <option value={r} selected={r === u.role}>
                      {r}
                    </option>
                  ))}
                </select>
                <button type="submit" class="small">
                  Change
                </button>
              </form>
            )}
          </td>
          <td>
            <Badge tone={u.state === "active" ? "ok" : u.state === "invited" ? "info" : "muted"}>{u.state}</Badge>
          </td>
          <td>
            <When at={u.createdAt} now={p.now} />
          </td>
          <td class="row-actions">
            {!u.self && u.state !== "disabled" && (
              <a class="button small" href={`/users/${u.id}/disable`}>
                Disable
              </a>
            )}
            {!u.self && u.state === "disabled" && (
              <form method="post" action={`/users/${u.id}/enable`} class="inline">
                <CsrfInput token={p.csrf} />
                <button type="submit" class="small">
                  Enable
                </button>
              </form>
            )}
            {!u.self && (
              <form method="post" action={`/users/${u.id}/remove`} hx-post={`/users/${u.id}/remove`} hx-confirm={`Remove ${u.email}? Their credentials and API tokens are deleted with them.`} hx-target="body">
                <CsrfInput token={p.csrf} />
                <button type="submit" class="small danger">
                  Remove
                </button>
              </form>
            )}
          </td>
        </tr>
      ))}
    </ListTable>
    <div class="card">
      <h2>Invite someone</h2>
      <FormErrors errors={p.errors} known={["email", "name", "role"]} />
      <form method="post" action="/users">
        <CsrfInput token={p.csrf} />
        <div class="row">
          <Field name="name" label="Name" value={p.values.name} error={p.errors.name} required maxlength={64} />
          <Field name="email" label="Email" type="email" value={p.values.email} error={p.errors.email} required />
          <Select
            name="role"
            label="Role"
            value={p.values.role ?? "operator"}
            error={p.errors.role}
            options={roles.map((r) => ({ value: r, label: `${r} — ${roleHelp[r]}` }))}
          />
        </div>
        <button type="submit" class="primary">
          Create invitation
        </button>
      </form>
    </div>
  </Layout>
);

/** Confirms disabling a user: what ends at once, what is kept, and to whom it may go. */
export const DisableUserPage = (
  p: Omit<PageProps, "section" | "children" | "title"> & {
    user: { id: string; email: string; name: string };
    owned: { servers: number; credentials: number };
    admins: { id: string; email: string }[];
    errors: Record<string, string>;
  },
) => (
  <Layout title={`Disable ${p.user.email}`} csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused} section="users">
    <section class="card narrow">
      <h1>Disable {p.user.email}?</h1>
      <p>
        {p.user.name} is signed out everywhere at once, their live pages stop, and their API tokens are revoked. They cannot sign in until an admin
        enables them again.
      </p>
      <p>
        Their {p.owned.servers} server(s) and {p.owned.credentials} credential(s) keep running and stay theirs, where every admin sees and manages them —
        or go to an admin now.
      </p>
      <FormErrors errors={p.errors} known={["handTo"]} />
      <form method="post" action={`/users/${p.user.id}/disable`}>
        <CsrfInput token={p.csrf} />
        <Select
          name="handTo"
          label="Their servers and credentials"
          error={p.errors.handTo}
          options={[{ value: "", label: `stay with ${p.user.email}` }, ...p.admins.map((a) => ({ value: a.id, label: `go to ${a.email}` }))]}
        />
        <button type="submit" class="danger">
          Disable {p.user.email}
        </button>
        <a href="/users">Cancel</a>
      </form>
    </section>
  </Layout>
);
