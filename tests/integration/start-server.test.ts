/**
 * `npm start` behaves: with --no-browser it prints the address of 00-setup (token included) and the
 * PID to stop, the server answers there, and killing the `npm start` process — SIGTERM or SIGKILL,
 * which nothing can catch — leaves no Jupyter server running. Uses whichever Jupyter is installed
 * (CI: Debian's classic Notebook 6).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { appKind, browserHost, launcherChain, notebookUrlPath, serverUrl } from "../../lib/notebook/server";
import { defaultDataDir, findJupyter, INSTALL_JUPYTER_HELP, jupyterCandidates } from "../../lib/notebook/jupyter";
import { stopHint } from "../../lib/cli/commands/start";

const ROOT = path.resolve(__dirname, "..", "..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const jupyter = findJupyter();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Jupyter servers on `port`, by their command lines (Linux /proc). */
function serversOnPort(port: number): number[] {
  if (process.platform !== "linux") return [];
  return fs
    .readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const cmd = fs.readFileSync(`/proc/${d}/cmdline`, "utf8");
        return /jupyter|notebook/.test(cmd) && cmd.includes(`--port=${port}`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function waitFor(cond: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 300));
  }
  return cond();
}

test("URLs of 00-setup in each app, hosts a browser can reach, how to stop a PID", () => {
  assert.equal(notebookUrlPath("lab", path.join("notebooks", "00-setup.ipynb")), "/lab/tree/notebooks/00-setup.ipynb");
  assert.equal(notebookUrlPath("notebook6", path.join("notebooks", "00-setup.ipynb")), "/notebooks/notebooks/00-setup.ipynb");
  assert.equal(appKind(undefined, "6.4.12"), "notebook6");
  assert.equal(appKind(undefined, "7.2.1"), "notebook7");
  assert.equal(appKind("4.2.0", "7.2.1"), "lab");
  assert.equal(browserHost(undefined), "localhost");
  assert.equal(browserHost("0.0.0.0"), "127.0.0.1");
  assert.equal(browserHost("::1"), "[::1]");
  assert.equal(serverUrl({ app: "lab", port: 8890, token: "abc", notebook: "notebooks/00-setup.ipynb" }), "http://localhost:8890/lab/tree/notebooks/00-setup.ipynb?token=abc");
  assert.equal(stopHint(42, "win32"), "taskkill /PID 42 /T");
  assert.equal(stopHint(42, "linux"), "kill 42");
  assert.deepEqual(launcherChain({}), [process.pid, process.ppid], "outside npm: this process and its parent");
});

test("Jupyter that installs: advice that works under PEP 668, and the commands tried", () => {
  for (const line of ["pipx install jupyterlab", "python3 -m venv .venv", ".venv/bin/pip install jupyterlab", "py -m venv .venv", "conda install -c conda-forge jupyterlab", "sudo apt-get install jupyter-notebook", "externally-managed-environment"]) {
    assert.ok(INSTALL_JUPYTER_HELP.includes(line), `the advice names: ${line}`);
  }
  assert.ok(!/^\s*pip install jupyterlab/m.test(INSTALL_JUPYTER_HELP), "no bare `pip install jupyterlab` line (refused under PEP 668)");
  const lab = jupyterCandidates("lab").map((c) => c.join(" "));
  assert.ok(lab.includes("jupyter-lab"));
  assert.ok(lab.some((c) => /^python3? -m jupyterlab$/.test(c)), `python -m jupyterlab is tried: ${lab.join(" | ")}`);
  assert.ok(jupyterCandidates("notebook").some((c) => c.join(" ").endsWith("-m notebook")));
  // Where kernelspecs go when only jupyter-lab exists (pipx): jupyter_core's defaults.
  assert.equal(defaultDataDir({ JUPYTER_DATA_DIR: "/x" }, "linux", "/home/a"), "/x");
  assert.equal(defaultDataDir({}, "linux", "/home/a"), path.join("/home/a", ".local", "share", "jupyter"));
  assert.equal(defaultDataDir({}, "darwin", "/Users/a"), path.join("/Users/a", "Library", "Jupyter"));
  assert.equal(defaultDataDir({ APPDATA: "C:\\Users\\a\\AppData\\Roaming" }, "win32", "C:\\Users\\a"), path.join("C:\\Users\\a\\AppData\\Roaming", "jupyter"));
});

for (const signal of ["SIGTERM", "SIGKILL"] as const) {
  test(`killing \`npm start\` with ${signal} leaves no Jupyter running`, { skip: jupyter.found ? false : "no Jupyter installed", timeout: 180_000 }, async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "course-start-kill-"));
    const env: NodeJS.ProcessEnv = { ...process.env, JUPYTER_DATA_DIR: path.join(tmp, "data"), JUPYTER_CONFIG_DIR: path.join(tmp, "config"), JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime"), BROWSER: "false" };
    delete env.JUPYTER_TOKEN;
    const npm = spawn(NPM, ["start", "--", "--no-browser", "--mode", "fast"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    npm.stdout!.on("data", (d) => (log += d));
    npm.stderr!.on("data", (d) => (log += d));
    let jupyterPid = 0;
    let port = 0;
    try {
      assert.ok(await waitFor(() => /Jupyter runs as PID (\d+)/.test(log), 60_000), `no PID printed:\n${log}`);
      jupyterPid = Number(/Jupyter runs as PID (\d+)/.exec(log)![1]);
      const url = /first notebook: (http:\/\/\S+)/.exec(log)?.[1];
      assert.ok(url, `no URL printed:\n${log}`);
      assert.match(url!, /\/(lab\/tree|notebooks)\/notebooks\/00-setup\.ipynb\?token=[0-9a-f]{48}$/);
      assert.match(log, /mode: fast/);
      assert.match(log, /To stop: Ctrl\+C here, or `kill \d+`/);
      port = Number(new URL(url!).port);
      assert.ok(await waitFor(() => fetch(url!).then((r) => r.ok, () => false), 90_000), `the printed URL does not answer:\n${log}`);
      assert.ok(alive(jupyterPid));
      npm.kill(signal);
      const gone = await waitFor(() => !alive(jupyterPid) && serversOnPort(port).length === 0, 40_000);
      assert.ok(gone, `Jupyter (PID ${jupyterPid}) still runs ${signal === "SIGKILL" ? "40 s after npm start was killed" : "after npm start was stopped"}:\n${log}`);
      assert.equal(await fetch(url!).then(() => "answered", () => "refused"), "refused", "nothing serves the port any more");
    } finally {
      if (jupyterPid && alive(jupyterPid)) process.kill(jupyterPid, "SIGKILL");
      if (npm.exitCode === null) npm.kill("SIGKILL");
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
}

test("npm run workshop is `course start --mode fast`", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  assert.equal(pkg.scripts.workshop, "node lib/bin/course.js start --mode fast");
  const r = spawnSync(process.execPath, [path.join(ROOT, "lib", "bin", "course.js"), "start", "--mode", "medium"], { encoding: "utf8" });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--mode must be fast or full, got "medium"/);
});
