/** Kernel registration (npm install's postinstall) and `course start` without Jupyter. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { tslabMain } from "../../lib/notebook/kernel";
import { installKernel, judgeKernel } from "../../lib/notebook/jupyter";

const ROOT = path.resolve(__dirname, "..", "..");
const POSTINSTALL = path.join(ROOT, "lib", "bin", "postinstall.js");
const COURSE = path.join(ROOT, "lib", "bin", "course.js");
const hasJupyter = spawnSync("jupyter", ["--version"]).status === 0;

/** A PATH with node but no jupyter. */
function pathWithoutJupyter(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "course-nojupyter-"));
  fs.symlinkSync(process.execPath, path.join(dir, "node"));
  return dir;
}

test("postinstall registers the kernel with absolute paths when Jupyter is present", { skip: hasJupyter ? false : "no jupyter on PATH" }, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "course-jdata-"));
  const r = spawnSync(process.execPath, [POSTINSTALL], { env: { ...process.env, JUPYTER_DATA_DIR: dataDir }, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`runs the tslab of the course folder a notebook is in \\(here ${ROOT.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\)`));
  const dir = path.join(dataDir, "kernels", "tslab");
  const spec = JSON.parse(fs.readFileSync(path.join(dir, "kernel.json"), "utf8"));
  assert.deepEqual(spec.argv, [process.execPath, path.join(dir, "launch.js"), "kernel", "--config-path", "{connection_file}"]);
  assert.equal(spec.language, "typescript");
  assert.ok(judgeKernel(spec.argv).kernelIsThisProject);
  // The notebooks' kernelspec name is the one registered.
  for (const f of fs.readdirSync(path.join(ROOT, "notebooks")).filter((n) => n.endsWith(".ipynb"))) {
    assert.equal(JSON.parse(fs.readFileSync(path.join(ROOT, "notebooks", f), "utf8")).metadata.kernelspec.name, "tslab", f);
  }
});

/** Where the launcher would take a kernel started in `cwd`. */
function launcherTarget(launcher: string, cwd: string): string {
  const r = spawnSync(process.execPath, [launcher, "kernel"], { cwd, env: { ...process.env, COURSE_KERNEL_WHICH: "1" }, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test("one kernel name serves every clone: the launcher runs the tslab of the notebook's course folder", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "course-clones-"));
  // A second clone: its own node_modules/tslab, and a notebooks folder.
  const other = path.join(tmp, "other-clone");
  fs.mkdirSync(path.join(other, "node_modules", "tslab", "bin"), { recursive: true });
  fs.writeFileSync(path.join(other, "node_modules", "tslab", "bin", "tslab"), "// stand-in\n");
  fs.mkdirSync(path.join(other, "notebooks"));
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), "course-outside-"));
  const dataDir = path.join(tmp, "data");
  const dir = installKernel(dataDir);
  const launcher = path.join(dir, "launch.js");
  assert.equal(launcherTarget(launcher, path.join(ROOT, "notebooks")), tslabMain());
  assert.equal(launcherTarget(launcher, path.join(other, "notebooks")), path.join(other, "node_modules", "tslab", "bin", "tslab"));
  assert.equal(launcherTarget(launcher, outside), tslabMain(), "outside any clone: the registering clone's tslab");
  // Registered from the other clone, it still serves this one.
  installKernel(dataDir, path.join(other, "node_modules", "tslab", "bin", "tslab"));
  assert.equal(launcherTarget(launcher, path.join(ROOT, "exercises")), tslabMain());
  assert.ok(judgeKernel([process.execPath, launcher]).kernelIsThisProject);
});

test("doctor's kernel check: another tslab, a vanished Node, or an older registration", () => {
  const foreign = judgeKernel([process.execPath, "/somewhere/else/node_modules/tslab/bin/tslab", "kernel"]);
  assert.equal(foreign.kernelIsThisProject, false);
  assert.match(foreign.kernelDetail, /not this course's tslab .*npx course install-kernel/);
  assert.equal(judgeKernel(["/no/such/node", tslabMain()]).kernelIsThisProject, false);
  const older = judgeKernel([process.execPath, tslabMain(), "kernel"]);
  assert.ok(older.kernelIsThisProject);
  assert.match(older.kernelDetail, /older registration/);
});

test("postinstall never fails without Jupyter, and says how to get it", () => {
  const r = spawnSync(process.execPath, [POSTINSTALL], { env: { ...process.env, PATH: pathWithoutJupyter() }, encoding: "utf8" });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /pip install jupyterlab/);
  assert.match(r.stdout, /apt-get install jupyter-notebook/);
});

test("course start without Jupyter prints install steps and exits non-zero", () => {
  const r = spawnSync(process.execPath, [COURSE, "start"], { env: { ...process.env, PATH: pathWithoutJupyter() }, encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /pip install jupyterlab/);
});

test("course start's Jupyter arguments: --allow-root added for root, --port/--ip/--no-browser passed through", async () => {
  const { jupyterArgs } = await import("../../lib/cli/commands/start");
  const asRoot = jupyterArgs({ port: "9000", ip: "0.0.0.0", noBrowser: true }, true);
  assert.ok(asRoot.rootAdded);
  assert.deepEqual(asRoot.args, [`--notebook-dir=${ROOT}`, "--port=9000", "--port-retries=0", "--ip=0.0.0.0", "--no-browser", "--allow-root"], "no notebook file with --no-browser (the classic Notebook opens a browser for one)");
  assert.deepEqual(jupyterArgs({}, false), { args: [path.join("notebooks", "00-setup.ipynb"), `--notebook-dir=${ROOT}`], rootAdded: false });
  assert.equal(jupyterArgs({ allowRoot: true }, true).rootAdded, false, "asked for: nothing to announce");
  assert.deepEqual(jupyterArgs({ extra: ["--ServerApp.token=abc"] }, false).args.slice(2), ["--ServerApp.token=abc"]);
  assert.throws(() => jupyterArgs({ port: "eighty" }, false), /--port must be a port number/);
});

test("course start as root starts a Jupyter server (with --allow-root, said so) on the given port and ip", { skip: hasJupyter && process.getuid?.() === 0 ? false : "needs Jupyter, and root", timeout: 120_000 }, async () => {
  const net = await import("net");
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as import("net").AddressInfo).port;
  await new Promise((r) => srv.close(r));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "course-start-"));
  const env = { ...process.env, JUPYTER_DATA_DIR: path.join(tmp, "data"), JUPYTER_CONFIG_DIR: path.join(tmp, "config"), JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime"), JUPYTER_TOKEN: "t" };
  const { spawn } = await import("child_process");
  const child = spawn(process.execPath, [COURSE, "start", "--port", String(port), "--ip", "127.0.0.1", "--no-browser"], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  try {
    let up = false;
    for (let i = 0; i < 300 && !up && child.exitCode === null; i++) {
      await new Promise((r) => setTimeout(r, 300));
      up = await fetch(`http://127.0.0.1:${port}/api`).then((r) => r.ok, () => false);
    }
    assert.ok(up, `no server on port ${port}:\n${log}`);
    assert.match(log, /Running as root .*passing --allow-root/);
    assert.ok(fs.existsSync(path.join(tmp, "data", "kernels", "tslab", "kernel.json")), "the kernel is registered first");
  } finally {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      /* gone */
    }
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.on("exit", r)));
  }
});
