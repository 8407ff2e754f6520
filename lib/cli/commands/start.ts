import { spawn } from "child_process";
import * as path from "path";
import { Command } from "../command";
import { INSTALL_JUPYTER_HELP, findJupyter, installKernel } from "../../notebook/jupyter";

const ROOT = path.resolve(__dirname, "..", "..", "..");

export const command: Command = {
  name: "start",
  summary: "open the course in JupyterLab (or the classic Notebook)",
  usage: `usage: course start [--no-browser]

Registers the TypeScript kernel, then opens JupyterLab on the course folder at
notebooks/00-setup.ipynb; falls back to the classic Notebook; without either, prints how to
install one and exits non-zero. Set COURSE_MODE=fast for quick workshop-sized runs.`,
  options: { "no-browser": { type: "boolean" } },
  async run({ values }) {
    const j = findJupyter();
    if (!j.found || !j.dataDir || (!j.lab && !j.notebook)) {
      console.error(INSTALL_JUPYTER_HELP);
      return 1;
    }
    installKernel(j.dataDir);
    const app = j.lab ? "jupyter-lab" : "jupyter-notebook";
    const args = [path.join("notebooks", "00-setup.ipynb"), `--notebook-dir=${ROOT}`];
    if (values["no-browser"]) args.push("--no-browser");
    console.log(`Starting ${j.lab ? `JupyterLab ${j.lab}` : `the classic Notebook ${j.notebook}`} on ${ROOT} (mode: ${process.env.COURSE_MODE || "full"}). Stop it with Ctrl+C.`);
    const child = spawn(app, args, { cwd: ROOT, stdio: "inherit" });
    return new Promise((resolve) => child.on("exit", (code) => resolve(code ?? 0)));
  },
};
