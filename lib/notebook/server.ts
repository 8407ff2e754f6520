/**
 * Running the Jupyter server for `course start`: its command line, the URL of 00-setup, a free
 * port, and a guard that stops it when the process that started it dies.
 *
 * Why each piece:
 *  - the classic Notebook (6) opens a browser whenever a notebook file is passed on its command
 *    line, even with --no-browser; so with --no-browser no file is passed and the URL is printed;
 *  - the URL is known before Jupyter starts because the course chooses the port (8888 or the next
 *    free one, as Jupyter would) and the token (JUPYTER_TOKEN, read by Notebook 6/7 and JupyterLab);
 *  - killing `npm start` (SIGTERM or SIGKILL) does not reach Jupyter through npm's shell, so a
 *    detached guard (lib/bin/jupyter-guard.js) watches the launcher and npm and stops Jupyter.
 */
import { spawn, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";

export type JupyterApp = "lab" | "notebook7" | "notebook6";

/** Which app a version string belongs to. */
export function appKind(lab: string | undefined, notebook: string | undefined): JupyterApp {
  if (lab) return "lab";
  return /^[0-6]\./.test(notebook ?? "") ? "notebook6" : "notebook7";
}

/** The path of a notebook (relative to the server's root, with /) in each app's URL scheme. */
export function notebookUrlPath(app: JupyterApp, relPath: string): string {
  const p = relPath.split(path.sep).map(encodeURIComponent).join("/");
  return app === "lab" ? `/lab/tree/${p}` : `/notebooks/${p}`;
}

/** The address a browser on this machine reaches the server at. */
export function browserHost(ip: string | undefined): string {
  if (!ip || ip === "localhost" || ip === "0.0.0.0" || ip === "*") return ip === "0.0.0.0" || ip === "*" ? "127.0.0.1" : "localhost";
  if (ip === "::") return "[::1]";
  return ip.includes(":") ? `[${ip}]` : ip;
}

export function serverUrl(o: { app: JupyterApp; ip?: string; port: number; token: string; notebook: string }): string {
  return `http://${browserHost(o.ip)}:${o.port}${notebookUrlPath(o.app, o.notebook)}?token=${o.token}`;
}

/** A token for the server (or the one the user set in JUPYTER_TOKEN). */
export function serverToken(env: NodeJS.ProcessEnv = process.env): string {
  return env.JUPYTER_TOKEN || randomBytes(24).toString("hex");
}

/** Whether a port is free on `host` (a listen attempt). */
function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** 8888, or the next free port (Jupyter's own rule, port_retries = 50). */
export async function freePort(host = "127.0.0.1", first = 8888, tries = 50): Promise<number> {
  for (let p = first; p < first + tries; p++) if (await portFree(p, host === "localhost" ? "127.0.0.1" : host)) return p;
  throw new Error(`ports ${first}–${first + tries - 1} are all in use: pass a free one with --port N`);
}

function procParent(pid: number): { ppid: number; cmd: string } | null {
  try {
    if (process.platform === "linux") {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
      return { ppid, cmd };
    }
    if (process.platform === "darwin") {
      const r = spawnSync("ps", ["-o", "ppid=,command=", "-p", String(pid)], { encoding: "utf8" });
      const m = /^\s*(\d+)\s+(.*)$/.exec(r.stdout ?? "");
      return m ? { ppid: Number(m[1]), cmd: m[2] } : null;
    }
  } catch {
    /* no such process, or no permission */
  }
  return null;
}

/**
 * The processes whose death should stop Jupyter: this one, its parent, and — under `npm start` /
 * `npm run` / `npx` — the npm process above the shell npm runs scripts in.
 */
export function launcherChain(env: NodeJS.ProcessEnv = process.env): number[] {
  const chain = [process.pid, process.ppid];
  if (!env.npm_lifecycle_event && !env.npm_command) return chain;
  let pid = process.ppid;
  for (let depth = 0; depth < 4; depth++) {
    const me = procParent(pid);
    if (!me) break;
    if (/(^|[\\/ ])(npm|npx)(-cli)?(\.js|\.cmd)?( |$)/.test(me.cmd)) {
      if (!chain.includes(pid)) chain.push(pid);
      break;
    }
    if (me.ppid <= 1) break;
    if (!chain.includes(me.ppid)) chain.push(me.ppid);
    pid = me.ppid;
  }
  return chain;
}

/** Starts the guard (detached, silent) that stops `jupyterPid` when a process of `watched` dies. */
export function startGuard(jupyterPid: number, watched: number[]): number | undefined {
  const guard = path.join(__dirname, "..", "bin", "jupyter-guard.js");
  const child = spawn(process.execPath, [guard, String(jupyterPid), watched.join(",")], { detached: true, stdio: "ignore", windowsHide: true });
  child.unref();
  return child.pid;
}
