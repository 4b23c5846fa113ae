import { Layout, type Viewer } from "./layout.tsx";

const titles: Record<number, string> = {
  403: "Not allowed",
  404: "Not found",
  409: "Conflict",
  413: "Too large",
  429: "Slow down",
  503: "Changes are paused",
  500: "Something went wrong",
};

export const ErrorPage = (p: { status: number; message: string; csrf: string; viewer?: Viewer; reference?: string }) => (
  <Layout title={titles[p.status] ?? "Error"} csrf={p.csrf} viewer={p.viewer}>
    <section class="card narrow error-page">
      <h1>{titles[p.status] ?? "Error"}</h1>
      <p>{p.message}</p>
      {p.reference && <p class="muted small">Reference: {p.reference} (in the server log)</p>}
      <p>
        <a href="/nodes">Back to Infrastructure</a>
      </p>
    </section>
  </Layout>
);

/** An error in answer to an HTMX fragment request, shown in the page's alert area. */
export const ErrorAlert = (p: { message: string; reference?: string }) => (
  <div class="flash flash-error" role="alert">
    {p.message}
    {p.reference && <span class="muted small"> Reference: {p.reference} (in the server log)</span>}
  </div>
);
