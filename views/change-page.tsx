// A proposed change, whatever it changes (a server, a deployment): what Hoist will declare
// differently, what it costs, and the engine's preview — each resource's planned step and the
// properties it changes, old → new, secrets as [secret]. A step that loses data is red and the
// change is applied only once the subject's name is typed. `#change-body` polls itself while the
// preview runs, and the page survives a reload at every stage.
import type { Child } from "hono/jsx";
import { Badge, CsrfInput, type Tone } from "./components.tsx";
import { money } from "./servers.tsx";

export interface ChangeStepView {
  name: string;
  type: string;
  op: string;
  losesData: boolean;
  properties: { property: string; old?: unknown; new?: unknown; replaces: boolean }[];
}

export interface ChangeView {
  id: string;
  status: string;
  /** "server", "deployment". */
  subjectWord: string;
  subjectName: string;
  /** The subject's page; the change's own URL is `${base}/changes/${id}`. */
  base: string;
  /** Where the operator proposes another change. */
  proposeUrl: string;
  /** Hoist's own settings, as declared now and as proposed. */
  rows: { label: string; from: string; to: string }[];
  cost?: { currency: string; before?: number; after?: number };
  steps?: ChangeStepView[];
  losesData: boolean;
  error?: string | null;
  createdAt: Date;
  by?: string;
}

const statusTone: Record<string, Tone> = { previewing: "info", previewed: "info", applying: "info", applied: "ok", failed: "bad", stale: "warn", discarded: "muted" };

const stepTone = (s: ChangeStepView): Tone => (s.losesData ? "bad" : /replace|delete/.test(s.op) ? "warn" : s.op === "create" ? "ok" : "info");

/** A planned value as the page shows it: strings bare, the rest as JSON, nothing as an em dash. */
const shown = (v: unknown): string => (v === undefined || v === null ? "—" : typeof v === "string" ? v : JSON.stringify(v));

/** "+€3.58/month", "−€1.00/month", "no change". */
export function costDifference(c: NonNullable<ChangeView["cost"]>): string | undefined {
  if (c.before === undefined || c.after === undefined) return undefined;
  const d = Math.round((c.after - c.before) * 100) / 100;
  if (d === 0) return "no change in price";
  return `${d > 0 ? "+" : "−"}${money(Math.abs(d), c.currency)}/month`;
}

const Settings = (p: { c: ChangeView }) => (
  <table class="list change-settings">
    <thead>
      <tr>
        <th>Setting</th>
        <th>Now</th>
        <th>Proposed</th>
      </tr>
    </thead>
    <tbody>
      {p.c.rows.map((r) => (
        <tr>
          <td>{r.label}</td>
          <td>
            <code>{r.from}</code>
          </td>
          <td>
            <code>{r.to}</code>
          </td>
        </tr>
      ))}
      {p.c.cost && (
        <tr>
          <td>Monthly price</td>
          <td>{p.c.cost.before === undefined ? "—" : money(p.c.cost.before, p.c.cost.currency)}</td>
          <td>
            {p.c.cost.after === undefined ? "—" : money(p.c.cost.after, p.c.cost.currency)} {costDifference(p.c.cost) && <strong class="cost-diff">({costDifference(p.c.cost)})</strong>}
          </td>
        </tr>
      )}
    </tbody>
  </table>
);

