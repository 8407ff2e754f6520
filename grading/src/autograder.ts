/**
 * `course autograder --gradescope NAME`: a Gradescope autograder package, so a class of
 * hundreds is graded on Gradescope's machines with the same grader as `course grade`.
 *
 *   autograder-NAME.zip
 *     setup.sh          Gradescope runs it once to build the image: Node ≥ 20.19 (official
 *                       tarball) if missing, bubblewrap, `npm ci` of the course, then the
 *                       reference run of the solution (its result is kept in the image)
 *     run_autograder    per submission: grades /autograder/submission with `course grade`'s
 *                       engine and writes /autograder/results/results.json (one test per
 *                       question: public checks visible, hidden checks after publication)
 *     course/           the course as committed: package files, lib/, grading/, shims/, the
 *                       models/ and datasets/ folders the assignment's cells name (without
 *                       their explore/ development material), and solutions/NAME.ipynb only
 *
 * Written to build/autograder-NAME.zip (git-ignored) unless --out says otherwise.
 *
 * The root (/autograder) is AUTOGRADER_ROOT in both scripts, so they run on any folder laid
 * out like Gradescope's — which is how the tests run them. AUTOGRADER_ALLOW_READ (":"-separated)
 * names more folders the kernels may read.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadAssignment } from "./assignment";
import { GradeError, gradeBatch } from "./grade";
import { REPO_ROOT } from "./isolation";
import { readRegularFile } from "./notebook-file";
import { gradescopeResults } from "./report";
import { StudentResult } from "./result";
import { ZipEntry, writeZip } from "./zip";

/** Node version setup.sh installs when the image has none new enough (package.json engines: ≥ 20.19). */
export const AUTOGRADER_NODE = "20.19.5";

/** Folders and files of the course the package carries (besides solutions/NAME.ipynb). */
const COURSE_PARTS = ["package.json", "package-lock.json", ".npmrc", "lib", "grading", "shims", "datasets", "models"];

/** Tracked files under the course parts (git), or every file there without a git checkout. */
function courseFiles(root: string): string[] {
  const git = spawnSync("git", ["ls-files", "-z", "--", ...COURSE_PARTS], { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (git.status === 0 && git.stdout) {
    return git.stdout.split("\0").filter((f) => f && fs.existsSync(path.join(root, f)) && fs.lstatSync(path.join(root, f)).isFile());
  }
  const out: string[] = [];
  const walk = (rel: string) => {
    const full = path.join(root, rel);
    const st = fs.lstatSync(full);
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(full)) if (e !== "node_modules" && !e.startsWith(".git")) walk(path.join(rel, e));
    } else if (st.isFile()) out.push(rel.split(path.sep).join("/"));
  };
  for (const p of COURSE_PARTS) if (fs.existsSync(path.join(root, p))) walk(p);
  return out;
}

/**
 * The models/ and datasets/ folders an assignment uses: a folder is bundled when the
 * solution's code (cells and tests) names it — `loadEncoder("course-bert")`, a
 * "models/course-bert" path, `data.loadChatbot()` for datasets/chatbot. Case-insensitive,
 * as a whole word or inside an identifier; a folder nothing names is left out.
 */
