/** Finding the user's Jupyter, and registering this project's tslab as its TypeScript kernel. */
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
    info.kernelIsThisProject = !!info.kernelArgv?.includes(tslabMain());
    break;
  }
  return info;
}

/** The kernelspec: this Node binary running this project's tslab (absolute paths, no PATH lookups). */
export function kernelSpec() {
  return {
    argv: [process.execPath, tslabMain(), "kernel", "--config-path", "{connection_file}"],
    display_name: "TypeScript",
    language: "typescript",
    metadata: { course: "llm-learning-course: tslab from this project's node_modules" },
  };
}

/** Writes the kernelspec into Jupyter's user data dir. Returns the folder written. */
export function installKernel(dataDir: string): string {
  const dir = path.join(dataDir, "kernels", KERNEL_NAME);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(kernelSpec(), null, 1) + "\n");
  return dir;
}
