/**
 * What `course grade` writes from the results: the gradebook (CSV), each student's
 * feedback (Markdown), and each student's Gradescope results.json.
 *
 * Gradescope's format: https://gradescope-autograders.readthedocs.io/en/latest/specs/
 * (score, execution_time, output, tests[] with name, number, score, max_score, status,
 * output, visibility).
 */
import type { Assignment } from "./assignment";
import { StudentResult, pts } from "./result";

/**
 * One CSV field. Text that a spreadsheet would read as a formula (starting with = + - @, or a
 * tab or carriage return: OWASP's list) gets a leading apostrophe, so a student named
 * "=HYPERLINK(…)" or "+1+2" stays text.
 */
export function csvField(v: string | number): string {
  let s = String(v);
  if (typeof v === "string" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r']/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per student (sorted by name), one column per question, then total, max, status, flags, folder. */
export function gradebookCsv(a: Pick<Assignment, "questions">, results: StudentResult[]): string {
  const qs = a.questions.map((q) => q.id);
  const header = ["student", ...qs, "total", "max", "status", "flags", "folder"];
  const rows = [...results]
    .sort((x, y) => (x.student < y.student ? -1 : x.student > y.student ? 1 : 0))
    .map((r) => {
      const byId = new Map(r.questions.map((q) => [q.id, q]));
      const codes = [...new Set(r.flags.map((f) => f.code))];
      return [r.student, ...qs.map((id) => pts(byId.get(id)?.score ?? 0)), pts(r.score), pts(r.max), r.status, codes.join(";"), r.folder];
    });
  return [header, ...rows].map((row) => row.map((f) => csvField(f)).join(",")).join("\n") + "\n";
}

/**
 * Text as Markdown that renders as that text and nothing else: one line; HTML's <, > and &
 * as entities (no <script>, no <img onerror>); Markdown punctuation backslash-escaped (no
 * links, images, emphasis, tables or headings from a student's name or error message).
 */
export function mdText(v: unknown): string {
  return String(v)
    .replace(/[\r\n\u2028\u2029]+/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*_{}\[\]()#+!|~]/g, (c) => `\\${c}`);
}

/** "q1 · Dot product", or "q1" alone when the question has no title of its own. */
function heading(q: { id: string; title: string }): string {
  return !q.title || q.title === q.id ? q.id : `${q.id} · ${q.title}`;
}

const STATUS_WORDS: Record<string, string> = {
  ok: "",
  timeout: "⏱ time limit",
  memory: "memory limit",
  died: "kernel died",
  output: "output limit",
  error: "not graded",
};

/** The student's feedback: score, each question's checks with the reason for each failure. */
export function feedbackMarkdown(r: StudentResult, opts: { hiddenDetails?: boolean } = {}): string {
  const showHidden = opts.hiddenDetails === true;
  const lines: string[] = [];
  lines.push(`# ${mdText(r.assignment)} — feedback for ${mdText(r.student)}`, "");
  lines.push(`**Score: ${pts(r.score)} / ${pts(r.max)}**${r.status !== "ok" ? ` (${r.status})` : ""}`, "");
  lines.push("| question | score | |", "|---|---|---|");
  for (const q of r.questions) lines.push(`| ${mdText(heading(q))} | ${pts(q.score)} / ${pts(q.max)} | ${STATUS_WORDS[q.status] ?? q.status} |`);
  lines.push("");
  if (r.notes.length) {
    lines.push("## Notes", "");
    for (const n of r.notes) lines.push(`- ${mdText(n)}`);
    lines.push("");
  }
  for (const q of r.questions) {
    lines.push(`## ${mdText(heading(q))} — ${pts(q.score)} / ${pts(q.max)}`, "");
    if (q.message) lines.push(`> ${mdText(q.message)}`, "");
    for (const c of q.checks) {
      const mark = c.status === "passed" ? "✓" : c.status === "not-run" ? "–" : "✗";
      const tag = c.hidden ? " *(hidden test)*" : "";
      const why = c.status === "passed" ? "" : c.hidden && !showHidden ? "" : c.message ? ` — ${mdText(c.message)}` : c.status === "not-run" ? " — not run" : "";
      lines.push(`- ${mark} ${mdText(c.name)}${tag} (${pts(c.earned)} / ${pts(c.points)})${why}`);
    }
    if (!q.checks.length) lines.push("- (no checks ran)");
    lines.push("");
  }
  const broken = r.cells.filter((c) => c.status !== "ok" && c.status !== "skipped" && c.error);
  if (broken.length) {
    lines.push("## Cells that did not run cleanly", "");
    for (const c of broken) lines.push(`- ${mdText(c.label)}: ${mdText(c.error)}`);
    lines.push("");
  }
  lines.push(`<sub>Graded ${r.gradedAt} in ${r.seconds.toFixed(1)} s by \`course grade\`.</sub>`, "");
  return lines.join("\n");
}

export type Visibility = "visible" | "hidden" | "after_due_date" | "after_published";

export interface GradescopeTest {
  name: string;
  number: string;
  score: number;
  max_score: number;
  status: "passed" | "failed";
  output: string;
  output_format: "md";
  visibility: Visibility;
}

export interface GradescopeResults {
  score: number;
  execution_time: number;
  output: string;
  output_format: "md";
  visibility: Visibility;
  stdout_visibility: "hidden";
  tests: GradescopeTest[];
}

/**
 * Gradescope's results.json: one test per question and visibility — the public checks
 * (shown at once, or as the question's `visibility` metadata says) and the hidden checks
 * (after grades are published). Each test's output lists its checks and why they failed.
 */
export function gradescopeResults(r: StudentResult, opts: { hiddenDetails?: boolean; visibility?: Record<string, Visibility> } = {}): GradescopeResults {
  const tests: GradescopeTest[] = [];
  const showHidden = opts.hiddenDetails === true;
  r.questions.forEach((q, qi) => {
    const title = heading(q).replace(/[\r\n]+/g, " ");
    if (!q.checks.length) {
      tests.push({ name: title, number: `${qi + 1}`, score: 0, max_score: round(q.max), status: "failed", output: mdText(q.message ?? "not graded"), output_format: "md", visibility: opts.visibility?.[q.id] ?? "visible" });
      return;
    }
    for (const hidden of [false, true]) {
      const checks = q.checks.filter((c) => c.hidden === hidden);
      if (!checks.length) continue;
      const score = checks.reduce((s, c) => s + c.earned, 0);
      const max = checks.reduce((s, c) => s + c.points, 0);
      const lines = checks.map((c) => {
        const mark = c.status === "passed" ? "✓" : c.status === "not-run" ? "–" : "✗";
        const reason = c.status === "passed" || (hidden && !showHidden) ? "" : c.message ? ` — ${mdText(c.message)}` : c.status === "not-run" ? " — not run" : "";
        return `- ${mark} ${mdText(c.name)} (${pts(c.earned)} / ${pts(c.points)})${reason}`;
      });
      if (q.message) lines.unshift(`> ${mdText(q.message)}`, "");
      tests.push({
        name: hidden ? `${title} (hidden tests)` : title,
        number: hidden ? `${qi + 1}.2` : `${qi + 1}.1`,
        score: round(score),
        max_score: round(max),
        status: checks.every((c) => c.status === "passed") ? "passed" : "failed",
        output: lines.join("\n"),
        output_format: "md",
        visibility: hidden ? "after_published" : opts.visibility?.[q.id] ?? "visible",
      });
    }
  });
  const out = [`**${mdText(r.assignment)}: ${pts(r.score)} / ${pts(r.max)}** (${r.status})`, ...r.notes.map((n) => `- ${mdText(n)}`)];
  return { score: round(r.score), execution_time: Math.round(r.seconds), output: out.join("\n"), output_format: "md", visibility: "visible", stdout_visibility: "hidden", tests };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
