/** Tables in notebooks: danfojs DataFrames, or plain rows, as HTML with a text fallback. */
import { display, escapeHtml } from "./display";

/** Anything with columns and rows of values: a danfojs DataFrame, or `{columns, values}`. */
export interface TableLike {
  columns: string[];
  /** Rows (2-D); a 1-D array is shown as one column (a danfojs Series' values). */
  values: unknown[];
}

/** Rows of a table as arrays (a 1-D `values` becomes one value per row). */
function rowsOf(t: TableLike): unknown[][] {
  return t.values.map((r) => (Array.isArray(r) ? r : [r]));
}

function fmt(v: unknown): string {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : Math.abs(v) >= 1000 || Math.abs(v) < 0.001 ? v.toExponential(3) : v.toFixed(4).replace(/0+$/, "").replace(/\.$/, "");
  if (v === null || v === undefined) return "";
  return String(v);
}

/** Rows of objects → a table (columns in first-seen order). */
export function fromRows(rows: Record<string, unknown>[]): TableLike {
  const columns: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  return { columns, values: rows.map((r) => columns.map((c) => r[c])) };
}

export function tableHtml(t: TableLike, caption?: string, maxRows = 50): string {
  const rows = rowsOf(t).slice(0, maxRows);
  const more = t.values.length > maxRows ? `<tr><td colspan="${t.columns.length}" style="text-align:center;color:#888">… ${t.values.length - maxRows} more rows</td></tr>` : "";
  // A column of numbers is right-aligned (digits line up), everything else left-aligned; the header
  // follows its column. Both as CSS and as the HTML align attribute, which views that strip inline
  // styles (untrusted notebooks, some viewers) still honour.
  const numeric = t.columns.map((_, j) => rows.some((r) => typeof r[j] === "number") && rows.every((r) => typeof r[j] === "number" || r[j] === null || r[j] === undefined));
  const align = (j: number) => (numeric[j] ? "right" : "left");
  return `<table class="course-table" style="border-collapse:collapse;font-size:13px">
${caption ? `<caption style="text-align:left;font-weight:bold;padding:4px">${escapeHtml(caption)}</caption>` : ""}<thead><tr>${t.columns.map((c, j) => `<th align="${align(j)}" style="border-bottom:1px solid #999;padding:3px 8px;text-align:${align(j)}">${escapeHtml(c)}</th>`).join("")}</tr></thead>
<tbody>${rows.map((r) => `<tr>${r.map((v, j) => `<td align="${align(j)}" style="padding:3px 8px;border-bottom:1px solid #eee;text-align:${align(j)}">${escapeHtml(fmt(v))}</td>`).join("")}</tr>`).join("\n")}${more}</tbody></table>`;
}

export function tableText(t: TableLike, maxRows = 50): string {
  const rows = [t.columns, ...rowsOf(t).slice(0, maxRows).map((r) => r.map(fmt))];
  const widths = t.columns.map((_, j) => Math.min(40, Math.max(...rows.map((r) => String(r[j]).length))));
  const lines = rows.map((r) => r.map((v, j) => String(v).slice(0, 40).padEnd(widths[j])).join("  "));
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  if (t.values.length > maxRows) lines.push(`… ${t.values.length - maxRows} more rows`);
  return lines.join("\n");
}

/** Shows a DataFrame (danfojs) or `{columns, values}` or an array of row objects as a table. */
export function showTable(t: TableLike | Record<string, unknown>[], opts: { caption?: string; maxRows?: number } = {}): void {
  const table = Array.isArray(t) ? fromRows(t) : t;
  if (!Array.isArray(table.columns) || !Array.isArray(table.values)) {
    throw new Error("showTable expects a danfojs DataFrame, {columns, values}, or an array of row objects.");
  }
  display({ "text/html": tableHtml(table, opts.caption, opts.maxRows), "text/plain": (opts.caption ? `${opts.caption}\n` : "") + tableText(table, opts.maxRows) });
}
