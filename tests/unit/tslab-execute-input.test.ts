/**
 * The kernel launcher's patch makes tslab publish `execute_input` (with the cell's number) before a
 * cell runs, so nbconvert and viewers show `In [1]:` rather than `In [ ]:`. Checked against a
 * stand-in with tslab's shapes (order and numbering, queued requests), and against the installed
 * tslab (the methods it wraps exist, so the patch applies).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { tslabMain } from "../../lib/notebook/kernel";
import { kernelLauncherSource } from "../../lib/notebook/jupyter";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const publishExecuteInput = require("../../lib/notebook/tslab-execute-input.js") as (dir: string) => boolean;

test("the patch applies to the installed tslab (ZmqServer.handleExecute, JupyterHandlerImpl.handleExecuteImpl)", () => {
  const dir = path.dirname(path.dirname(tslabMain()));
  assert.equal(publishExecuteInput(dir), true);
  assert.equal(publishExecuteInput(dir), true, "applying twice is harmless");
});

test("execute_input goes out before the cell runs, numbered as the handler numbers it, for queued requests too", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-tslab-"));
  fs.mkdirSync(path.join(dir, "dist"));
  // tslab's shapes: the server calls handler.handleExecute(msg.content, …); the handler runs
  // requests one at a time and numbers each ++execCount in handleExecuteImpl.
  fs.writeFileSync(
    path.join(dir, "dist", "jupyter.js"),
    `
const log = [];
class JupyterHandlerImpl {
  constructor() { this.execCount = 0; this.queue = Promise.resolve(); }
  handleExecute(req) { const p = this.queue.then(() => this.handleExecuteImpl(req)); this.queue = p; return p; }
  async handleExecuteImpl(req) { const n = ++this.execCount; log.push(["run", n, req.code]); await new Promise((r) => setTimeout(r, 5)); return n; }
}
class ZmqServer {
  constructor(handler) { this.handler = handler; this.connInfo = { key: "k" }; this.iopub = "iopub"; }
  async handleExecute(sock, msg) { return this.handler.handleExecute(msg.content); }
}
function message(code) {
  return { content: { code }, createReply() { const m = { header: {}, content: null, signAndSend(key, sock) { log.push([m.header.msg_type, m.content.execution_count, m.content.code, sock]); } }; return m; } };
}
module.exports = { JupyterHandlerImpl, ZmqServer, message, log };
`,
  );
  assert.equal(publishExecuteInput(dir), true);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const fake = require(path.join(dir, "dist", "jupyter.js"));
  const server = new fake.ZmqServer(new fake.JupyterHandlerImpl());
  await Promise.all(["a()", "b()", "c()"].map((code) => server.handleExecute(null, fake.message(code)))); // sent at once, as "Run all" does
  assert.deepEqual(fake.log, [
    ["execute_input", 1, "a()", "iopub"],
    ["run", 1, "a()"],
    ["execute_input", 2, "b()", "iopub"],
    ["run", 2, "b()"],
    ["execute_input", 3, "c()", "iopub"],
    ["run", 3, "c()"],
  ]);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("the kernel launcher loads the patch from the clone whose tslab it runs", () => {
  const src = kernelLauncherSource(tslabMain());
  assert.match(src, /tslab-execute-input\.js/);
  assert.ok(fs.existsSync(path.join(path.dirname(path.dirname(tslabMain())), "..", "..", "lib", "notebook", "tslab-execute-input.js")), "the path the launcher computes exists in this clone");
});

test("the cell compiler watches no directories (no 'Unexpected pending rebuildTimer' when files change around a notebook)", () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const noDirectoryWatch = require("../../lib/notebook/tslab-no-dir-watch.js") as (dir: string) => boolean;
  const dir = path.dirname(path.dirname(tslabMain()));
  assert.equal(noDirectoryWatch(dir), true);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const ts = require(require.resolve("@tslab/typescript-for-tslab", { paths: [dir] }));
  let called = false;
  const w = ts.sys.watchDirectory(os.tmpdir(), () => (called = true), true);
  fs.writeFileSync(path.join(os.tmpdir(), `course-watch-${process.pid}`), "x");
  w.close();
  fs.rmSync(path.join(os.tmpdir(), `course-watch-${process.pid}`));
  assert.equal(called, false);
  assert.match(kernelLauncherSource(tslabMain()), /tslab-no-dir-watch\.js/, "the kernel launcher applies it");
  // Headless kernels (the --require preload) watch no files either.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { spawnSync } = require("child_process") as typeof import("child_process");
  const probe = spawnSync(process.execPath, ["--require", path.join(__dirname, "..", "..", "lib", "notebook", "tslab-no-dir-watch.js"), "-e",
    `const ts = require(require.resolve("@tslab/typescript-for-tslab", { paths: [${JSON.stringify(dir)}] })); let n = 0; const f = ${JSON.stringify(path.join(os.tmpdir(), `course-wf-${process.pid}`))}; require("fs").writeFileSync(f, "a"); const w = ts.sys.watchFile(f, () => n++); require("fs").rmSync(f); setTimeout(() => { w.close(); console.log("events", n); }, 700);`, "kernel"], { encoding: "utf8" });
  assert.equal(probe.stdout.trim(), "events 0", probe.stderr);
  assert.match(fs.readFileSync(path.join(__dirname, "..", "..", "lib", "notebook", "kernel.ts"), "utf8"), /"--require", path\.join\(__dirname, "tslab-no-dir-watch\.js"\)/, "course run's kernels preload it");
});
