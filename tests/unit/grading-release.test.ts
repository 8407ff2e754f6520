/**
 * What students get never carries answers (issue 24): `course release` writes the student
 * edition and the public book is built from the exercises. Both are grepped for every hidden
 * check's name and every line of every solution region of the course's assignments; the staff
 * copy of the book (--with-solutions) is marked as such and still shows no hidden test.
 */
import { after, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildBook, defaultBookNotebooks, withoutHiddenTests } from "../../lib/notebook/book";
import { cellSource, readNotebook } from "../../lib/notebook/nbformat";
import { hiddenCheckNames, releaseProblems } from "../../grading/src/release";
import { COURSE, ROOT } from "../fixtures/grading/submissions";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "grading-release-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const SOLUTIONS = fs.readdirSync(path.join(ROOT, "solutions")).filter((f) => f.endsWith(".ipynb")).map((f) => path.join(ROOT, "solutions", f));

/** Lines of the solutions' answers (inside solution regions, or `// SOLUTION` lines) long enough to be their own. */
function solutionLines(): string[] {
  const lines = new Set<string>();
  for (const f of SOLUTIONS) {
    for (const c of readNotebook(f).cells) {
      if (c.metadata?.course?.type !== "solution") continue;
      let inside = false;
      for (const l of cellSource(c).split("\n")) {
        if (/\/\/\s*END SOLUTION/.test(l)) inside = false;
        if (inside && l.trim().length > 30) lines.add(l.trim());
        if (/\/\/\s*BEGIN SOLUTION/.test(l)) inside = true;
        if (/\/\/\s*SOLUTION\s*$/.test(l)) lines.add(l.replace(/\/\/\s*SOLUTION\s*$/, "").trim());
      }
    }
  }
  return [...lines];
}

function textFiles(dir: string): [string, string][] {
  const out: [string, string][] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ipynb|html|md|ts|js|json|py|txt|csv)$/.test(e.name) && e.name !== "plotly.min.js") out.push([path.relative(dir, p), fs.readFileSync(p, "utf8")]);
    }
  };
  walk(dir);
  return out;
}

const hidden = hiddenCheckNames(ROOT);
const answers = solutionLines();
const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

function assertNoAnswers(files: [string, string][], where: string): void {
  assert.ok(hidden.length >= 10 && answers.length >= 10, `the needles were found (${hidden.length} hidden checks, ${answers.length} answer lines)`);
  for (const [file, text] of files) {
    for (const n of hidden) assert.ok(!text.includes(n) && !text.includes(escapeHtml(n)), `${where}/${file} shows the hidden check "${n}"`);
    for (const l of answers) assert.ok(!text.includes(l) && !text.includes(escapeHtml(l)) && !text.includes(JSON.stringify(l).slice(1, -1)), `${where}/${file} shows the answer line ${l}`);
    // Notebooks and pages (the grader's own source names its markers, which is no region).
    if (/\.(ipynb|html)$/.test(file)) assert.doesNotMatch(text, /\/\/\s*BEGIN (SOLUTION|HIDDEN TESTS)/, `${where}/${file} has a solution or hidden-test region`);
  }
}

test("course release writes the student edition: exercises, no solutions/, tests/ or explore/, no answer anywhere", { timeout: 120_000 }, () => {
  const out = path.join(tmp, "release");
  const r = spawnSync(process.execPath, [COURSE, "release", "--out", out], { cwd: ROOT, encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /student edition: \d+ files/);
  assert.ok(!fs.existsSync(path.join(out, "solutions")) && !fs.existsSync(path.join(out, "tests")));
  for (const f of ["exercises/cosine-similarity.ipynb", "exercises/embeddings.ipynb", "lib/index.ts", "grading/src/check.ts", "package.json", "README.md", "docs/grading.md"]) assert.ok(fs.existsSync(path.join(out, f)), `${f} is in the release`);
  assert.match(fs.readFileSync(path.join(out, "docs", "grading.md"), "utf8"), /npx course check/);
  assertNoAnswers(textFiles(out), "release");
  assert.deepEqual(releaseProblems(out, hidden), []);
  // Its own guard: a solution notebook dropped into a release is found.
  fs.copyFileSync(SOLUTIONS[0], path.join(out, "exercises", "copy.ipynb"));
  assert.ok(releaseProblems(out, hidden).some((p) => /copy\.ipynb/.test(p)));
  // A second release into a folder that is not empty is refused.
  const again = spawnSync(process.execPath, [COURSE, "release", "--out", out], { cwd: ROOT, encoding: "utf8" });
  assert.equal(again.status, 1);
  assert.match(again.stderr, /not empty/);
});

test("the public book is built from the exercises; the staff copy is marked; hidden tests are never rendered", { timeout: 300_000 }, async () => {
  const pub = defaultBookNotebooks().map((f) => path.relative(ROOT, f));
  assert.ok(pub.some((f) => f.startsWith("exercises")) && !pub.some((f) => f.startsWith("solutions")), pub.join(", "));
  assert.ok(defaultBookNotebooks(ROOT, true).some((f) => path.relative(ROOT, f).startsWith("solutions")));
  const exercises = pub.filter((f) => f.startsWith("exercises")).map((f) => path.join(ROOT, f));
  const out = path.join(tmp, "book");
  const report = await buildBook({ out, mode: "fast", notebooks: exercises, executedDir: path.join(tmp, "executed") });
  assert.equal(report.pages.length, exercises.length);
  assert.ok(report.pages.every((p) => !p.failure && p.seconds === null), "exercises are shown, not run");
  const files = textFiles(out);
  assert.ok(files.some(([f, t]) => f === "exercises/cosine-similarity.html" && /Not implemented: q2|mostSimilar/.test(t)), "the exercise page shows the exercise");
  assertNoAnswers(files, "book");
  // The staff copy's notebooks keep their solutions but lose every hidden test, inline regions included.
  for (const f of SOLUTIONS) {
    const nb = withoutHiddenTests(readNotebook(f));
    const text = nb.cells.map((c) => cellSource(c)).join("\n");
    assert.doesNotMatch(text, /BEGIN HIDDEN TESTS|END HIDDEN TESTS/);
    for (const n of hidden) assert.ok(!text.includes(n), `${path.basename(f)} keeps the hidden check "${n}"`);
  }
});
