// The Drift page (/drift): open drift across the user's stacks, newest first, 50 a page, each
// report with its resources (declared → actual) and its two remediations, each previewed before
// it runs; then the reports closed lately. The body asks for itself again while something is under way.
import type { PlannedStep } from "../engine/plan.ts";
import type { DriftedResource } from "../state/drift.ts";
import type { ChangeStatus, DriftState, RemediationAction } from "../state/statuses.ts";
import { summaryText } from "./drift-badge.tsx";
import { Badge, CsrfInput, EmptyState, FormErrors, ListTable, When } from "./components.tsx";
import { Pager, type PagerView } from "./lists.tsx";
import { Layout } from "./layout.tsx";
import type { Base } from "./servers.tsx";

export interface RemediationView {
  id: string;
  action: RemediationAction;
  status: ChangeStatus;
  auto: boolean;
  steps?: PlannedStep[];
  /** Steps that destroy something holding data: shown in red, confirmed by typing the name. */
  destructive: PlannedStep[];
  error: string | null;
  /** The operation to follow: the preview's, or the apply's once it runs. */
  operationHref?: string;
  at: Date;
}

export interface ReportView {
  id: string;
  state: DriftState;
  subject: { kind: "server" | "deployment"; name: string; href: string };
  stack: string;
  summary: Record<string, number>;
  detectedAt: Date;
  lastSeenAt: Date;
  resolvedAt: Date | null;
  /** Applied, waiting for the next check to come back clean. */
  remediated: RemediationAction | null;
  checkHref?: string;
  resources: DriftedResource[];
  /** The remediation under way, or the last one when it failed or went stale. */
  remediation?: RemediationView;
}

export interface DriftPageProps extends Base {
  /** A page of the open reports, newest found first. */
  open: ReportView[];
  /** Where that page sits among all the open ones (none when the query was refused). */
  pager?: PagerView;
  /** This page of the body, for its refresh. */
  refresh: string;
  /** A refused limit or cursor, by parameter. */
  errors?: Record<string, string>;
  closed: ReportView[];
  schedule: string;
  /** Something is being previewed, applied or checked: the body refreshes itself. */
  busy: boolean;
  /** Admins may sweep every stack now. */
  canSweep: boolean;
}

const show = (v: unknown) => (v === undefined || v === null ? <span class="muted">(none)</span> : <code>{typeof v === "string" ? v : JSON.stringify(v)}</code>);

const kindWords = { changed: "changed", deleted: "deleted out of band", unexpected: "unexpected" } as const;

const Resources = (p: { resources: DriftedResource[] }) => (
  <ListTable columns={["Resource", "Drift", "Property", "Declared", "Actual"]}>
    {p.resources.flatMap((r) =>
      (r.properties.length ? r.properties : [undefined]).map((prop, i) => (
        <tr class={`drift-${r.kind}`}>
          <td>
            {i === 0 && (
              <>
                <strong>{r.name}</strong>
                <div class="muted small">{r.type}</div>
              </>
            )}
          </td>
          <td>{i === 0 && <Badge tone={r.kind === "changed" ? "warn" : "bad"}>{kindWords[r.kind]}</Badge>}</td>
          <td>{prop ? <code>{prop.property}</code> : <span class="muted">—</span>}</td>
          <td>{prop ? show(prop.declared) : r.kind === "deleted" ? "exists" : "—"}</td>
          <td>{prop ? show(prop.actual) : r.kind === "deleted" ? "gone" : "—"}</td>
        </tr>
      )),
    )}
  </ListTable>
);

const Plan = (p: { steps: PlannedStep[] }) =>
  p.steps.length === 0 ? (
    <p class="muted">Nothing to do: the stack matches reality now. Discard this, and the next check closes the report.</p>
  ) : (
    <ListTable columns={["Resource", "Step", "Property", "Now", "After"]}>
      {p.steps.flatMap((s) =>
        (s.properties.length ? s.properties : [undefined]).map((prop, i) => (
          <tr class={/replace|delete/.test(s.op) ? "plan-destructive" : undefined}>
            <td>{i === 0 && <strong>{s.name}</strong>}</td>
            <td>{i === 0 && <code>{s.op}</code>}</td>
            <td>{prop ? <code>{prop.property}</code> : "—"}</td>
            <td>{prop ? show(prop.old) : "—"}</td>
            <td>{prop ? show(prop.new) : "—"}</td>
          </tr>
        )),
      )}
    </ListTable>
  );

const actionWords = {
  accept: { verb: "Accept", doing: "Accepting", what: "records reality in the stack's state (a refresh): the stack then holds what is there." },
  restore: { verb: "Restore", doing: "Restoring", what: "puts back what the stack declares (an up): changed properties are set back, a deleted resource is created again." },
} as const;

