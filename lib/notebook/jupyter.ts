/**
 * Finding the user's Jupyter, and registering tslab as its TypeScript kernel.
 *
 * One kernel name, "tslab" (what every course notebook's kernelspec names), for every clone
 * of the course on a machine: the kernelspec runs a small launcher (written into the
 * kernelspec's folder) that starts the tslab of the course folder holding the notebook —
 * Jupyter starts a kernel in its notebook's folder, and the launcher walks up from there to
 * the first `node_modules/tslab`. Two clones never fight over the name, and a notebook
 * opened from either runs its own clone's library. Outside any clone the launcher runs the
 * tslab of the clone that registered it.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { tslabMain } from "./kernel";

export const KERNEL_NAME = "tslab";

/**
 * What to do when no Jupyter is found. `pip install jupyterlab` outside a virtual environment is
 * refused by Debian 12, current Ubuntu and Homebrew Python (PEP 668, "externally-managed-environment"),
 * so the advice is pipx, a virtual environment in the course folder (which `npm start` looks in),
 * or conda; on Windows pip's Scripts folder is often not on PATH, so `py -m jupyterlab` is tried too.
 */
export const INSTALL_JUPYTER_HELP = `Jupyter was not found (looked for jupyter-lab and jupyter-notebook on PATH, in the course
folder's .venv, and as \`python3 -m jupyterlab\` / \`python -m jupyterlab\` / \`py -m jupyterlab\`).
Install JupyterLab in one of these ways, then run \`npm start\` again:
  pipx install jupyterlab                     any OS with pipx (Debian/Ubuntu: sudo apt-get install pipx, then pipx ensurepath)
  python3 -m venv .venv                       a virtual environment in the course folder (npm start looks there);
  .venv/bin/pip install jupyterlab            on Windows: py -m venv .venv, then .venv\\Scripts\\pip install jupyterlab
  conda install -c conda-forge jupyterlab     conda or mamba
  sudo apt-get install jupyter-notebook       Debian/Ubuntu: the classic Notebook (JupyterLab is not packaged there)
A plain \`pip install jupyterlab\` is refused on Debian 12, current Ubuntu and Homebrew Python
("externally-managed-environment", PEP 668): use one of the above.`;

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 20_000, windowsHide: true });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}`.trim() };
}

/** Marks a kernelspec (and its launcher) as this course's. */
const LAUNCHER_MARK = "llm-learning-course kernel launcher";
const LAUNCHER_FILE = "launch.js";

export interface JupyterInfo {
  /** JupyterLab or the Notebook was found. */
  found: boolean;
  /** Where user kernelspecs live (`jupyter --data-dir`, else jupyter_core's default for this OS). */
  dataDir?: string;
  lab?: string; // version, when JupyterLab is installed
  notebook?: string; // version of the Notebook (7, or the classic 6)
  /** The command lines that start each (e.g. ["jupyter-lab"] or ["py", "-m", "jupyterlab"]). */
  labCommand?: string[];
  notebookCommand?: string[];
  /** Whether a "tslab" kernelspec is registered, and whether it runs this project's tslab. */
  kernelRegistered: boolean;
  kernelIsThisProject: boolean;
  kernelArgv?: string[];
  /** Where the kernelspec is, and what it runs, in words (for `course doctor`). */
  kernelDir?: string;
  kernelDetail?: string;
}

/** Pythons to try `-m jupyterlab` with: python3, python, and the Windows launcher py. */
function pythons(): string[] {
  return process.platform === "win32" ? ["py", "python", "python3"] : ["python3", "python"];
}

/** The course folder's own virtual environment, if any (.venv/bin or .venv\\Scripts). */
function venvBin(): string | null {
  const dir = path.join(COURSE_ROOT, ".venv", process.platform === "win32" ? "Scripts" : "bin");
  return fs.existsSync(dir) ? dir : null;
}

/**
 * Candidate command lines for a Jupyter app, best first: the course's .venv, PATH, then
 * `python -m MODULE` (pip's Scripts folder not on PATH, a pipx or conda install without the
 * `jupyter` front end).
 */
export function jupyterCandidates(app: "lab" | "notebook"): string[][] {
  const exe = app === "lab" ? "jupyter-lab" : "jupyter-notebook";
  const mod = app === "lab" ? "jupyterlab" : "notebook";
  const out: string[][] = [];
  const venv = venvBin();
  if (venv) out.push([path.join(venv, exe + (process.platform === "win32" ? ".exe" : ""))]);
  out.push([exe]);
  for (const py of pythons()) out.push([py, "-m", mod]);
  return out;
}

function firstWorking(cands: string[][]): { command: string[]; version: string } | null {
  for (const c of cands) {
    const r = run(c[0], [...c.slice(1), "--version"]);
    if (r.ok && /^\d+\.\d+/.test(r.out.split("\n").pop() ?? "")) return { command: c, version: r.out.split("\n").pop()!.trim() };
  }
  return null;
}

/** jupyter_core's user data dir when no `jupyter` command answers (pipx exposes only jupyter-lab). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform, home = os.homedir()): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  if (platform === "win32") return path.join(env.APPDATA || path.join(home, "AppData", "Roaming"), "jupyter");
  if (platform === "darwin") return path.join(home, "Library", "Jupyter");
  return path.join(env.XDG_DATA_HOME || path.join(home, ".local", "share"), "jupyter");
}

export function findJupyter(): JupyterInfo {
  const info: JupyterInfo = { found: false, kernelRegistered: false, kernelIsThisProject: false };
  const lab = firstWorking(jupyterCandidates("lab"));
  if (lab) [info.lab, info.labCommand] = [lab.version, lab.command];
  const nb = firstWorking(jupyterCandidates("notebook"));
  if (nb) [info.notebook, info.notebookCommand] = [nb.version, nb.command];
  info.found = !!(lab || nb);
  // The data dirs: from the `jupyter` front end when there is one, else jupyter_core's defaults.
  let front: string[] | null = null;
  for (const c of [["jupyter"], ...pythons().map((py) => [py, "-m", "jupyter"])]) {
    if (run(c[0], [...c.slice(1), "--data-dir"]).ok) {
      front = c;
      break;
    }
  }
  let dataDirs: string[] = [defaultDataDir()];
  if (front) {
    info.dataDir = run(front[0], [...front.slice(1), "--data-dir"]).out.split("\n").pop()!.trim();
    dataDirs = [info.dataDir];
    // Look for the kernelspec in Jupyter's data paths (what `jupyter kernelspec list` reads;
    // that subcommand is not always installed, e.g. Debian's jupyter-notebook without recommends).
    const paths = run(front[0], [...front.slice(1), "--paths", "--json"]);
    try {
      dataDirs = JSON.parse(paths.out.slice(paths.out.indexOf("{"))).data ?? dataDirs;
    } catch {
      /* keep the user data dir */
    }
  } else if (info.found) {
    info.dataDir = defaultDataDir();
  }
  for (const d of dataDirs) {
    const f = path.join(d, "kernels", KERNEL_NAME, "kernel.json");
    if (!fs.existsSync(f)) continue;
    try {
      info.kernelArgv = JSON.parse(fs.readFileSync(f, "utf8")).argv;
    } catch {
      info.kernelArgv = undefined;
    }
    info.kernelRegistered = true;
    info.kernelDir = path.dirname(f);
    Object.assign(info, judgeKernel(info.kernelArgv));
    break;
  }
  return info;
}

/** The course folder this code runs from (the clone that registers the kernel). */
export { COURSE_ROOT } from "../env";
import { COURSE_ROOT } from "../env";

/**
 * Whether a registered "tslab" kernelspec serves this clone: the course launcher (any clone's:
 * they all resolve tslab from the notebook's folder) whose Node binary still exists, or an
 * older registration pointing straight at this clone's tslab.
 */
export function judgeKernel(argv: string[] | undefined): { kernelIsThisProject: boolean; kernelDetail: string } {
  if (!argv?.length) return { kernelIsThisProject: false, kernelDetail: "its kernel.json has no argv: run `npx course install-kernel`" };
  const [node, script] = argv;
  if (!fs.existsSync(node)) return { kernelIsThisProject: false, kernelDetail: `it runs ${node}, which no longer exists: run \`npx course install-kernel\`` };
  let launcher = "";
  try {
    launcher = fs.readFileSync(script, "utf8");
  } catch {
    /* not a readable file */
  }
  if (launcher.includes(LAUNCHER_MARK)) {
    const from = /registered from: (.*)/.exec(launcher)?.[1]?.trim();
    return { kernelIsThisProject: true, kernelDetail: `runs the tslab of the course folder each notebook is in (registered from ${from ?? "?"})` };
  }
  if (script === tslabMain()) return { kernelIsThisProject: true, kernelDetail: "runs this clone's tslab only (an older registration): `npx course install-kernel` makes it serve every clone" };
  return { kernelIsThisProject: false, kernelDetail: `runs ${script}, not this course's tslab (${tslabMain()}): run \`npx course install-kernel\`` };
}

