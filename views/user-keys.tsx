// Settings → SSH keys: the operator's own public keys, installed on the servers they create
// beside Hoist's key so that they can log in themselves.
import { CsrfInput, EmptyState, Field, FormErrors, ListTable, TextArea, When } from "./components.tsx";
import { Layout, type PageProps } from "./layout.tsx";

export interface UserKeyView {
  id: string;
  name: string;
  fingerprint: string;
  /** The key type and comment, never needed whole on the page. */
  type: string;
  comment: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export const UserKeysPage = (
  p: Omit<PageProps, "section" | "children" | "title"> & { now: Date; keys: UserKeyView[]; canWrite: boolean; values: Record<string, string>; errors: Record<string, string> },
) => (
  <Layout title="SSH keys" csrf={p.csrf} viewer={p.viewer} flash={p.flash} section="ssh-keys">
    <div class="page-head">
      <h1>SSH keys</h1>
    </div>
    <p class="muted">
      Your own public keys. When you create a server you choose which of them to install for its login user (<code>root</code>, or the image's own user
      such as <code>ubuntu</code>), beside the key Hoist keeps for it, so that you can SSH in yourself.
    </p>
    {p.keys.length === 0 ? (
      <EmptyState title="No SSH keys yet">Add the public half of a key pair (the contents of a .pub file) below to log in to your servers yourself.</EmptyState>
    ) : (
      <ListTable columns={["Name", "Fingerprint", "Type", "Added", "Last chosen"]} actions={p.canWrite}>
        {p.keys.map((k) => (
          <tr>
            <td>
              {k.name}
              {k.comment && <div class="muted small">{k.comment}</div>}
            </td>
            <td>
              <code>{k.fingerprint}</code>
            </td>
            <td>{k.type}</td>
            <td>
              <When at={k.createdAt} now={p.now} />
            </td>
            <td>
              <When at={k.lastUsedAt} now={p.now} />
            </td>
            {p.canWrite && (
              <td class="row-actions">
                <form method="post" action={`/settings/ssh-keys/${k.id}/delete`} hx-post={`/settings/ssh-keys/${k.id}/delete`} hx-confirm={`Remove the key “${k.name}”? Servers that have it keep it until you remove it there.`} hx-target="body">
                  <CsrfInput token={p.csrf} />
                  <button type="submit" class="small danger">
                    Remove
                  </button>
                </form>
              </td>
            )}
          </tr>
        ))}
      </ListTable>
    )}
    {p.canWrite && (
      <div class="card">
        <h2>Add a key</h2>
        <FormErrors errors={p.errors} known={["name", "publicKey"]} />
        <form method="post" action="/settings/ssh-keys">
          <CsrfInput token={p.csrf} />
          <Field name="name" label="Name" value={p.values.name} error={p.errors.name} help="Whose or which machine's key, e.g. “ada-laptop”." required maxlength={64} />
          <TextArea name="publicKey" label="Public key" value={p.values.publicKey} error={p.errors.publicKey} help="One line starting with ssh-ed25519, ssh-rsa or ecdsa-sha2-…; never paste a private key." required rows={3} />
          <button type="submit" class="primary">
            Add key
          </button>
        </form>
      </div>
    )}
  </Layout>
);
