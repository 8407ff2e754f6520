/**
 * Issue 24's rules, unit by unit (no kernels): which locked values the grader owns and which
 * tests `course assign` refuses; public and hidden checks in separate passes, merged into one
 * score; what a missing name says; which of the staff's caches a kernel may read; escaping.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import createHarness = require("../../lib/grading/harness");
import { contextProblems, isTrusted, testContext, testNames } from "../../grading/src/context";
import { loadAssignment } from "../../grading/src/assignment";
import { trustedNames } from "../../grading/src/grade";
import { cacheDirs, kernelEnv } from "../../grading/src/permission";
import { mdText } from "../../grading/src/report";
import { GradeRecord, mergePasses, scoreQuestion } from "../../grading/src/session";
import { ROOT } from "../fixtures/grading/submissions";

const cells = (...c: [string, boolean][]) => c.map(([source, locked], i) => ({ source, locked, label: `cell ${i + 1}` }));

test("locked values: setup cells are the grader's; a test reading any other locked name, or a locked call that costs later cells, is an authoring error", () => {
  const bad = cells(
    ["const data = [1, 2, 3];", true],
    ["function verdict(x: number[]): string { return 'ok'; }", false],
    ["const K = 3;\nconsole.log(verdict(data));", true], // declares K and calls the student's verdict
    ["const answer = data.length * K;", false],
  );
  const ctx = testContext(bad);
  assert.ok(isTrusted(ctx, "data") && !isTrusted(ctx, "K"));
  const problems = contextProblems(ctx, bad, [{ label: "the hidden tests of q2", names: testNames("check('x', () => assert.equal(answer, data.length * K));", ctx) }]);
  assert.equal(problems.length, 2, problems.join("\n"));
  assert.match(problems[0], /the hidden tests of q2 reads K, which a locked cell declares from the student's verdict \(cell 3\)/);
  assert.match(problems[1], /cell 3 calls the student's verdict and declares K, which cell 4 uses/);
  // The fix: K in a cell of its own, the call in the next one.
  const good = cells(["const data = [1, 2, 3];", true], ["function verdict(x: number[]): string { return 'ok'; }", false], ["const K = 3;", true], ["console.log(verdict(data));", true], ["const answer = data.length * K;", false]);
  const ctx2 = testContext(good);
  assert.deepEqual(contextProblems(ctx2, good, [{ label: "t", names: ["answer", "data", "K"] }]), []);
  // Both assignments follow the rules; the embeddings exercise's locked results are the grader's.
  loadAssignment(path.join(ROOT, "solutions", "cosine-similarity.ipynb"));
  const emb = loadAssignment(path.join(ROOT, "solutions", "embeddings.ipynb"));
  const trusted = trustedNames(emb);
  for (const n of ["sigma", "K_SIGMA", "arisByPooling", "arisByLayer", "arisByScale", "arisByReset", "arisByModel", "groupsToReset", "scales", "vectors", "model", "tokenizer"]) assert.ok(trusted.includes(n), `${n} is the grader's`);
  for (const n of ["poolingVerdicts", "harmfulResets", "sbertVsBert", "verdict"]) assert.ok(!trusted.includes(n), `${n} is the student's`);
});

test("public checks run in their own pass, hidden ones in another; the two merge into one score", async () => {
  const records = (pass: "public" | "hidden" | undefined, parts: { hidden: boolean; code: string }[]) => {
    const out: GradeRecord[] = [];
    const h = createHarness({ mode: "collect", emit: (j) => out.push(JSON.parse(j)), has: () => false, get: () => undefined, require: () => ({}), evaluate: (src) => eval(src), setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout), events: () => "[]" });
    return h.runPayload(JSON.stringify({ nonce: "", q: "q1", parts: parts.map((p, i) => ({ ...p, file: `p${i}.js` })), names: ["missingName"], timeoutMs: 5000, pass, missing: { missingName: "an earlier locked cell (cell 3) failed because Error: boom" } })).then(() => out);
  };
  const pub = { hidden: false, code: 'check("p1", () => {}); check("p2", () => { missingName.x; });' };
  const hid = { hidden: true, code: 'check("h1", () => {}); check("h2", () => { throw new Error("no"); }, { points: 2 });' };
  const r1 = await records("public", [pub]);
  const r2 = await records("hidden", [pub, hid]);
  assert.deepEqual(r1.filter((r) => r.t === "result").map((r) => (r as { i: number }).i), [0, 1], "the public pass runs public checks only");
  assert.deepEqual(r2.filter((r) => r.t === "result").map((r) => (r as { i: number }).i), [2, 3], "the hidden pass runs hidden checks only");
  const p2 = r1.find((r) => r.t === "result" && r.i === 1) as { msg: string };
  assert.match(p2.msg, /missingName is missing: an earlier locked cell \(cell 3\) failed because Error: boom/);
  assert.doesNotMatch(p2.msg, /not defined in your notebook/);
  const spec = { id: "q1", title: "q1", points: 5, tests: [{ hidden: false, js: "", file: "" }, { hidden: true, js: "", file: "" }] };
  const q = scoreQuestion(spec, mergePasses(spec, r1, r2));
  assert.deepEqual(q.checks.map((c) => [c.name, c.status]), [["p1", "passed"], ["p2", "failed"], ["h1", "passed"], ["h2", "failed"]]);
  assert.equal(q.score, 2); // weights 1, 1, 1, 2 of 5 points: p1 + h1
  // A hidden pass that never ran keeps the reference's checks in the denominator.
  const withRef = { ...spec, referenceChecks: [{ name: "p1", w: 1, h: false }, { name: "p2", w: 1, h: false }, { name: "h1", w: 1, h: true }, { name: "h2", w: 2, h: true }] };
  const q2 = scoreQuestion(withRef, mergePasses(withRef, r1, undefined));
  assert.equal(q2.checks.length, 4);
  assert.equal(q2.score, 1);
});

test("a kernel may read the Hub cache's model folders, never $HF_HOME's token or stored_tokens; its environment is built from nothing", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "grading-trust-"));
  try {
    const hf = path.join(tmp, "hf");
    fs.mkdirSync(path.join(hf, "hub", "models--org--a"), { recursive: true });
    fs.mkdirSync(path.join(hf, "hub", ".locks"), { recursive: true });
    fs.writeFileSync(path.join(hf, "token"), "hf_canary");
    fs.writeFileSync(path.join(hf, "stored_tokens"), "hf_canary");
    const dirs = cacheDirs({ HF_HOME: hf, COURSE_CACHE_DIR: path.join(tmp, "course") });
    assert.deepEqual(dirs, [path.join(hf, "hub", "models--org--a"), path.join(tmp, "course")]);
    assert.ok(!dirs.some((d) => d === hf || d === path.join(hf, "hub")));
    const saved = { ...process.env };
    try {
      process.env.HF_TOKEN = "hf_canary";
      process.env.AWS_SECRET_ACCESS_KEY = "canary";
      process.env.NPM_TOKEN = "canary";
      const env = kernelEnv({ home: "/tmp/w", tmp: "/tmp/t" });
      assert.ok(!Object.values(env).some((v) => v?.includes("canary")), "no secret in the kernel's environment");
    } finally {
      process.env = saved;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test("student text in Markdown: no HTML, no links or images, one line", () => {
  const s = mdText("<script>alert(1)</script> <img src=x onerror=alert(1)> ![b](http://x/p.png) [c](javascript:alert(1))\n**Score: 10 / 10**");
  assert.ok(!/<script|<img|\]\(|\n/.test(s), s);
  assert.match(s, /&lt;script&gt;/);
});

test("a promise or thenable is shown as one, with a hint to await; the watchdog counts sockets and special files", async () => {
  const { check, assert: a } = createHarness({ mode: "immediate", print: () => undefined });
  assert.throws(() => a.equal(Promise.resolve(3) as unknown as number, 3), /got a Promise \(not its value: is an `await` missing\?\)/);
  assert.throws(() => a.equal({ then() {} } as unknown as number, 3), /a Promise/);
  void check;
  const { folderBytes, SPECIAL_FILE_BYTES } = await import("../../grading/src/isolation");
  const net = await import("net");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grading-watchdog-"));
  const servers: import("net").Server[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const srv = net.createServer();
      await new Promise<void>((r) => srv.listen(path.join(dir, `s${i}.sock`), () => r()));
      servers.push(srv);
    }
    fs.writeFileSync(path.join(dir, "f"), "12345");
    assert.equal(folderBytes(dir), 5 + 3 * SPECIAL_FILE_BYTES);
  } finally {
    for (const s of servers) s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
