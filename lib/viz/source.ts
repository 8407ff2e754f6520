/**
 * The library's own code on the page: `viz.source("lib/pretraining/masking.ts#maskTokens")`
 * shows the exact lines of `maskTokens` as they are in `lib/` now — highlighted (highlight.js,
 * GitHub colours inlined so JupyterLab, VS Code and the book all show them), with the file and
 * line numbers above, and plain text for front ends without HTML. The page cannot drift from the
 * code: it is read from the file each time the cell runs.
 *
 * A reference is `path#name`, the path relative to the course folder (it starts with `lib/`):
 *  - `name` a region: the lines between `// #region name` and its `// #endregion` (the two marker
 *    lines themselves are not shown) — for a teachable part of a longer function or table;
 *  - otherwise a top-level declaration `name` (function, class, const, interface, type, enum),
 *    with the doc comment just above it, through its closing line;
 *  - no `#name`: the whole file.
 */
import * as fs from "fs";
import * as path from "path";
import hljs from "highlight.js/lib/core";
import typescript from "highlight.js/lib/languages/typescript";
import { display, escapeHtml } from "./display";

if (!hljs.getLanguage("typescript")) hljs.registerLanguage("typescript", typescript);

/** The folder `lib/` paths are relative to (the course folder; lib may also sit in node_modules/@course/lib). */
const LIB_DIR = path.resolve(__dirname, "..");

export interface SourceSpan {
  /** The reference as given. */
  ref: string;
  /** Path as shown (`lib/...`). */
  file: string;
  /** First and last line shown, 1-based, inclusive. */
  start: number;
  end: number;
  /** The lines, joined with "\n" (a region's own two marker lines left out). */
  text: string;
}

/** The absolute path of a `lib/...` reference path. */
export function sourcePath(file: string): string {
  const rel = file.replace(/\\/g, "/");
  if (!rel.startsWith("lib/")) throw new Error(`viz.source: "${file}" is not under lib/ — give a path like "lib/pretraining/masking.ts#maskTokens"`);
  return path.join(LIB_DIR, rel.slice(4));
}

const REGION = (name: string) => new RegExp(`^\\s*//\\s*#region\\s+${escapeRe(name)}\\s*$`);
const END_REGION = /^\s*\/\/\s*#endregion\b/;
const DECL = (name: string) => new RegExp(`^(?:export\\s+)?(?:default\\s+)?(?:declare\\s+)?(?:abstract\\s+)?(?:async\\s+)?(?:function\\*?|class|const|let|var|interface|type|enum)\\s+${escapeRe(name)}\\b`);

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Where a top-level declaration starting at line `from` (0-based) ends: the line on which its
 * brackets close again, or its statement ends with `;`. Strings, template literals and comments
 * are skipped, so a brace inside them does not count.
 */
function declarationEnd(lines: string[], from: number): number {
  let depth = 0;
  let opened = false;
  let mode: "code" | "block" | "regex" | "'" | '"' | "`" = "code";
  let inClass = false; // inside [...] of a regular expression
  const templateDepth: number[] = []; // brace depth at each `${` inside a template literal
  for (let i = from; i < lines.length; i++) {
    const s = lines[i];
    let last = ""; // the line's last character outside comments
    for (let j = 0; j < s.length; j++) {
      const ch = s[j];
      if (mode !== "block" && !(mode === "code" && ch === "/" && (s[j + 1] === "/" || s[j + 1] === "*")) && ch.trim()) last = ch;
      if (mode === "block") {
        if (ch === "*" && s[j + 1] === "/") (mode = "code"), j++;
        continue;
      }
      if (mode === "regex") {
        if (ch === "\\") j++;
        else if (ch === "[") inClass = true;
        else if (ch === "]") inClass = false;
        else if (ch === "/" && !inClass) mode = "code";
        continue;
      }
      if (mode === "'" || mode === '"') {
        if (ch === "\\") j++;
        else if (ch === mode) mode = "code";
        continue;
      }
      if (mode === "`") {
        if (ch === "\\") j++;
        else if (ch === "`") mode = "code";
        else if (ch === "$" && s[j + 1] === "{") {
          templateDepth.push(depth);
          depth++;
          j++;
          mode = "code";
        }
        continue;
      }
      if (ch === "/" && s[j + 1] === "/") break;
      if (ch === "/" && s[j + 1] === "*") (mode = "block"), j++;
      else if (ch === "/" && /(^|[(,=:[!&|?{};]|return)\s*$/.test(s.slice(0, j))) (mode = "regex"), (inClass = false);
      else if (ch === "'" || ch === '"' || ch === "`") mode = ch;
      else if (ch === "{" || ch === "(" || ch === "[") (depth++, (opened = true));
      else if (ch === "}" || ch === ")" || ch === "]") {
        depth--;
        if (ch === "}" && templateDepth.length && templateDepth[templateDepth.length - 1] === depth) {
          templateDepth.pop();
          mode = "`";
        }
      }
    }
    if (mode === "code" && depth === 0) {
      if (last === ";") return i;
      // A closing bracket ends it unless the next line continues it (indented: `| { … }` of a union, `.then(…)`).
      const next = lines[i + 1];
      if (opened && /[)}\]]/.test(last) && (next === undefined || !next.trim() || !/^\s/.test(next))) return i;
    }
  }
  throw new Error("viz.source: the declaration never closes");
}

