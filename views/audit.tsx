import type { AuditOutcome } from "../state/statuses.ts";
import { Badge, EmptyState, ListTable, When } from "./components.tsx";
import { Layout, type PageProps } from "./layout.tsx";

export interface AuditView {
  id: number;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  detail: string | null;
  /** How many times it happened (repeats folded into one entry). */
  count: number;
}

export const AuditPage = (p: Omit<PageProps, "section" | "children" | "title"> & { now: Date; entries: AuditView[]; nextBefore?: number; everyone: boolean }) => (
  <Layout title="Audit log" csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused} section="audit">
    <div class="page-head">
      <h1>Audit log</h1>
    </div>
    <p class="muted">{p.everyone ? "Every change made in Hoist, newest first." : "Changes you made, newest first."}</p>
    {p.entries.length === 0 ? (
      <EmptyState title="Nothing recorded yet">Actions such as adding a credential or creating a server appear here.</EmptyState>
    ) : (
      <ListTable columns={["When", "Who", "Action", "Target", "Outcome", "Detail"]}>
        {p.entries.map((e) => (
          <tr>
            <td>
              <When at={e.at} now={p.now} />
            </td>
            <td>{e.actor}</td>
            <td>
              <code>{e.action}</code>
              {e.count > 1 && <span class="muted small"> ×{e.count}</span>}
            </td>
            <td class="small">{e.target}</td>
            <td>
              <Badge tone={e.outcome === "ok" ? "ok" : e.outcome === "denied" ? "warn" : "bad"}>{e.outcome}</Badge>
            </td>
            <td class="small">{e.detail}</td>
          </tr>
        ))}
      </ListTable>
    )}
    {p.nextBefore && (
      <p>
        <a href={`/audit?before=${p.nextBefore}`}>Older entries →</a>
      </p>
    )}
  </Layout>
);