const Remediate = (p: { r: ReportView; csrf: string; canWrite: boolean; now: Date }) => {
  const m = p.r.remediation;
  const base = `/drift/${p.r.id}`;
  if (p.r.remediated) {
    return (
      <p class="flash flash-info">
        {actionWords[p.r.remediated].doing} done; the next check (queued) closes this report when it finds no drift.
      </p>
    );
  }
  if (m && (m.status === "previewing" || m.status === "applying")) {
    return (
      <p class="muted busy-line">
        {m.status === "previewing" ? `Previewing ${actionWords[m.action].verb}…` : `${actionWords[m.action].doing}${m.auto ? " (auto-restore)" : ""}…`}{" "}
        {m.operationHref && <a href={m.operationHref}>follow the operation</a>}
      </p>
    );
  }
  if (m && m.status === "previewed") {
    const confirm = m.destructive.length > 0;
    return (
      <div class="remediation" id={`remediation-${m.id}`}>
        <h4>
          {actionWords[m.action].verb}: what it will do
        </h4>
        <Plan steps={m.steps ?? []} />
        {confirm && (
          <p class="flash flash-error" role="alert">
            This destroys {m.destructive.map((s) => s.name).join(", ")}: what it holds is lost. Type <strong>{p.r.subject.name}</strong> to confirm.
          </p>
        )}
        {p.canWrite && (
          <div class="row-actions">
            <form method="post" action={`/drift/remediations/${m.id}/apply`} class="inline">
              <CsrfInput token={p.csrf} />
              {confirm && (
                <label>
                  Name <input name="confirm" required autocomplete="off" />
                </label>
              )}
              <button type="submit" class={confirm ? "danger" : "primary"} id={`apply-${p.r.id}`}>
                Apply {actionWords[m.action].verb}
              </button>
            </form>
            <form method="post" action={`/drift/remediations/${m.id}/discard`} class="inline">
              <CsrfInput token={p.csrf} />
              <button type="submit" id={`discard-${p.r.id}`}>
                Discard
              </button>
            </form>
          </div>
        )}
      </div>
    );
  }
  return (
    <div class="remediation">
      {m && (m.status === "failed" || m.status === "stale") && (
        <p class="flash flash-error" role="alert">
          The last {actionWords[m.action].verb} {m.status === "stale" ? "was refused: reality changed since its preview" : "failed"}
          {m.error ? `: ${m.error}` : ""}. {m.operationHref && <a href={m.operationHref}>See the operation.</a>}
        </p>
      )}
      {p.canWrite &&
        (["accept", "restore"] as const).map((a) => (
          <form method="post" action={`${base}/${a}`} class="inline remediate">
            <CsrfInput token={p.csrf} />
            <button type="submit" id={`${a}-${p.r.id}`} class={a === "restore" ? "primary" : undefined}>
              {actionWords[a].verb}…
            </button>
            <span class="muted small"> {actionWords[a].what}</span>
          </form>
        ))}
    </div>
  );
};

export const ReportCard = (p: { r: ReportView; csrf: string; canWrite: boolean; now: Date }) => (
  <article class="card drift-report" id={`report-${p.r.id}`}>
    <div class="server-title">
      <h3>
        <a href={p.r.subject.href}>{p.r.subject.name}</a> <Badge tone="warn">drift · {summaryText(p.r.summary)}</Badge>
      </h3>
      <span class="muted small">
        {p.r.subject.kind} · <code>{p.r.stack}</code> · found <When at={p.r.detectedAt} now={p.now} />, last seen {p.r.checkHref ? <a href={p.r.checkHref}><When at={p.r.lastSeenAt} now={p.now} /></a> : <When at={p.r.lastSeenAt} now={p.now} />}
      </span>
    </div>
    <Resources resources={p.r.resources} />
    <Remediate {...p} />
  </article>
);

const closedWords: Record<DriftState, string> = { open: "open", accepted: "accepted", restored: "restored", cleared: "cleared by itself" };

export const DriftBody = (p: DriftPageProps) => (
  <div id="drift-body" hx-get={p.busy ? p.refresh : undefined} hx-trigger={p.busy ? "every 3s" : undefined} hx-swap="outerHTML">
    <p class="muted">{p.schedule}</p>
    {p.errors ? (
      <FormErrors errors={p.errors} known={[]} />
    ) : p.open.length === 0 ? (
      <EmptyState title="No drift">
        Every stack Hoist checked matches reality. Hoist checks every ready server and running deployment on a schedule; check one now with "Check for drift" on its page.
      </EmptyState>
    ) : (
      <>
        {p.open.map((r) => (
          <ReportCard r={r} csrf={p.csrf} canWrite={p.canWrite} now={p.now} />
        ))}
        {p.pager && <Pager pager={p.pager} noun={["open report", "open reports"]} />}
      </>
    )}
    {p.closed.length > 0 && (
      <section>
        <h2>Closed lately</h2>
        <ListTable columns={["Stack", "Drift", "Found", "Closed"]}>
          {p.closed.map((r) => (
            <tr>
              <td>
                <a href={r.subject.href}>{r.subject.name}</a> <span class="muted small">{r.subject.kind}</span>
              </td>
              <td>{summaryText(r.summary)}</td>
              <td>
                <When at={r.detectedAt} now={p.now} />
              </td>
              <td>
                {closedWords[r.state]} <When at={r.resolvedAt} now={p.now} />
              </td>
            </tr>
          ))}
        </ListTable>
      </section>
    )}
  </div>
);

export const DriftPage = (p: DriftPageProps) => (
  <Layout title="Drift" csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused} section="drift">
    <div class="page-head">
      <h1>Drift</h1>
      {p.canSweep && (
        <form method="post" action="/drift/sweep" class="actions">
          <CsrfInput token={p.csrf} />
          <button type="submit" id="sweep-now">
            Check everything now
          </button>
        </form>
      )}
    </div>
    <DriftBody {...p} />
  </Layout>
);