/** The launcher the kernelspec runs (see the header). `fallback`: tslab's entry outside any clone. */
export function kernelLauncherSource(fallback: string, registeredFrom = COURSE_ROOT): string {
  return `// ${LAUNCHER_MARK}, written by \`npx course install-kernel\`.
// registered from: ${registeredFrom}
// Jupyter starts a kernel in its notebook's folder: run the tslab of the course folder that
// holds the notebook (the first node_modules/tslab walking up), so every clone on this machine
// runs its own; outside any clone, the one above.
"use strict";
const fs = require("fs");
const path = require("path");
const FALLBACK = ${JSON.stringify(fallback)};
function find(dir) {
  for (;;) {
    const main = path.join(dir, "node_modules", "tslab", "bin", "tslab");
    if (fs.existsSync(main)) return main;
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}
const main = find(process.cwd()) || (fs.existsSync(FALLBACK) ? FALLBACK : null);
if (!main) {
  console.error("The TypeScript kernel found no tslab: not in " + process.cwd() + " or its parents, nor at " + FALLBACK + ". Run \`npm install\` in the course folder, then \`npx course install-kernel\`.");
  process.exit(1);
}
if (process.env.COURSE_KERNEL_WHICH) {
  console.log(main);
  process.exit(0);
}
// The course's patches to tslab, when the clone has them: publish execute_input (cell numbers in
// nbconvert and viewers), no directory watching in the cell compiler, one send at a time per socket.
try {
  const tslabDir = path.dirname(path.dirname(main));
  const patch = path.join(tslabDir, "..", "..", "lib", "notebook", "tslab-execute-input.js");
  if (fs.existsSync(patch)) require(patch)(tslabDir);
  // No directory watching in the cell compiler ("Unexpected pending rebuildTimer"): lib/notebook/tslab-no-dir-watch.js.
  const noWatch = path.join(tslabDir, "..", "..", "lib", "notebook", "tslab-no-dir-watch.js");
  if (fs.existsSync(noWatch)) require(noWatch)(tslabDir);
  // One ZeroMQ send at a time per socket (tslab does not wait; a second send threw EBUSY and killed the kernel).
  const sendQueue = path.join(tslabDir, "..", "..", "lib", "notebook", "tslab-send-queue.js");
  if (fs.existsSync(sendQueue)) require(sendQueue)(tslabDir);
} catch (err) {
  console.error("(execute_input patch skipped: " + (err && err.message) + ")");
}
process.argv[1] = main;
require(main);
`;
}

/** The kernelspec: this Node binary running the launcher in `dir` (absolute paths, no PATH lookups). */
export function kernelSpec(dir: string) {
  return {
    argv: [process.execPath, path.join(dir, LAUNCHER_FILE), "kernel", "--config-path", "{connection_file}"],
    display_name: "TypeScript",
    language: "typescript",
    metadata: { course: { launcher: LAUNCHER_FILE, registered_from: COURSE_ROOT, note: "runs the tslab of the course folder that holds the notebook" } },
  };
}

/** Writes the kernelspec (and its launcher) into Jupyter's user data dir. Returns the folder written. */
export function installKernel(dataDir: string, fallback = tslabMain()): string {
  const dir = path.join(dataDir, "kernels", KERNEL_NAME);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, LAUNCHER_FILE), kernelLauncherSource(fallback));
  fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(kernelSpec(dir), null, 1) + "\n");
  return dir;
}
