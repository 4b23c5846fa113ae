import { CsrfInput, Field, FormErrors } from "./components.tsx";
import { Bare, type PageProps } from "./layout.tsx";

type FormState = { values?: Record<string, string>; errors?: Record<string, string> };
type Base = { csrf: string; flash?: PageProps["flash"] };

export const SetupPage = (p: Base & FormState) => (
  <Bare title="Set up Hoist" csrf={p.csrf} flash={p.flash}>
    <h1>Welcome to Hoist</h1>
    <p class="muted">Create the first account. It becomes the admin, who can invite everyone else.</p>
    <FormErrors errors={p.errors ?? {}} known={["setupCode", "email", "name", "password"]} />
    <form method="post" action="/setup">
      <CsrfInput token={p.csrf} />
      <Field
        name="setupCode"
        label="Setup code"
        error={p.errors?.setupCode}
        help="Hoist printed it in its log when it started; it is also in the file setup-code in Hoist's data folder."
        required
        autofocus
        autocomplete="off"
        maxlength={64}
      />
      <Field name="name" label="Your name" value={p.values?.name} error={p.errors?.name} required autocomplete="name" maxlength={64} />
      <Field name="email" label="Email" type="email" value={p.values?.email} error={p.errors?.email} required autocomplete="username" />
      <Field name="password" label="Password" type="password" error={p.errors?.password} help="At least 12 characters." required autocomplete="new-password" />
      <button type="submit" class="primary">
        Create admin account
      </button>
    </form>
  </Bare>
);

export const LoginPage = (p: Base & FormState & { next?: string }) => (
  <Bare title="Sign in" csrf={p.csrf} flash={p.flash}>
    <h1>Sign in to Hoist</h1>
    <FormErrors errors={p.errors ?? {}} known={["email", "password"]} />
    <form method="post" action={p.next ? `/login?next=${encodeURIComponent(p.next)}` : "/login"}>
      <CsrfInput token={p.csrf} />
      <Field name="email" label="Email" type="email" value={p.values?.email} error={p.errors?.email} required autofocus autocomplete="username" />
      <Field name="password" label="Password" type="password" error={p.errors?.password} required autocomplete="current-password" />
      <button type="submit" class="primary">
        Sign in
      </button>
    </form>
  </Bare>
);

export const InvitePage = (p: Base & FormState & { token: string; email: string; name: string; role: string }) => (
  <Bare title="Accept invitation" csrf={p.csrf} flash={p.flash}>
    <h1>Join Hoist</h1>
    <p>
      {p.name}, you were invited as <strong>{p.role}</strong> with the email <strong>{p.email}</strong>. Choose a password to finish.
    </p>
    <FormErrors errors={p.errors ?? {}} known={["password"]} />
    <form method="post" action={`/invite/${p.token}`}>
      <CsrfInput token={p.csrf} />
      <Field name="password" label="Password" type="password" error={p.errors?.password} help="At least 12 characters." required autofocus autocomplete="new-password" />
      <button type="submit" class="primary">
        Create my account
      </button>
    </form>
  </Bare>
);