export function referencedFolders(solution: string, root: string): { models: string[]; datasets: string[] } {
  const nb = JSON.parse(fs.readFileSync(solution, "utf8")) as { cells: { cell_type: string; source: string | string[] }[] };
  const code = nb.cells
    .filter((c) => c.cell_type === "code")
    .map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source))
    .join("\n");
  const strings = new Set([...code.matchAll(/(["'`])((?:\\.|(?!\1)[^\\\n])*)\1/g)].map((m) => m[2]));
  const lower = code.toLowerCase();
  const dirs = (p: string) => (fs.existsSync(path.join(root, p)) ? fs.readdirSync(path.join(root, p), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name) : []);
  const models = dirs("models").filter((m) => strings.has(m) || [...strings].some((s) => s.includes(`models/${m}`)));
  const datasets = dirs("datasets").filter((d) => lower.includes(d.toLowerCase()));
  return { models: models.sort(), datasets: datasets.sort() };
}

/** Whether a course file goes into the package of an assignment that uses these folders. */
function bundled(file: string, used: { models: string[]; datasets: string[] }): boolean {
  const parts = file.split("/");
  if (parts.includes("explore")) return false; // development logs and scripts, never needed to grade
  if (parts[0] === "models" && parts.length > 2) return used.models.includes(parts[1]);
  if (parts[0] === "datasets" && parts.length > 2) return used.datasets.includes(parts[1]);
  return true;
}

export function setupScript(name: string): string {
  return `#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image for "${name}".
# AUTOGRADER_ROOT (default /autograder) lets it run on a folder laid out like Gradescope's.
set -euo pipefail
ROOT="\${AUTOGRADER_ROOT:-/autograder}"
COURSE="$ROOT/source/course"
NODE_VERSION="${AUTOGRADER_NODE}"

node_ok() {
  command -v node >/dev/null 2>&1 && node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'
}
if node_ok; then
  echo "node $(node --version) is new enough"
else
  echo "installing Node $NODE_VERSION (official build)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends ca-certificates curl xz-utils
  case "$(uname -m)" in
    x86_64) ARCH=x64 ;;
    aarch64 | arm64) ARCH=arm64 ;;
    *) echo "unsupported machine $(uname -m)" >&2; exit 1 ;;
  esac
  curl -fsSL "https://nodejs.org/dist/v$NODE_VERSION/node-v$NODE_VERSION-linux-$ARCH.tar.xz" | tar -xJ -C /usr/local --strip-components=1
  node_ok
fi
# The OS sandbox for student kernels; Gradescope's containers may not allow its namespaces,
# in which case the grader says so and relies on Node's permission model and the container.
if ! command -v bwrap >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends bubblewrap || echo "bubblewrap could not be installed"
fi
cd "$COURSE"
if [ -d node_modules ]; then
  echo "course dependencies already installed"
else
  npm ci --no-audit --no-fund
fi
# The reference run of the solution, once, in the image: every submission reuses it.
node grading/bin/run-autograder.js --assignment "${name}" --root "$ROOT" --prepare
`;
}

export function runScript(name: string): string {
  return `#!/usr/bin/env bash
# Gradescope runs this for each submission: grades $ROOT/submission and writes
# $ROOT/results/results.json. AUTOGRADER_ROOT (default /autograder) sets the root.
set -uo pipefail
ROOT="\${AUTOGRADER_ROOT:-/autograder}"
cd "$ROOT/source/course" || exit 1
exec node grading/bin/run-autograder.js --assignment "${name}" --root "$ROOT"
`;
}

export interface BuildOptions {
  /** Assignment name (solutions/NAME.ipynb). */
  assignment: string;
  solutionsDir?: string;
  /** The zip to write (default <root>/build/autograder-NAME.zip; build/ is git-ignored). */
  out?: string;
  /** Course root (default: this repository). */
  root?: string;
}

export function buildAutograder(o: BuildOptions): { zip: string; files: number; bytes: number; models: string[]; datasets: string[] } {
  const root = o.root ?? REPO_ROOT;
  const solution = path.resolve(o.solutionsDir ?? path.join(root, "solutions"), `${o.assignment}.ipynb`);
  if (!fs.existsSync(solution)) throw new GradeError(`no solution notebook ${solution}`);
  const a = loadAssignment(solution); // fails early on a broken assignment
  const entries: ZipEntry[] = [
    { name: "setup.sh", data: Buffer.from(setupScript(a.name)), mode: 0o755 },
    { name: "run_autograder", data: Buffer.from(runScript(a.name)), mode: 0o755 },
  ];
  const used = referencedFolders(solution, root);
  for (const f of courseFiles(root).filter((f) => bundled(f, used))) entries.push({ name: `course/${f}`, data: fs.readFileSync(path.join(root, f)), mode: fs.statSync(path.join(root, f)).mode & 0o777 });
  entries.push({ name: `course/solutions/${a.name}.ipynb`, data: fs.readFileSync(solution) });
  const zip = path.resolve(o.out ?? path.join(root, "build", `autograder-${a.name}.zip`));
  const buf = writeZip(entries);
  fs.mkdirSync(path.dirname(zip), { recursive: true });
  fs.writeFileSync(zip, buf);
  return { zip, files: entries.length, bytes: buf.length, ...used };
}

/** The submitted notebook: NAME.ipynb if present, else the only .ipynb (searched two levels deep). */
function findSubmitted(dir: string, name: string): string | undefined {
  const found: string[] = [];
  const walk = (d: string, depth: number) => {
    let list: fs.Dirent[] = [];
    try {
      list = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of list.sort((x, y) => (x.name < y.name ? -1 : 1))) {
      if (e.name.startsWith(".") || e.name === "__MACOSX") continue;
      const p = path.join(d, e.name);
      if (e.name.endsWith(".ipynb")) found.push(p);
      else if (e.isDirectory() && depth < 2) walk(p, depth + 1);
    }
  };
  walk(dir, 0);
  return found.find((f) => path.basename(f) === `${name}.ipynb`) ?? (found.length === 1 ? found[0] : found.find((f) => path.basename(f).includes(name)) ?? found[0]);
}

function studentName(root: string): string {
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(root, "submission_metadata.json"), "utf8"));
    const n = meta?.users?.[0]?.name ?? meta?.users?.[0]?.email;
    if (typeof n === "string" && n.trim()) return n.trim().slice(0, 100);
  } catch {
    /* not on Gradescope, or no metadata */
  }
  return "submission";
}

export interface RunOptions {
  assignment: string;
  /** The autograder root (/autograder on Gradescope). */
  root: string;
  /** Only the reference run (setup.sh): fills <root>/source/prepared. */
  prepare?: boolean;
  /** More folders the kernels may read (AUTOGRADER_ALLOW_READ, ":"-separated: a model cache…). */
  allowRead?: string[];
  print?: (line: string) => void;
}

/** What run_autograder does. Always writes results.json (a failure becomes a 0 with the reason). */
export async function runAutograder(o: RunOptions): Promise<number> {
  const print = o.print ?? ((l: string) => console.log(l));
  const allowRead = o.allowRead ?? (process.env.AUTOGRADER_ALLOW_READ ?? "").split(":").filter(Boolean);
  const course = path.join(o.root, "source", "course");
  const solutions = path.join(course, "solutions");
  const prepared = path.join(o.root, "source", "prepared");
  const resultsDir = path.join(o.root, "results");
  const writeResults = (json: object) => {
    fs.mkdirSync(resultsDir, { recursive: true });
    fs.writeFileSync(path.join(resultsDir, "results.json"), JSON.stringify(json, null, 1) + "\n");
  };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "course-autograder-"));
  try {
    if (o.prepare) {
      await gradeBatch({ assignment: o.assignment, solutionsDir: solutions, submissions: fs.mkdtempSync(path.join(work, "empty-")), out: prepared, referenceOnly: true, allowRead, print });
      print(`prepared the reference run in ${prepared}`);
      return 0;
    }
    const file = findSubmitted(path.join(o.root, "submission"), o.assignment);
    if (!file) {
      writeResults({ score: 0, output: `No notebook (.ipynb) was found in your submission. Upload your ${o.assignment}.ipynb.`, visibility: "visible", stdout_visibility: "hidden", tests: [] });
      return 0;
    }
    const inbox = path.join(work, "inbox");
    fs.mkdirSync(inbox);
    const student = studentName(o.root).replace(/[/\\\u0000]/g, "_");
    try {
      fs.writeFileSync(path.join(inbox, `${student}.ipynb`), readRegularFile(file));
    } catch (err) {
      writeResults({ score: 0, output: (err as Error).message, visibility: "visible", stdout_visibility: "hidden", tests: [] });
      return 0;
    }
    const out = path.join(work, "graded");
    if (fs.existsSync(prepared)) fs.cpSync(prepared, out, { recursive: true });
    const s = await gradeBatch({ assignment: o.assignment, solutionsDir: solutions, submissions: inbox, out, jobs: 1, allowRead, print });
    const r: StudentResult | undefined = s.results[0];
    if (!r) throw new Error("the grader returned no result");
    writeResults(gradescopeResults(r, { visibility: s.assignment.visibility }));
    return 0;
  } catch (err) {
    writeResults({ score: 0, output: `The autograder failed: ${(err as Error).message}`, visibility: "visible", stdout_visibility: "visible", tests: [] });
    print(`autograder failed: ${(err as Error).stack ?? err}`);
    return 1;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
