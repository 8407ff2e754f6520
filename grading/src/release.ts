/**
 * `course release --out DIR`: the student edition of the course — what to hand out, as
 * nbgrader's release folder is to its source folder. Everything the course tracks (git), except
 *
 *   solutions/            the answers and hidden tests (the staff's source of every exercise)
 *   tests/                the course's own test suite (it grades the solutions' answers)
 *   …/explore/            development logs and scripts (some edit the solutions)
 *   docs/book/solutions/  solution pages of a staff copy of the book, if one was committed
 *   docs/grading.md       the staff guide (replaced by a short note for students)
 *
 * Before it returns, the release is checked: no solution notebook, no exercise-like notebook
 * with solution or hidden-test markers or hidden-test cells, and no hidden check's name from
 * any assignment anywhere in it. A release that fails the check is removed, never left half-made.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { STAFF_DOCS } from "@course/lib/notebook/book";
import { REPO_ROOT } from "./isolation";

export class ReleaseError extends Error {}

export interface ReleaseOptions {
  out: string;
  /** The course (default: this repository). */
  root?: string;
}

export interface ReleaseReport {
  out: string;
  files: number;
  bytes: number;
  /** What was left out, by reason. */
  omitted: Record<string, number>;
}

const STUDENT_GRADING_NOTE = `# Grading

Your exercises are graded by the course staff with \`course grade\`. Before you hand one in, run its
public tests yourself:

\`\`\`bash
npx course check NAME            # e.g. npx course check cosine-similarity
\`\`\`

It runs your notebook's cells and the public tests in fast mode and says which checks pass. When your
notebook is graded, hidden tests are added; the points of a question are split across its checks, so a
check that fails costs only its share. Locked cells (🔒) are checked too: edits to them are ignored.
`;

/** Why a tracked file stays out of the student edition (undefined: it goes in). */
export function omitted(file: string): string | undefined {
  const parts = file.split("/");
  if (parts[0] === "solutions") return "solutions/";
  if (parts[0] === "tests") return "tests/";
  if (parts.includes("explore")) return "explore/";
  if (file.startsWith("docs/book/solutions/")) return "docs/book/solutions/";
  if (STAFF_DOCS.has(file)) return `${file} (staff guide)`; // the list the public book also keeps out
  if (parts[0] === "node_modules" || parts[0] === "build" || parts[0] === ".git") return "build outputs";
  return undefined;
}

function trackedFiles(root: string): string[] {
  const git = spawnSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (git.status === 0 && git.stdout) return git.stdout.split("\0").filter((f) => f && fs.existsSync(path.join(root, f)) && fs.lstatSync(path.join(root, f)).isFile());
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.name === "node_modules" || e.name === ".git" || (rel === "" && e.name === "build")) continue;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.push(r);
    }
  };
  walk("");
  return out;
}

/** The names of every hidden check of the course's assignments (what must never reach students). */
export function hiddenCheckNames(root: string): string[] {
  const dir = path.join(root, "solutions");
  if (!fs.existsSync(dir)) return [];
  const names = new Set<string>();
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith(".ipynb"))) {
    const nb = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as { cells: { cell_type: string; metadata?: { course?: { type?: string } }; source: string | string[] }[] };
    for (const c of nb.cells) {
      const src = Array.isArray(c.source) ? c.source.join("") : c.source;
      const hiddenCode = c.metadata?.course?.type === "hidden-tests" ? src : src.split(/\/\/\s*BEGIN HIDDEN TESTS/).slice(1).map((s) => s.split(/\/\/\s*END HIDDEN TESTS/)[0]).join("\n");
      for (const m of hiddenCode.matchAll(/check\(\s*(["'`])((?:\\.|(?!\1).)+)\1/g)) names.add(m[2]);
    }
  }
  return [...names].sort();
}

/** Problems that make a folder unfit to hand to students (empty: none found). */
export function releaseProblems(dir: string, hiddenNames: string[]): string[] {
  const problems: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (r === "solutions") problems.push("a solutions/ folder");
        walk(r);
        continue;
      }
      if (!/\.(ipynb|md|html|ts|js|json|txt|py|csv|sh)$/i.test(e.name)) continue;
      const text = fs.readFileSync(path.join(dir, r), "utf8");
      if (e.name.endsWith(".ipynb")) {
        if (/"type":\s*"hidden-tests"/.test(text)) problems.push(`${r}: a hidden-tests cell`);
        if (/\/\/\s*BEGIN (SOLUTION|HIDDEN TESTS)\b/.test(text)) problems.push(`${r}: a solution or hidden-test region`);
        // Exercises carry answer cells too, but say what generated them; a solution notebook does not.
        if (/"type":\s*"solution"/.test(text) && !/"generated_from"/.test(text)) problems.push(`${r}: a solution notebook`);
      }
      for (const n of hiddenNames) if (text.includes(n)) problems.push(`${r}: the hidden check "${n}"`);
    }
  };
  walk("");
  return problems;
}

export function release(o: ReleaseOptions): ReleaseReport {
  const root = o.root ?? REPO_ROOT;
  const out = path.resolve(o.out);
  if (out === root || root.startsWith(out + path.sep)) throw new ReleaseError(`--out ${out} is the course folder (or holds it): give a new folder`);
  if (fs.existsSync(out) && fs.readdirSync(out).length) throw new ReleaseError(`--out ${out} exists and is not empty: give a new or empty folder`);
  const omit: Record<string, number> = {};
  let files = 0;
  let bytes = 0;
  fs.mkdirSync(out, { recursive: true });
  try {
    for (const f of trackedFiles(root)) {
      const why = omitted(f);
      if (why) {
        omit[why] = (omit[why] ?? 0) + 1;
        continue;
      }
      const src = path.join(root, f);
      const dst = path.join(out, f);
      fs.mkdirSync(path.dirname(dst), { recursive: true });
      fs.copyFileSync(src, dst);
      fs.chmodSync(dst, fs.statSync(src).mode & 0o777);
      files++;
      bytes += fs.statSync(dst).size;
    }
    fs.mkdirSync(path.join(out, "docs"), { recursive: true });
    fs.writeFileSync(path.join(out, "docs", "grading.md"), STUDENT_GRADING_NOTE);
    const problems = releaseProblems(out, hiddenCheckNames(root));
    if (problems.length) throw new ReleaseError(`the student edition would carry staff material, so it was not written:\n  ${problems.slice(0, 20).join("\n  ")}`);
  } catch (err) {
    fs.rmSync(out, { recursive: true, force: true });
    throw err;
  }
  return { out, files, bytes, omitted: omit };
}
