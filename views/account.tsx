import { CsrfInput, Field, FormErrors } from "./components.tsx";
import { Layout, type PageProps } from "./layout.tsx";

/** The signed-in user's own account: changing the password. */
export const AccountPage = (p: Omit<PageProps, "section" | "children" | "title"> & { errors: Record<string, string> }) => (
  <Layout title="Your account" csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused} section="account">
    <div class="page-head">
      <h1>Your account</h1>
    </div>
    <div class="card narrow">
      <h2>Change your password</h2>
      <p class="muted">Every other session of yours ends; this one stays signed in. API tokens keep working.</p>
      <FormErrors errors={p.errors} known={["currentPassword", "newPassword"]} />
      <form method="post" action="/settings/account">
        <CsrfInput token={p.csrf} />
        <Field name="currentPassword" label="Current password" type="password" error={p.errors.currentPassword} required autocomplete="current-password" />
        <Field name="newPassword" label="New password" type="password" error={p.errors.newPassword} help="At least 12 characters." required autocomplete="new-password" />
        <button type="submit" class="primary">
          Change password
        </button>
      </form>
    </div>
  </Layout>
);
