/**
 * The permission-only mode (no bubblewrap: macOS, a container without user namespaces, or
 * COURSE_GRADE_ISOLATION=none), graded as root as on Gradescope: each kernel runs as uid 65534,
 * which owns only its scratch folders. zeromq's `ipc://` bind runs below Node's permission model
 * and unlinks whatever file is at its path; aimed at a canary file owned by the grading user, it
 * now fails, and the canary is still there. The honest answers still score full marks.
 */
import { after, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { StudentResult } from "../../grading/src/result";
import { permissionUser } from "../../grading/src/isolation";
import { COURSE, ROOT, solutionAnswers, withCells, write } from "../fixtures/grading/submissions";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "grading-permission-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const skip = process.platform !== "linux" ? "Linux only" : process.getuid?.() !== 0 ? "needs root (the grader drops to uid 65534 only as root)" : !permissionUser() ? "setpriv missing, or uid 65534 cannot read the course here" : false;

test("without bubblewrap, as root: a zeromq bind cannot replace a file outside the kernel's scratch folder", { skip, timeout: 1_200_000 }, () => {
  fs.chmodSync(tmp, 0o755);
  const dir = path.join(tmp, "grader-files");
  fs.mkdirSync(dir, { mode: 0o755 });
  const canary = path.join(dir, "canary.txt");
  fs.writeFileSync(canary, "canary", { mode: 0o644 });
  const subs = path.join(tmp, "subs");
  write(subs, "binder", withCells(solutionAnswers(), `const zmq = require("zeromq");
const sock = new zmq.Reply();
try { await sock.bind(${JSON.stringify(`ipc://${canary}`)}); console.log("bound"); } catch (e) { console.log("refused", (e as any).code ?? (e as Error).message); }
try { require("fs").unlinkSync(${JSON.stringify(canary)}); console.log("unlinked"); } catch (e) { console.log("refused unlink", (e as any).code); }
sock.close();`));
  const out = path.join(tmp, "out");
  const r = spawnSync(process.execPath, [COURSE, "grade", "--assignment", "cosine-similarity", "--submissions", subs, "--out", out, "--timeout", "120"], { cwd: ROOT, encoding: "utf8", timeout: 1_100_000, env: { ...process.env, COURSE_GRADE_ISOLATION: "none" } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /NO OS SANDBOX/);
  assert.match(r.stdout, /each kernel runs as uid 65534/);
  const st = fs.lstatSync(canary);
  assert.ok(st.isFile() && fs.readFileSync(canary, "utf8") === "canary", "the canary file is still there, unchanged");
  const res = JSON.parse(fs.readFileSync(path.join(out, "students", "binder", "result.json"), "utf8")) as StudentResult;
  assert.equal(res.score, 10, JSON.stringify(res.questions.map((q) => [q.id, q.score])));
});
