// What every long list shows around its table: the filters (a plain GET form, so that a reload,
// a bookmark or a shared link keeps them) and the page controls (ordinary links, reachable with
// the keyboard, with where this page sits in the whole list).
import { Field, FormErrors, Select } from "./components.tsx";

export interface FilterChoice {
  name: string;
  label: string;
  options: { value: string; label: string }[];
  value?: string;
}

export interface FiltersProps {
  /** The list's own URL; the form sends its filters there. */
  action: string;
  /** What the list holds, for the form's label ("servers"). */
  noun: string;
  choices: FilterChoice[];
  search: { label: string; value?: string; placeholder?: string };
  /** Errors by query parameter, from a 422. */
  errors?: Record<string, string>;
  /** Some filter is set: offer to clear them. */
  active: boolean;
}

export const ListFilters = (p: FiltersProps) => {
  const errors = p.errors ?? {};
  return (
    <form method="get" action={p.action} class="filters" role="search" aria-label={`Filter ${p.noun}`}>
      <FormErrors errors={errors} known={[...p.choices.map((c) => c.name), "q"]} />
      <div class="filter-fields">
        {p.choices.map((c) => (
          <Select name={c.name} label={c.label} value={c.value ?? ""} error={errors[c.name]} options={[{ value: "", label: "Any" }, ...c.options]} />
        ))}
        <Field name="q" type="search" label={p.search.label} value={p.search.value} placeholder={p.search.placeholder} error={errors.q} maxlength={64} />
        <div class="filter-actions">
          <button type="submit">Filter</button>
          {p.active && <a href={p.action}>Clear filters</a>}
        </div>
      </div>
    </form>
  );
};

export interface PagerView {
  total: number;
  /** Rows before this page. */
  start: number;
  /** Rows on this page. */
  count: number;
  prevHref?: string;
  nextHref?: string;
}

const number = (n: number) => n.toLocaleString("en");

/** "51–100 of 10,000 servers", then Previous and Next when there is more than one page. */
export const Pager = (p: { pager: PagerView; noun: [singular: string, plural: string] }) => {
  const { total, start, count, prevHref, nextHref } = p.pager;
  const noun = total === 1 ? p.noun[0] : p.noun[1];
  const where = count === 0 ? `No ${p.noun[1]}` : count === total ? `${number(total)} ${noun}` : `${number(start + 1)}–${number(start + count)} of ${number(total)} ${noun}`;
  return (
    <nav class="pager" aria-label={`Pages of ${p.noun[1]}`}>
      <span class="pager-where">{where}</span>
      {(prevHref || nextHref) && (
        <span class="pager-links">
          {prevHref ? (
            <a href={prevHref} rel="prev">
              ← Previous
            </a>
          ) : (
            <span class="muted" aria-disabled="true">
              ← Previous
            </span>
          )}
          {nextHref ? (
            <a href={nextHref} rel="next">
              Next →
            </a>
          ) : (
            <span class="muted" aria-disabled="true">
              Next →
            </span>
          )}
        </span>
      )}
    </nav>
  );
};
