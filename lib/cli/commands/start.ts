import { spawn } from "child_process";
import * as path from "path";
import { Command, UsageError, str } from "../command";
import { settings } from "../../env";
import { COURSE_ROOT, INSTALL_JUPYTER_HELP, findJupyter, installKernel } from "../../notebook/jupyter";
import { appKind, freePort, launcherChain, serverToken, serverUrl, startGuard } from "../../notebook/server";

/** The notebook the course opens at, relative to the course folder. */
export const FIRST_NOTEBOOK = path.join("notebooks", "00-setup.ipynb");

/**
 * The Jupyter command line after the app: the notebook to open (only when a browser opens: the
 * classic Notebook opens a browser for a file argument even with --no-browser), the course folder,
 * port, ip, --no-browser, --allow-root for root, then the user's extra arguments.
 */
export function jupyterArgs(
  o: { port?: string; ip?: string; noBrowser?: boolean; allowRoot?: boolean; extra?: string[] },
  isRoot: boolean,
): { args: string[]; rootAdded: boolean } {
  const args = o.noBrowser ? [] : [FIRST_NOTEBOOK];
  args.push(`--notebook-dir=${COURSE_ROOT}`);
  if (o.port !== undefined) {
    const p = Number(o.port);
    if (!Number.isInteger(p) || p < 0 || p > 65535) throw new UsageError(`--port must be a port number (0–65535), got "${o.port}"`);
    args.push(`--port=${p}`, "--port-retries=0");
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

/** How to stop a process by its PID on this OS. */
export function stopHint(pid: number, platform = process.platform): string {
  return platform === "win32" ? `taskkill /PID ${pid} /T` : `kill ${pid}`;
}

export const command: Command = {
  name: "start",
  summary: "open the course in JupyterLab (or the Notebook)",
  usage: `usage: course start [--mode fast|full] [--port N] [--ip ADDR] [--no-browser] [--allow-root] [-- JUPYTER-OPTIONS...]

Registers the TypeScript kernel, then opens JupyterLab on the course folder at
notebooks/00-setup.ipynb; without JupyterLab, the Notebook (7, or the classic 6); without
either, prints how to install one and exits non-zero. It prints the address of 00-setup and the
PID to stop; Jupyter stops when this command stops or is killed.
  --mode        fast: small sizes, every notebook in minutes (workshops); full: the real runs
                (default: $COURSE_MODE, else full). \`npm run workshop\` = \`npm start -- --mode fast\`
  --port        the server's port (default: 8888, or the next free one)
  --ip          the address to listen on (e.g. 0.0.0.0 in Docker or on a VM; default localhost)
  --no-browser  do not open a browser (a server you reach from elsewhere): the address is printed
  --allow-root  run as root (added for you when you are root, e.g. in Docker)
Anything after \`--\` goes to Jupyter as is. Through npm: npm start -- --port 9000 --no-browser`,
  options: { mode: { type: "string" }, port: { type: "string" }, ip: { type: "string" }, "no-browser": { type: "boolean" }, "allow-root": { type: "boolean" } },
  async run({ values, positionals }) {
    const mode = str(values, "mode", settings.mode);
    if (mode !== "fast" && mode !== "full") throw new UsageError(`--mode must be fast or full, got "${mode}"`);
    const j = findJupyter();
    if (!j.found || !j.dataDir || (!j.labCommand && !j.notebookCommand)) {
      console.error(INSTALL_JUPYTER_HELP);
      return 1;
    }
    const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
    const ip = str(values, "ip");
    const port = str(values, "port") ?? String(await freePort(ip && ip !== "localhost" ? ip : "127.0.0.1"));
    const noBrowser = !!values["no-browser"];
    const { args, rootAdded } = jupyterArgs({ port, ip, noBrowser, allowRoot: !!values["allow-root"], extra: positionals }, isRoot);
    installKernel(j.dataDir);
    const cmd = (j.labCommand ?? j.notebookCommand)!;
    const which = j.labCommand ? `JupyterLab ${j.lab}` : `the Notebook ${j.notebook}`;
    const token = serverToken();
    const url = serverUrl({ app: appKind(j.labCommand && j.lab, j.notebook), ip, port: Number(port), token, notebook: FIRST_NOTEBOOK });
    if (rootAdded) console.log("Running as root (Docker, a cloud VM?): passing --allow-root to Jupyter.");
    // The kernels inherit Jupyter's environment: that is how the mode reaches the notebooks.
    const env = { ...process.env, COURSE_MODE: mode, JUPYTER_TOKEN: token };
    const child = spawn(cmd[0], [...cmd.slice(1), ...args], { cwd: COURSE_ROOT, stdio: "inherit", env, windowsHide: false });
    if (child.pid) {
      startGuard(child.pid, launcherChain());
      console.log(`Starting ${which} on ${COURSE_ROOT} (mode: ${mode}).`);
      console.log(`  the course's first notebook: ${url}${noBrowser ? "" : "  (opening it in your browser)"}`);
      console.log(`  Jupyter runs as PID ${child.pid}, started by this command (PID ${process.pid}).`);
      console.log(`  To stop: Ctrl+C here, or \`${stopHint(process.pid)}\`. Jupyter also stops if this command is killed.`);
    }
    // Ctrl+C in a terminal reaches Jupyter itself (same process group): wait for it to shut
    // down instead of leaving it running. SIGTERM (docker stop, a supervisor, kill) and SIGHUP (the
    // terminal closed) are passed on.
    process.on("SIGINT", () => undefined);
    process.on("SIGTERM", () => child.kill("SIGTERM"));
    if (process.platform !== "win32") process.on("SIGHUP", () => child.kill("SIGTERM"));
    return new Promise((resolve) => {
      child.on("error", (err) => {
        console.error(`Could not start ${cmd.join(" ")}: ${err.message}`);
        resolve(1);
      });
      child.on("exit", (code) => resolve(code ?? 0));
    });
  },
};
