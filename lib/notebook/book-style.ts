/** The book's stylesheet: readable text, wrapped code, outputs set off as in Jupyter. */
import * as fs from "fs";

/** highlight.js's GitHub theme (code colours), from node_modules. */
function highlightTheme(): string {
  try {
    return fs.readFileSync(require.resolve("highlight.js/styles/github.css"), "utf8");
  } catch {
    return "";
  }
}

export function bookCss(): string {
  return `/* The course book. Code colours: highlight.js "github" theme (BSD-3-Clause). */
${highlightTheme()}
:root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --code-bg: #f6f8fa; --accent: #0072b2; --err-bg: #fff1f0; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #fff; font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
a { color: var(--accent); }
header.top { position: sticky; top: 0; z-index: 10; background: #fff; border-bottom: 1px solid var(--line); }
header.top nav { max-width: 1040px; margin: 0 auto; padding: 8px 20px; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; font-size: 14px; }
header.top .book-title { font-weight: 700; color: var(--ink); text-decoration: none; margin-right: auto; }
main { max-width: 1040px; margin: 0 auto; padding: 8px 20px 40px; }
h1 { font-size: 2em; line-height: 1.25; margin: 0.8em 0 0.4em; }
h2 { font-size: 1.45em; margin: 1.6em 0 0.5em; padding-bottom: 0.2em; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.15em; margin: 1.3em 0 0.4em; }
h1 .anchor, h2 .anchor, h3 .anchor, h4 .anchor { visibility: hidden; margin-left: 0.3em; text-decoration: none; color: var(--muted); font-weight: 400; }
h1:hover .anchor, h2:hover .anchor, h3:hover .anchor, h4:hover .anchor { visibility: visible; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 14px; display: block; overflow-x: auto; max-width: 100%; }
th, td { border: 1px solid var(--line); padding: 4px 10px; vertical-align: top; }
th { background: var(--code-bg); }
code { font: 0.9em/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
:not(pre) > code { background: var(--code-bg); padding: 0.1em 0.35em; border-radius: 4px; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; }
.cell { margin: 0.6em 0; }
.cell.code .input { display: flex; gap: 8px; align-items: flex-start; }
.prompt { flex: 0 0 auto; min-width: 3.2em; color: var(--muted); font: 12px/2.2 ui-monospace, monospace; text-align: right; }
pre.code { flex: 1 1 auto; min-width: 0; background: var(--code-bg); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
pre.code code, pre.md-code code { background: none; padding: 0; }
pre.md-code { background: var(--code-bg); border-radius: 6px; padding: 10px 12px; margin: 0.6em 0; }
.outputs { margin: 4px 0 0 calc(3.2em + 8px); border-left: 3px solid var(--line); padding-left: 12px; }
.out { margin: 4px 0; max-width: 100%; overflow-x: auto; }
pre.out { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre.stderr { background: var(--err-bg); padding: 4px 8px; border-radius: 4px; }
pre.error { background: var(--err-bg); color: #9a1b1b; padding: 6px 8px; border-radius: 4px; }
.out img, .out svg { max-width: 100%; height: auto; }
.out.html table { display: table; }
.course-plot { overflow: hidden; }
.note { background: #fff8e1; border: 1px solid #f0d080; border-radius: 6px; padding: 8px 12px; font-size: 14px; }
.pager { display: flex; justify-content: space-between; gap: 16px; margin-top: 40px; padding-top: 12px; border-top: 1px solid var(--line); font-size: 15px; }
.toc { list-style: none; padding: 0; }
.toc > li { margin: 0 0 18px; }
.toc .title { font-size: 1.1em; font-weight: 600; }
.toc .summary { color: var(--muted); font-size: 14px; margin: 2px 0; }
.toc .sections { font-size: 13px; color: var(--muted); }
.toc .meta { font-size: 12px; color: var(--muted); }
footer { max-width: 1040px; margin: 0 auto; padding: 16px 20px 32px; color: var(--muted); font-size: 13px; border-top: 1px solid var(--line); }
@media (max-width: 640px) { .outputs { margin-left: 0; } .prompt { display: none; } body { font-size: 15px; } }
`;
}
