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
  <Layout title="Users" csrf={p.csrf} viewer={p.viewer} flash={p.flash} section="users">
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
