// Small building blocks shared by the pages. Everything is escaped by JSX; no raw HTML.
import type { Child } from "hono/jsx";

export type Tone = "ok" | "warn" | "bad" | "info" | "muted";

export const Badge = (p: { tone: Tone; children: Child; title?: string }) => (
  <span class={`badge badge-${p.tone}`} title={p.title}>
    {p.children}
  </span>
);

export const EmptyState = (p: { title: string; children: Child; action?: Child }) => (
  <div class="empty">
    <h3>{p.title}</h3>
    <p>{p.children}</p>
    {p.action}
  </div>
);

/** A list of objects, a column a header; `actions` adds an unlabelled last column for each row's buttons. */
export const ListTable = (p: { columns: (string | { label: string; numeric: true })[]; actions?: boolean; children: Child }) => (
  <table class="list">
    <thead>
      <tr>
        {p.columns.map((c) => (typeof c === "string" ? <th>{c}</th> : <th class="num">{c.label}</th>))}
        {p.actions && (
          <th>
            <span class="sr-only">Actions</span>
          </th>
        )}
      </tr>
    </thead>
    <tbody>{p.children}</tbody>
  </table>
);

export const CsrfInput = (p: { token: string }) => <input type="hidden" name="_csrf" value={p.token} />;

export interface FieldProps {
  name: string;
  label: string;
  type?: string;
  value?: string;
  error?: string;
  help?: string;
  placeholder?: string;
  required?: boolean;
  autocomplete?: string;
  autofocus?: boolean;
  maxlength?: number;
}

const describedBy = (id: string, p: { help?: string; error?: string }) => [p.help && `${id}-help`, p.error && `${id}-error`].filter(Boolean).join(" ") || undefined;

/** A field's help text and error, which its input names in aria-describedby. */
const FieldNotes = (p: { id: string; help?: string; error?: string }) => (
  <>
    {p.help && (
      <small id={`${p.id}-help`} class="help">
        {p.help}
      </small>
    )}
    {p.error && (
      <small id={`${p.id}-error`} class="error" role="alert">
        {p.error}
      </small>
    )}
  </>
);

/** A labelled input with its help text and error, wired for screen readers. */
export const Field = (p: FieldProps) => {
  const id = `f-${p.name}`;
  const described = describedBy(id, p);
  return (
    <div class={`field${p.error ? " has-error" : ""}`}>
      <label for={id}>{p.label}</label>
      <input
        id={id}
        name={p.name}
        type={p.type ?? "text"}
        value={p.value}
        placeholder={p.placeholder}
        required={p.required}
        autocomplete={p.autocomplete}
        autofocus={p.autofocus}
        maxlength={p.maxlength}
        aria-invalid={p.error ? "true" : undefined}
        aria-describedby={described}
      />
      <FieldNotes id={id} help={p.help} error={p.error} />
    </div>
  );
};

/** A labelled multi-line input, wired like Field. */
export const TextArea = (p: Omit<FieldProps, "type" | "autocomplete"> & { rows?: number }) => {
  const id = `f-${p.name}`;
  const described = describedBy(id, p);
  return (
    <div class={`field${p.error ? " has-error" : ""}`}>
      <label for={id}>{p.label}</label>
      <textarea id={id} name={p.name} rows={p.rows ?? 3} placeholder={p.placeholder} required={p.required} autofocus={p.autofocus} maxlength={p.maxlength} spellcheck={false} aria-invalid={p.error ? "true" : undefined} aria-describedby={described}>
        {p.value ?? ""}
      </textarea>
      <FieldNotes id={id} help={p.help} error={p.error} />
    </div>
  );
};

export const Select = (p: { name: string; label: string; options: { value: string; label: string }[]; value?: string; error?: string; attrs?: Record<string, string> }) => {
  const id = `f-${p.name}`;
  return (
    <div class={`field${p.error ? " has-error" : ""}`}>
      <label for={id}>{p.label}</label>
      <select id={id} name={p.name} aria-invalid={p.error ? "true" : undefined} aria-describedby={p.error ? `${id}-error` : undefined} {...(p.attrs ?? {})}>
        {p.options.map((o) => (
          <option value={o.value} selected={o.value === p.value}>
            {o.label}
          </option>
        ))}
      </select>
      {p.error && (
        <small id={`${id}-error`} class="error" role="alert">
          {p.error}
        </small>
      )}
    </div>
  );
};

/** Errors that belong to no field on the form (shown above it). */
export const FormErrors = (p: { errors: Record<string, string>; known: string[] }) => {
  const rest = Object.entries(p.errors).filter(([k]) => !p.known.includes(k));
  if (rest.length === 0) return null;
  return (
    <div class="flash flash-error" role="alert">
      {rest.map(([k, v]) => (
        <div>
          {k === "body" ? "" : `${k}: `}
          {v}
        </div>
      ))}
    </div>
  );
};

/** A date as "3 minutes ago", with the exact time on hover. */
export const When = (p: { at: Date | null | undefined; now: Date; never?: string }) => {
  if (!p.at) return <span class="muted">{p.never ?? "never"}</span>;
  return (
    <time datetime={p.at.toISOString()} title={p.at.toISOString().replace("T", " ").slice(0, 19) + " UTC"}>
      {ago(p.at, p.now)}
    </time>
  );
};

export function ago(at: Date, now: Date): string {
  const s = Math.round((now.getTime() - at.getTime()) / 1000);
  if (s < 10) return "just now";
  if (s < 60) return `${s} seconds ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} minute${m === 1 ? "" : "s"} ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} hour${h === 1 ? "" : "s"} ago`;
  return `${Math.round(h / 24)} days ago`;
}