const Plan = (p: { steps: ChangeStepView[] }) =>
  p.steps.length === 0 ? (
    <p class="muted">The preview plans no change to any resource: applying it would only record the new settings.</p>
  ) : (
    <table class="list change-plan">
      <thead>
        <tr>
          <th>Resource</th>
          <th>Step</th>
          <th>Changes</th>
        </tr>
      </thead>
      <tbody>
        {p.steps.map((s) => (
          <tr class={s.losesData ? "loses-data" : undefined}>
            <td>
              <strong>{s.name}</strong>
              <div class="muted small">
                <code>{s.type}</code>
              </div>
            </td>
            <td>
              <Badge tone={stepTone(s)}>{s.op}</Badge>
              {s.losesData && <div class="error small">loses its data</div>}
            </td>
            <td>
              {s.properties.length === 0 ? (
                <span class="muted">—</span>
              ) : (
                <ul class="plan-props">
                  {s.properties.map((prop) => (
                    <li>
                      <code>{prop.property}</code>: <code class="old">{shown(prop.old)}</code> → <code class="new">{shown(prop.new)}</code>
                      {prop.replaces && <Badge tone="warn">forces replace</Badge>}
                    </li>
                  ))}
                </ul>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );

const ApplyForm = (p: { c: ChangeView; csrf: string; error?: string }) => {
  const url = `${p.c.base}/changes/${p.c.id}`;
  return (
    <div class={p.c.losesData ? "danger-zone apply-change" : "apply-change"}>
      {p.c.losesData && (
        <p class="flash flash-error" role="alert">
          This change replaces what holds the {p.c.subjectWord}'s data ({p.c.steps?.filter((s) => s.losesData).map((s) => s.name).join(", ")}): everything stored there is lost. This
          cannot be undone.
        </p>
      )}
      <form method="post" action={`${url}/apply`} class="inline-form" hx-boost="true" hx-disabled-elt="find button[type=submit]">
        <CsrfInput token={p.csrf} />
        {p.c.losesData && (
          <div class={`field${p.error ? " has-error" : ""}`}>
            <label for="f-confirmName">
              Type <code>{p.c.subjectName}</code> to confirm
            </label>
            <input id="f-confirmName" name="confirmName" required autocomplete="off" aria-invalid={p.error ? "true" : undefined} aria-describedby={p.error ? "f-confirmName-error" : undefined} />
            {p.error && (
              <small id="f-confirmName-error" class="error" role="alert">
                {p.error}
              </small>
            )}
          </div>
        )}
        <div class="form-actions">
          <button type="submit" class={p.c.losesData ? "danger" : "primary"}>
            <span class="when-idle">Apply this change</span>
            <span class="when-busy">Applying…</span>
          </button>
        </div>
      </form>
      <form method="post" action={`${url}/discard`} class="inline-form">
        <CsrfInput token={p.csrf} />
        <button type="submit">Discard</button>
      </form>
    </div>
  );
};

/** What the change's status means, in words, with where to go next. */
const Outcome = (p: { c: ChangeView }): Child => {
  const { c } = p;
  if (c.status === "previewing") {
    return (
      <p class="flash flash-info" role="status">
        <span class="spinner" aria-hidden="true" /> Previewing: the engine is working out what this change would do. Nothing is changed yet.
      </p>
    );
  }
  if (c.status === "applying") return <p class="flash flash-info" role="status">Applying the change: follow it on the <a href={c.base}>{c.subjectWord}'s page</a>.</p>;
  if (c.status === "applied") return <p class="flash flash-ok">Applied. The <a href={c.base}>{c.subjectWord}</a> declares these settings now.</p>;
  if (c.status === "discarded") return <p class="flash flash-info">Discarded: nothing was changed.</p>;
  if (c.status === "stale" || c.status === "failed") {
    return (
      <p class="flash flash-error" role="alert">
        {c.status === "stale" ? "Not applied, and nothing was changed" : "The change failed"}: {c.error ?? "no reason was given"}. <a href={c.proposeUrl}>Propose it again</a>
      </p>
    );
  }
  return null;
};

export const ChangeBody = (p: { c: ChangeView; canWrite: boolean; csrf: string; confirmError?: string }) => {
  const { c } = p;
  const url = `${c.base}/changes/${c.id}`;
  const polling = c.status === "previewing" || c.status === "applying";
  return (
    <div id="change-body" hx-get={polling ? `${url}/body` : undefined} hx-trigger={polling ? "every 2s" : undefined} hx-swap="outerHTML">
      <div class="card">
        <h2>
          Change to {c.subjectName} <Badge tone={statusTone[c.status] ?? "muted"}>{c.status}</Badge>
        </h2>
        <p class="muted small">
          Proposed {c.createdAt.toISOString().replace("T", " ").slice(0, 16)} UTC{c.by ? ` by ${c.by}` : ""}.
        </p>
        <Settings c={c} />
      </div>
      <div class="card">
        <h2>What the engine will do</h2>
        <Outcome c={c} />
        {c.steps && <Plan steps={c.steps} />}
        {c.status === "previewed" && p.canWrite && <ApplyForm c={c} csrf={p.csrf} error={p.confirmError} />}
      </div>
    </div>
  );
};

/** A change proposed and not applied yet, as its subject's page lists it. */
export interface OpenChange {
  id: string;
  status: string;
  summary: string;
  createdAt: Date;
}

/** On the subject's page: the changes waiting for their preview or for the operator. */
export const OpenChanges = (p: { base: string; changes: OpenChange[] }) =>
  p.changes.length === 0 ? null : (
    <div class="card open-changes">
      <h3>Proposed changes</h3>
      <ul>
        {p.changes.map((c) => (
          <li>
            <a href={`${p.base}/changes/${c.id}`}>{c.summary}</a> <Badge tone={statusTone[c.status] ?? "muted"}>{c.status === "previewed" ? "previewed: waiting to be applied" : c.status}</Badge>
          </li>
        ))}
      </ul>
    </div>
  );
