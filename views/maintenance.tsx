import type { Pause } from "../state/maintenance.ts";
import { CsrfInput, Field, FormErrors } from "./components.tsx";
import { Layout, type PageProps } from "./layout.tsx";

/** The admin's maintenance switch: pause every change, or resume. */
export const MaintenancePage = (p: Omit<PageProps, "section" | "children" | "title"> & { pause?: Pause; errors: Record<string, string>; values: Record<string, string> }) => (
  <Layout title="Maintenance" csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused} section="maintenance">
    <div class="page-head">
      <h1>Maintenance</h1>
    </div>
    <div class="card narrow">
      <p>
        While changes are paused, no server is created, retried, destroyed, started or stopped, no credential is added, changed or deleted, and no queued
        operation starts. Pages, the API's reads, credential and node checks, cancelling, and everything about accounts go on, and so do the operations
        already running. The API answers changes with 503 and the reason.
      </p>
      <FormErrors errors={p.errors} known={["reason"]} />
      {p.pause?.atStart ? (
        <p>
          <strong>Hoist was started with HOIST_READ_ONLY.</strong> Restart it without that setting to resume changes.
        </p>
      ) : p.pause ? (
        <form method="post" action="/maintenance">
          <CsrfInput token={p.csrf} />
          <input type="hidden" name="paused" value="0" />
          <button type="submit" class="primary">
            Resume changes
          </button>
        </form>
      ) : (
        <form method="post" action="/maintenance">
          <CsrfInput token={p.csrf} />
          <input type="hidden" name="paused" value="1" />
          <Field name="reason" label="Reason" value={p.values.reason} error={p.errors.reason} help="Every page and every refused API call shows it." required maxlength={200} />
          <button type="submit" class="danger">
            Pause changes
          </button>
        </form>
      )}
    </div>
  </Layout>
);
