// Drift through Hoist's JSON API, as an operator's script would drive it: sweep everything now
// and wait for the sweep, read the open reports, and preview then apply a remediation, waiting
// for the check that follows it.
import { findOperation } from "../../state/operations.ts";
import { finishedOperationStatuses } from "../../state/statuses.ts";
import type { Bed } from "../support/provisioning.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, get: () => Promise<T | undefined> | T | undefined, ms = 180_000): Promise<T> {
  for (const end = Date.now() + ms; ; await sleep(250)) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}

/** Waits until the operation has finished; returns it. */
export const waitOperation = (bed: Bed, id: string, ms?: number) =>
  waitFor(`operation ${id}`, () => {
    const op = findOperation(bed.console.deps.db, id)!;
    return finishedOperationStatuses.includes(op.status) ? op : undefined;
  }, ms);

export interface SweepJson {
  id: string;
  startedAt: string;
  finishedAt: string | null;
  stacks: { stack: string; operationId?: string; skipped?: string }[];
}

/** Asks for a sweep of every stack now and waits until it and every check it ran are done. */
export async function sweep(bed: Bed, ms?: number): Promise<SweepJson> {
  const before = (await bed.api.get("/drift/schedule")).json().sweeps.map((s: SweepJson) => s.id) as string[];
  const asked = await bed.api.post("/drift/sweeps");
  if (asked.status !== 202) throw new Error(`sweep refused: ${asked.text}`);
  const done = await waitFor("the sweep", async () => {
    const s = ((await bed.api.get("/drift/schedule")).json().sweeps as SweepJson[]).find((x) => !before.includes(x.id));
    return s?.finishedAt ? s : undefined;
  }, ms);
  for (const item of done.stacks) if (item.operationId) await waitOperation(bed, item.operationId);
  return done;
}

export interface ReportJson {
  id: string;
  state: string;
  stack: string;
  subject: { type: string; id: string; name: string };
  summary: Record<string, number>;
  resources: { name: string; type: string; kind: string; properties: { property: string; declared?: unknown; actual?: unknown }[] }[];
}

export const openReports = async (bed: Bed): Promise<ReportJson[]> => (await bed.api.get("/drift")).json().reports;

/** What drifted, by subject name: each resource's kind and its properties as `property: declared → actual`. */
export const driftByName = (reports: ReportJson[]) =>
  Object.fromEntries(
    reports.map((r) => [
      r.subject.name,
      Object.fromEntries(r.resources.map((x) => [x.name, { kind: x.kind, properties: Object.fromEntries(x.properties.map((p) => [p.property, [p.declared ?? null, p.actual ?? null]])) }])),
    ]),
  );

export interface PlanJson {
  steps: { name: string; type: string; op: string; properties: { property: string; old?: unknown; new?: unknown }[] }[];
}

/** Previews Accept or Restore of a report and waits for the preview; returns the remediation. */
export async function preview(bed: Bed, reportId: string, action: "accept" | "restore") {
  const res = await bed.api.post(`/drift/${reportId}/${action}`);
  if (res.status !== 202) throw new Error(`${action} refused: ${res.text}`);
  const id = res.json().remediation.id as string;
  await waitOperation(bed, res.json().operation.id);
  const m = (await bed.api.get(`/drift/remediations/${id}`)).json();
  if (m.status !== "previewed") throw new Error(`the ${action} preview ended ${m.status}: ${m.error}`);
  return m as { id: string; status: string; plan: PlanJson };
}

/** Applies a previewed remediation and waits for it and the check after it; returns the report as it then is. */
export async function apply(bed: Bed, remediationId: string, body: Record<string, unknown> = {}) {
  const res = await bed.api.post(`/drift/remediations/${remediationId}/apply`, body);
  if (res.status !== 202) throw new Error(`apply refused: ${res.text}`);
  const { operation, check, remediation } = res.json();
  const applied = await waitOperation(bed, operation.id, 300_000);
  if (applied.status !== "succeeded") throw new Error(`the ${remediation.action} ${applied.status}: ${applied.error}`);
  await waitOperation(bed, check.id);
  return (await bed.api.get(`/drift/${remediation.reportId}`)).json() as ReportJson & { resolvedAt: string | null };
}
