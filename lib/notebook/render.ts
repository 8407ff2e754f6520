/**
 * One executed notebook as an HTML page body, the way a student sees it in Jupyter:
 * Markdown rendered (marked, GitHub-flavoured, as JupyterLab does), code highlighted
 * (highlight.js), and each output in its richest form (HTML — Plotly figures and tables —,
 * SVG, PNG/JPEG, Markdown, then plain text); stdout/stderr and errors as text. Long lines
 * wrap. Cells the course marks as hidden tests are left out (they stay with the graders).
 */
import hljs from "highlight.js/lib/core";
import typescript from "highlight.js/lib/languages/typescript";
import { Marked } from "marked";
import { escapeHtml } from "../viz/display";
import { stripAnsi } from "./kernel";
import { Cell, Notebook, cellSource } from "./nbformat";

hljs.registerLanguage("typescript", typescript);

/** Output MIME types in the order a front end prefers them (JupyterLab's ranking, minus widgets). */
export const MIME_ORDER = ["text/html", "image/svg+xml", "image/png", "image/jpeg", "image/gif", "text/markdown", "application/json", "text/plain"] as const;

export interface RenderOptions {
  /** Rewrites a link target found in Markdown (e.g. another notebook → its page); return it unchanged to keep it. */
  link?: (href: string) => string;
}

export interface RenderedNotebook {
  /** The first Markdown heading, without its "#". */
  title: string;
  /** The first paragraph after the title (plain text), for the table of contents. */
  summary: string;
  /** The page body (cells). */
  html: string;
  /** How many Plotly figures its outputs hold. */
  figures: number;
  /** Level-2 headings, for the page's contents: [id, text]. */
  sections: [string, string][];
}

function joinText(v: unknown): string {
  return Array.isArray(v) ? v.join("") : typeof v === "string" ? v : JSON.stringify(v, null, 2);
}

/** A heading's anchor: lower case, words joined by "-" (as GitHub and JupyterLab make them). */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/<[^>]+>/g, "")
    .replace(/[^\p{L}\p{N}\s-]/gu, "")
    .trim()
    .replace(/\s+/g, "-");
}

export function markdownRenderer(o: RenderOptions, sections: [string, string][], used: Map<string, number>): Marked {
  const m = new Marked({ gfm: true });
  m.use({
    renderer: {
      heading({ tokens, depth }) {
        const inner = this.parser.parseInline(tokens);
        const base = slug(inner) || "section";
        const n = used.get(base) ?? 0;
        used.set(base, n + 1);
        const id = n ? `${base}-${n}` : base;
        if (depth === 2) sections.push([id, htmlToText(inner)]);
        return `<h${depth} id="${id}">${inner}<a class="anchor" href="#${id}" aria-label="link to this section">¶</a></h${depth}>\n`;
      },
      link({ href, title, tokens }) {
        const target = o.link ? o.link(href) : href;
        const external = /^https?:\/\//.test(target);
        return `<a href="${escapeHtml(target)}"${title ? ` title="${escapeHtml(title)}"` : ""}${external ? ' rel="noopener"' : ""}>${this.parser.parseInline(tokens)}</a>`;
      },
      code({ text, lang }) {
        const language = lang && hljs.getLanguage(lang) ? lang : lang === "ts" || lang === "js" || lang === "javascript" ? "typescript" : null;
        const body = language ? hljs.highlight(text, { language }).value : escapeHtml(text);
        return `<pre class="md-code"><code class="hljs">${body}</code></pre>\n`;
      },
    },
  });
  return m;
}

function attachmentsToDataUrls(md: string, cell: Cell): string {
  const att = cell.attachments as Record<string, Record<string, unknown>> | undefined;
  if (!att) return md;
  return md.replace(/attachment:([^)\s]+)/g, (all, name: string) => {
    const bundle = att[name];
    if (!bundle) return all;
    const mime = Object.keys(bundle)[0];
    return `data:${mime};base64,${joinText(bundle[mime]).replace(/\s/g, "")}`;
  });
}

