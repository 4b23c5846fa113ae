// A deployment's container, on demand: what it uses now, and its logs (the last lines, or
// followed as they come over SSE). Each is fetched from the node over SSH only when asked; a
// container or node that cannot be reached says so in words.
import { Layout, type PageProps } from "./layout.tsx";

/** The line counts offered; the first is the default. */
export const LOG_LINE_CHOICES = [100, 500, 2000] as const;

export interface UsageView {
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
  running: boolean;
  at: Date;
}

const size = (n: number) => {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
};
const clock = (d: Date) => `${d.toISOString().slice(11, 19)} UTC`;

const Unreachable = (p: { what: string; reason: string }) => (
  <p class="flash flash-error small" role="alert">
    Hoist could not reach the container to read its {p.what}: {p.reason}. If the node is offline or the deployment is not running, start it (or retry it) first.
  </p>
);

/** `#usage`: the container's CPU and memory now, or why they could not be read. */
export const UsagePanel = (p: { usage?: UsageView; error?: string }) => (
  <div id="usage" aria-live="polite">
    {p.error ? (
      <Unreachable what="usage" reason={p.error} />
    ) : p.usage ? (
      <>
        <dl class="facts usage">
          <dt>CPU</dt>
          <dd>{p.usage.cpuPercent.toFixed(2)}%</dd>
          <dt>Memory</dt>
          <dd>
            {size(p.usage.memoryBytes)} of {size(p.usage.memoryLimitBytes)}
            {p.usage.memoryLimitBytes > 0 && <span class="muted"> ({((100 * p.usage.memoryBytes) / p.usage.memoryLimitBytes).toFixed(1)}%)</span>}
          </dd>
          <dt>Container</dt>
          <dd>{p.usage.running ? "running" : <span class="badge badge-warn">not running</span>}</dd>
        </dl>
        <p class="muted small">Measured at {clock(p.usage.at)}.</p>
      </>
    ) : (
      <p class="muted small">Not read yet: Hoist asks the node only when you do.</p>
    )}
  </div>
);

const logsUrl = (id: string, lines: number, follow = false) => `/deployments/${id}/logs?lines=${lines}${follow ? "&follow=1" : ""}`;
export const followUrl = (id: string, lines: number) => `/deployments/${id}/logs/follow?lines=${lines}`;

/** `#logs`: nothing yet, the last lines, why they could not be read, or the followed stream. */
export const LogsPanel = (p: { id: string; lines: number; text?: string; error?: string; at?: Date; follow?: boolean; note?: string }) => {
  if (p.follow) {
    return (
      <div id="logs" hx-ext="sse" sse-connect={followUrl(p.id, p.lines)} sse-close="end">
        <div sse-swap="logs" hx-swap="none"></div>
        <p class="logs-state small">
          <span id="logs-state-text" role="status">
            Connecting to the node…
          </span>{" "}
          <button type="button" class="small" id="logs-stop" hx-get={logsUrl(p.id, p.lines)} hx-target="#logs" hx-swap="outerHTML">
            Stop following
          </button>
        </p>
        <div class="container-log-scroll" tabindex={0} aria-label="Container logs">
          <pre id="logs-output" class="container-log"></pre>
        </div>
      </div>
    );
  }
  return (
    <div id="logs" aria-live="polite">
      {p.note && <p class="muted small">{p.note}</p>}
      {p.error ? (
        <Unreachable what="logs" reason={p.error} />
      ) : p.text === undefined ? (
        <p class="muted small">Not fetched yet: Hoist reads them from the node when you ask.</p>
      ) : (
        <>
          <p class="muted small">
            The last {p.lines} lines{p.at && `, read at ${clock(p.at)}`}
            {p.text === "" && ": the container has written nothing yet"}.
          </p>
          <div class="container-log-scroll" tabindex={0} aria-label="Container logs">
            <pre id="logs-output" class="container-log">
              {p.text}
            </pre>
          </div>
        </>
      )}
    </div>
  );
};

/** What the page shows of the container: the buttons and the two panels, empty until asked. */
export const ContainerCard = (p: { id: string; logs?: Parameters<typeof LogsPanel>[0]; usage?: Parameters<typeof UsagePanel>[0]; lines?: number }) => (
  <div class="card container-card" id="container">
    <div class="server-title">
      <h3>Resource usage</h3>
      <form method="get" action={`/deployments/${p.id}/usage`} hx-get={`/deployments/${p.id}/usage`} hx-target="#usage" hx-swap="outerHTML" hx-disabled-elt="find button">
        <button type="submit" class="small" id="show-usage">
          <span class="when-idle">Show usage</span>
          <span class="when-busy">Reading…</span>
        </button>
      </form>
    </div>
    <UsagePanel {...p.usage} />
    <div class="server-title logs-head">
      <h3>Container logs</h3>
      <form class="inline" method="get" action={`/deployments/${p.id}/logs`} hx-get={`/deployments/${p.id}/logs`} hx-target="#logs" hx-swap="outerHTML">
        <label for="f-lines" class="small">
          Lines
        </label>
        <select id="f-lines" name="lines">
          {LOG_LINE_CHOICES.map((n) => (
            <option value={String(n)} selected={n === (p.lines ?? LOG_LINE_CHOICES[0])}>
              {n}
            </option>
          ))}
        </select>
        <button type="submit" class="small" id="show-logs">
          Show logs
        </button>
        <button type="submit" class="small" id="follow-logs" name="follow" value="1">
          Follow
        </button>
      </form>
    </div>
    <LogsPanel {...(p.logs ?? { id: p.id, lines: p.lines ?? LOG_LINE_CHOICES[0] })} />
  </div>
);

/** Without JavaScript, "Show logs" and "Show usage" answer with this page. */
export const ContainerPage = (p: Omit<PageProps, "section" | "children" | "title"> & { deployment: { id: string; name: string }; logs?: Parameters<typeof LogsPanel>[0]; usage?: Parameters<typeof UsagePanel>[0]; lines?: number }) => (
  <Layout title={`${p.deployment.name}: container`} csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused} section="apps">
    <nav class="crumbs" aria-label="Breadcrumb">
      <a href="/deployments">Deployments</a> / <a href={`/deployments/${p.deployment.id}`}>{p.deployment.name}</a> / <span aria-current="page">Container</span>
    </nav>
    <ContainerCard id={p.deployment.id} logs={p.logs} usage={p.usage} lines={p.lines} />
  </Layout>
);

/** Messages of the followed log stream: the state line, a reset of the output, a chunk of it. */
export const LogsState = (p: { text: string; tone?: "error" }) => (
  <span id="logs-state-text" role="status" class={p.tone === "error" ? "error" : undefined} hx-swap-oob="true">
    {p.text}
  </span>
);
export const LogsReset = () => <pre id="logs-output" class="container-log" hx-swap-oob="true"></pre>;
export const LogsChunk = (p: { text: string }) => <pre hx-swap-oob="beforeend:#logs-output">{p.text}</pre>;
