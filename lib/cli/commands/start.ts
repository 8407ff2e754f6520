import { spawn } from "child_process";
import * as path from "path";
import { Command, UsageError, str } from "../command";
import { settings } from "../../env";
import { COURSE_ROOT, INSTALL_JUPYTER_HELP, findJupyter, installKernel } from "../../notebook/jupyter";

/** The Jupyter command line: JupyterLab if installed, else the Notebook (7, or classic 6). */
export function jupyterArgs(
  o: { port?: string; ip?: string; noBrowser?: boolean; allowRoot?: boolean; extra?: string[] },
  isRoot: boolean,
): { args: string[]; rootAdded: boolean } {
  const args = [path.join("notebooks", "00-setup.ipynb"), `--notebook-dir=${COURSE_ROOT}`];
  if (o.port !== undefined) {
    const p = Number(o.port);
    if (!Number.isInteger(p) || p < 0 || p > 65535) throw new UsageError(`--port must be a port number (0–65535), got "${o.port}"`);
    args.push(`--port=${p}`);
  }
  if (o.ip !== undefined) {
    if (!o.ip.trim()) throw new UsageError("--ip needs an address, e.g. --ip 0.0.0.0 (every interface) or --ip 127.0.0.1");
    args.push(`--ip=${o.ip}`);
  }
  if (o.noBrowser) args.push("--no-browser");
  // Jupyter refuses to run as root unless told (Docker, cloud VMs run as root).
  const rootAdded = isRoot && !o.allowRoot && !(o.extra ?? []).includes("--allow-root");
  if (o.allowRoot || rootAdded) args.push("--allow-root");
  args.push(...(o.extra ?? []));
  return { args, rootAdded };
}

export const command: Command = {
  name: "start",
  summary: "open the course in JupyterLab (or the classic Notebook)",
  usage: `usage: course start [--port N] [--ip ADDR] [--no-browser] [--allow-root] [-- JUPYTER-OPTIONS...]

Registers the TypeScript kernel, then opens JupyterLab on the course folder at
notebooks/00-setup.ipynb; without JupyterLab, the Notebook (7, or the classic 6); without
either, prints how to install one and exits non-zero. Set COURSE_MODE=fast for quick
workshop-sized runs.
  --port        the server's port (default: Jupyter's, 8888 or the next free one)
  --ip          the address to listen on (e.g. 0.0.0.0 in Docker or on a VM; default localhost)
  --no-browser  do not open a browser (a server you reach from elsewhere)
  --allow-root  run as root (added for you when you are root, e.g. in Docker)
Anything after \`--\` goes to Jupyter as is. Through npm: npm start -- --port 9000 --no-browser`,
  options: { port: { type: "string" }, ip: { type: "string" }, "no-browser": { type: "boolean" }, "allow-root": { type: "boolean" } },
  async run({ values, positionals }) {
    const j = findJupyter();
    if (!j.found || !j.dataDir || (!j.lab && !j.notebook)) {
      console.error(INSTALL_JUPYTER_HELP);
      return 1;
    }
    const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
    const { args, rootAdded } = jupyterArgs(
      { port: str(values, "port"), ip: str(values, "ip"), noBrowser: !!values["no-browser"], allowRoot: !!values["allow-root"], extra: positionals },
      isRoot,
    );
    installKernel(j.dataDir);
    const app = j.lab ? "jupyter-lab" : "jupyter-notebook";
    const which = j.lab ? `JupyterLab ${j.lab}` : `the Notebook ${j.notebook}`;
    if (rootAdded) console.log("Running as root (Docker, a cloud VM?): passing --allow-root to Jupyter.");
    console.log(`Starting ${which} on ${COURSE_ROOT} (mode: ${settings.mode}). Stop it with Ctrl+C.`);
    const child = spawn(app, args, { cwd: COURSE_ROOT, stdio: "inherit" });
    // Ctrl+C in a terminal reaches Jupyter itself (same process group): wait for it to shut
    // down instead of leaving it running. A SIGTERM (docker stop, a supervisor) is passed on.
    process.on("SIGINT", () => undefined);
    process.on("SIGTERM", () => child.kill("SIGTERM"));
    return new Promise((resolve) => {
      child.on("error", (err) => {
        console.error(`Could not start ${app}: ${err.message}`);
        resolve(1);
      });
      child.on("exit", (code) => resolve(code ?? 0));
    });
  },
};