/** Links to notebooks inside an output's HTML or SVG (e.g. a diagram that links the notebook showing each idea) go through `link` too. */
function relinkNotebooks(html: string, link?: (href: string) => string): string {
  if (!link) return html;
  return html.replace(/(\s(?:xlink:)?href=")([^"]*?\.ipynb(?:#[^"]*)?)(")/g, (_all, pre: string, href: string, post: string) => pre + escapeHtml(link(href.replace(/&amp;/g, "&"))) + post);
}

function renderOutput(out: Record<string, unknown>, md: Marked, link?: (href: string) => string): { html: string; figure: boolean } {
  const type = out.output_type;
  if (type === "stream") {
    const name = out.name === "stderr" ? "stderr" : "stdout";
    return { html: `<pre class="out stream ${name}">${escapeHtml(stripAnsi(joinText(out.text)))}</pre>`, figure: false };
  }
  if (type === "error") {
    const tb = (out.traceback as string[] | undefined)?.map(stripAnsi).join("\n") || `${out.ename}: ${out.evalue}`;
    return { html: `<pre class="out error">${escapeHtml(tb)}</pre>`, figure: false };
  }
  const data = (out.data ?? {}) as Record<string, unknown>;
  const figure = "application/vnd.plotly.v1+json" in data;
  const mime = MIME_ORDER.find((t) => t in data);
  if (!mime) return { html: "", figure: false };
  const v = data[mime];
  switch (mime) {
    case "text/html":
      return { html: `<div class="out html">${relinkNotebooks(joinText(v), link)}</div>`, figure };
    case "image/svg+xml":
      return { html: `<div class="out svg">${relinkNotebooks(joinText(v), link)}</div>`, figure };
    case "image/png":
    case "image/jpeg":
    case "image/gif":
      return { html: `<div class="out image"><img alt="output image" src="data:${mime};base64,${joinText(v).replace(/\s/g, "")}"></div>`, figure };
    case "text/markdown":
      return { html: `<div class="out markdown">${md.parse(joinText(v)) as string}</div>`, figure };
    case "application/json":
      return { html: `<pre class="out json">${escapeHtml(JSON.stringify(v, null, 2))}</pre>`, figure };
    default:
      return { html: `<pre class="out text">${escapeHtml(stripAnsi(joinText(v)))}</pre>`, figure };
  }
}

/** True for cells the book leaves out: hidden tests, and cells tagged remove-cell (Jupyter Book's tag). */
export function isHidden(cell: Cell): boolean {
  const course = cell.metadata?.course as { type?: string } | undefined;
  const tags = (cell.metadata?.tags as string[] | undefined) ?? [];
  return course?.type === "hidden-tests" || tags.includes("remove-cell");
}

export function renderNotebook(nb: Notebook, o: RenderOptions = {}): RenderedNotebook {
  const sections: [string, string][] = [];
  const md = markdownRenderer(o, sections, new Map());
  let title = "";
  let summary = "";
  let figures = 0;
  const parts: string[] = [];
  for (const cell of nb.cells) {
    if (isHidden(cell)) continue;
    const src = cellSource(cell);
    if (cell.cell_type === "markdown") {
      if (!title) {
        const h = /^#\s+(.+)$/m.exec(src);
        if (h) title = h[1].replace(/[*_`]/g, "").trim();
      }
      if (title && !summary) {
        const para = src
          .split(/\n\s*\n/)
          .map((p) => p.trim())
          // A prose paragraph: not a heading, list, table, quote, code fence, HTML or image.
          .find((p) => p && !/^(#|[-*+]\s|\d+[.)]\s|\||>|```|~~~|<|!\[)/.test(p));
        if (para) summary = para.replace(/\s+/g, " ").replace(/[*_`]/g, "");
      }
      parts.push(`<section class="cell markdown">${md.parse(attachmentsToDataUrls(src, cell)) as string}</section>`);
    } else if (cell.cell_type === "code") {
      const tags = (cell.metadata?.tags as string[] | undefined) ?? [];
      const hideInput = tags.includes("remove-input") || cell.metadata?.jupyter?.source_hidden === true;
      const count = cell.execution_count ?? " ";
      const input = hideInput || !src.trim() ? "" : `<div class="input"><span class="prompt">[${count}]</span><pre class="code"><code class="hljs language-typescript">${hljs.highlight(src, { language: "typescript" }).value}</code></pre></div>`;
      const outs = (cell.outputs ?? []).map((out) => renderOutput(out as unknown as Record<string, unknown>, md, o.link));
      figures += outs.filter((x) => x.figure).length;
      const outputs = outs.map((x) => x.html).filter(Boolean).join("\n");
      parts.push(`<section class="cell code">${input}${outputs ? `<div class="outputs">${outputs}</div>` : ""}</section>`);
    } else {
      parts.push(`<section class="cell raw"><pre>${escapeHtml(src)}</pre></section>`);
    }
  }
  return { title: title || "Notebook", summary, html: parts.join("\n"), figures, sections };
}

/** Plain text of an HTML fragment: tags dropped, the entities marked writes decoded once. */
export function htmlToText(html: string): string {
  const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };
  return html
    .replace(/<[^>]+>/g, "")
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) =>
      e[0] === "#" ? String.fromCodePoint(e[1].toLowerCase() === "x" ? parseInt(e.slice(2), 16) : Number(e.slice(1))) : (named[e.toLowerCase()] ?? all),
    );
}