/** The lines a reference names. Throws, naming the file, when the file or the name is not there. */
export function sourceSpan(ref: string): SourceSpan {
  const [file, name] = ref.split("#", 2);
  const abs = sourcePath(file);
  if (!fs.existsSync(abs)) throw new Error(`viz.source: no file ${file} (looked for ${abs})`);
  const lines = fs.readFileSync(abs, "utf8").replace(/\r\n/g, "\n").split("\n");
  if (!name) {
    while (lines.length && lines[lines.length - 1] === "") lines.pop();
    return { ref, file, start: 1, end: lines.length, text: lines.join("\n") };
  }
  // A region first.
  const r = lines.findIndex((l) => REGION(name).test(l));
  if (r >= 0) {
    let depth = 0;
    for (let i = r + 1; i < lines.length; i++) {
      if (/^\s*\/\/\s*#region\b/.test(lines[i])) depth++;
      else if (END_REGION.test(lines[i])) {
        if (depth === 0) {
          const body = dedent(lines.slice(r + 1, i));
          return { ref, file, start: r + 2, end: i, text: body.join("\n") };
        }
        depth--;
      }
    }
    throw new Error(`viz.source: ${file} opens "// #region ${name}" on line ${r + 1} but never closes it with "// #endregion"`);
  }
  // Then a top-level declaration, with the comment just above it.
  const d = lines.findIndex((l) => DECL(name).test(l));
  if (d < 0) throw new Error(`viz.source: ${file} has no top-level declaration or "// #region" named "${name}"`);
  let start = d;
  if (start > 0 && /\*\/\s*$/.test(lines[start - 1])) {
    while (start > 0 && !/^\s*\/\*\*?/.test(lines[start - 1])) start--;
    start--;
  } else {
    while (start > 0 && /^\s*\/\/(?!\s*#)/.test(lines[start - 1])) start--;
  }
  const end = declarationEnd(lines, d);
  return { ref, file, start: start + 1, end: end + 1, text: lines.slice(start, end + 1).join("\n") };
}

/** Removes the indentation every non-empty line shares. */
function dedent(lines: string[]): string[] {
  const ind = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^\s*/)![0].length));
  return Number.isFinite(ind) ? lines.map((l) => l.slice(ind)) : lines;
}

/** highlight.js's GitHub theme as inline colours (a notebook front end has no hljs stylesheet). */
const COLOURS: Record<string, string> = {
  keyword: "#d73a49", doctag: "#d73a49", type: "#d73a49", "template-tag": "#d73a49", "template-variable": "#d73a49",
  title: "#6f42c1", "title function_": "#6f42c1", "title class_": "#6f42c1",
  attr: "#005cc5", literal: "#005cc5", meta: "#005cc5", number: "#005cc5", operator: "#005cc5", variable: "#005cc5", property: "#005cc5",
  regexp: "#032f62", string: "#032f62",
  built_in: "#e36209", symbol: "#e36209", params: "#24292e",
  comment: "#6a737d",
  subst: "#24292e",
};

function inlineColours(html: string): string {
  return html.replace(/<span class="hljs-([^"]+)">/g, (m, cls: string) => {
    const c = COLOURS[cls] ?? COLOURS[cls.split(" ")[0]];
    return c ? `<span class="hljs-${cls}" style="color:${c}">` : m;
  });
}

/** Highlighted lines, each a string of HTML (spans re-opened per line so line numbers can sit beside them). */
function highlightLines(code: string): string[] {
  const html = inlineColours(hljs.highlight(code, { language: "typescript" }).value);
  const out: string[] = [];
  const open: string[] = [];
  for (const line of html.split("\n")) {
    let text = open.join("") + line;
    for (const tag of line.match(/<span[^>]*>|<\/span>/g) ?? []) {
      if (tag === "</span>") open.pop();
      else open.push(tag);
    }
    text += "</span>".repeat(open.length);
    out.push(text);
  }
  return out;
}

export interface SourceOptions {
  /** A line under the heading, saying what to look at. */
  note?: string;
}

/** The HTML of a source span: heading (file, lines), numbered highlighted lines. */
export function sourceHtml(span: SourceSpan, opts: SourceOptions = {}): string {
  const lines = highlightLines(span.text);
  const width = String(span.start + lines.length - 1).length;
  const numbered = lines.map((l, i) => `<span style="color:#999;user-select:none">${String(span.start + i).padStart(width)}  </span>${l}`).join("\n");
  const head = `<div style="font:12px sans-serif;color:#555;margin-bottom:2px"><b>${escapeHtml(span.file)}</b>, lines ${span.start}–${span.end}${opts.note ? ` · ${escapeHtml(opts.note)}` : ""}</div>`;
  return `<div class="course-source">${head}<pre style="background:#f6f8fa;border:1px solid #e1e4e8;border-radius:4px;padding:8px;font-size:12px;line-height:1.4;overflow-x:auto;margin:0"><code class="hljs language-typescript" style="color:#24292e;background:none">${numbered}</code></pre></div>`;
}

/** The plain-text form: heading and numbered lines. */
export function sourceText(span: SourceSpan, opts: SourceOptions = {}): string {
  const lines = span.text.split("\n");
  const width = String(span.start + lines.length - 1).length;
  return [`${span.file}, lines ${span.start}–${span.end}${opts.note ? ` · ${opts.note}` : ""}`, ...lines.map((l, i) => `${String(span.start + i).padStart(width)}  ${l}`)].join("\n");
}

/** Shows the library's own lines for `ref` ("lib/…/file.ts#name"); returns the span (file, lines, text). */
export function source(ref: string, opts: SourceOptions = {}): SourceSpan {
  const span = sourceSpan(ref);
  display({ "text/html": sourceHtml(span, opts), "text/plain": sourceText(span, opts) });
  return span;
}
