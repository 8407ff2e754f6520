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
import * as path from "path";
import { tslabMain } from "./kernel";

export const KERNEL_NAME = "tslab";

export const INSTALL_JUPYTER_HELP = `Jupyter was not found on PATH. Install one of:
  pip install jupyterlab                                (JupyterLab, recommended; any OS)
  sudo apt-get install jupyter-notebook                 (Debian/Ubuntu: the classic Notebook)
then run \`npx course install-kernel\` (or \`npm start\`, which does it for you).`;

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 20_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}`.trim() };
}

/** Marks a kernelspec (and its launcher) as this course's. */
const LAUNCHER_MARK = "llm-learning-course kernel launcher";
const LAUNCHER_FILE = "launch.js";

export interface JupyterInfo {
  found: boolean;
  /** `jupyter --data-dir`: where user kernelspecs live. */
  dataDir?: string;
  lab?: string; // version, when JupyterLab is installed
  notebook?: string; // version of the classic Notebook (or nbclassic)
  /** Whether a "tslab" kernelspec is registered, and whether it runs this project's tslab. */
  kernelRegistered: boolean;
  kernelIsThisProject: boolean;
  kernelArgv?: string[];
  /** Where the kernelspec is, and what it runs, in words (for `course doctor`). */
  kernelDir?: string;
  kernelDetail?: string;
}

export function findJupyter(): JupyterInfo {
  const dd = run("jupyter", ["--data-dir"]);
  if (!dd.ok) return { found: false, kernelRegistered: false, kernelIsThisProject: false };
  const info: JupyterInfo = { found: true, dataDir: dd.out.split("\n").pop()!.trim(), kernelRegistered: false, kernelIsThisProject: false };
  const lab = run("jupyter-lab", ["--version"]);
  if (lab.ok) info.lab = lab.out.split("\n").pop();
  const nb = run("jupyter-notebook", ["--version"]);
  if (nb.ok) info.notebook = nb.out.split("\n").pop();
  // Look for the kernelspec in Jupyter's data paths (what `jupyter kernelspec list` reads;
  // that subcommand is not always installed, e.g. Debian's jupyter-notebook without recommends).
  const paths = run("jupyter", ["--paths", "--json"]);
  let dataDirs: string[] = [info.dataDir!];
  try {
    dataDirs = JSON.parse(paths.out.slice(paths.out.indexOf("{"))).data ?? dataDirs;
  } catch {
    /* keep the user data dir */
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
