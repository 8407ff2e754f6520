/**
 * Issue 24's attacks on the cosine-similarity assignment, graded through the real CLI with
 * --jobs 2 (kernels in the OS sandbox where there is one), next to an honest student:
 *
 *  - "rewrites": rewrites the locked FAQ vectors (every row the same, so the first candidate is
 *    always the nearest) and answers Q4 with a constant: the hidden check compares against the
 *    grader's own vectors, so Q4 scores 0.
 *  - "logger": its functions log every call; Q4 throws the log from a public check. Public
 *    checks of every question run before any hidden check, so the log it shows holds public
 *    inputs only, and no hidden input appears in any output.
 *  - "canary": reads the staff's Hugging Face token ($HF_HOME/token, stored_tokens) and returns
 *    it from dot(): the sandbox binds only the Hub cache's model folders, so the canary appears
 *    nowhere.
 *  - "markup": returns <script>, an image beacon and a javascript: link from dot(): feedback.md
 *    and results.json show them escaped.
 */
import { after, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { StudentResult } from "../../grading/src/result";
import { COURSE, ROOT, solutionAnswers, submission, write } from "../fixtures/grading/submissions";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "grading-hidden-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const sol = solutionAnswers();
const CANARY = `hf_CANARY${process.pid}xyzzy`;

/** Hidden inputs of Q1–Q3 (solutions/cosine-similarity.ipynb) as JSON.stringify writes them. */
const HIDDEN_INPUTS = ["[-1,2.5,0.5]", "[4,-2,8]", "[1,1,1,1]", "[-6,-8]", "[10,20]", "\"dot\",[],[]", "\"dot\",[2],[3]"];

const logged = (fn: string) => fn.replace(/\{\n/, `{\n  ((globalThis as any).__calls ??= []).push(JSON.stringify([${JSON.stringify(fn.match(/function (\w+)/)![1])}, ...arguments]));\n`);

test("locked data rewritten, hidden inputs logged, the staff token and markup: none of them pays or leaks", { timeout: 1_800_000 }, () => {
  const subs = path.join(tmp, "subs");
  write(subs, "full", submission(sol));
  write(subs, "rewrites", submission({ ...sol, q4: "for (let i = 0; i < vectors.length; i++) vectors[i] = [1, 0, 0, 0];\nfunction mostSimilar(query: number[], candidates: number[][]): number {\n  return 0;\n}\n\nconst closestIndex = 0;" }));
  write(subs, "logger", submission({
    q1: logged(sol.q1),
    q2: logged(sol.q2),
    q3: logged(sol.q3),
    q4: "function mostSimilar(query: number[], candidates: number[][]): number {\n  throw new Error(\"LOG \" + JSON.stringify((globalThis as any).__calls));\n}\n\nconst closestIndex = 3;",
  }));
  write(subs, "canary", submission({
    ...sol,
    q1: `function dot(a: number[], b: number[]): any {
  const fs = require("fs");
  const found: string[] = [];
  const home = process.env.HF_HOME ?? "";
  for (const f of [home + "/token", home + "/stored_tokens", home + "/hub/../token"]) {
    try { found.push(fs.readFileSync(f, "utf8")); } catch (e) { found.push("refused " + (e as any).code); }
  }
  return "LEAK " + found.join(" | ");
}`,
  }));
  write(subs, "markup", submission({ ...sol, q1: "function dot(a: number[], b: number[]): any {\n  return '<script>alert(1)</script> ![x](http://beacon.example/p.png) [click](javascript:alert(1))\\n**Score: 10 / 10**';\n}" }));

  // The staff's Hugging Face home: a token, stored tokens, and one cached model folder.
  const hf = path.join(tmp, "hf");
  fs.mkdirSync(path.join(hf, "hub", "models--org--tiny", "refs"), { recursive: true });
  fs.writeFileSync(path.join(hf, "hub", "models--org--tiny", "refs", "main"), "0123456789abcdef\n");
  fs.writeFileSync(path.join(hf, "token"), CANARY);
  fs.writeFileSync(path.join(hf, "stored_tokens"), `[default]\nhf_token = ${CANARY}\n`);
  for (const p of [tmp, hf, path.join(hf, "hub")]) fs.chmodSync(p, 0o755);
  fs.chmodSync(path.join(hf, "token"), 0o644);
  fs.chmodSync(path.join(hf, "stored_tokens"), 0o644);

  const out = path.join(tmp, "out");
  const r = spawnSync(process.execPath, [COURSE, "grade", "--assignment", "cosine-similarity", "--submissions", subs, "--out", out, "--jobs", "2", "--timeout", "120"], { cwd: ROOT, encoding: "utf8", timeout: 1_700_000, env: { ...process.env, HF_HOME: hf } });
  console.log(r.stdout);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const res = (n: string): StudentResult => JSON.parse(fs.readFileSync(path.join(out, "students", n, "result.json"), "utf8"));
  const q = (x: StudentResult, id: string) => x.questions.find((y) => y.id === id)!;
  const why = (x: StudentResult) => JSON.stringify(x.questions.map((y) => [y.id, y.score, y.checks.filter((c) => c.status !== "passed").map((c) => `${c.name}: ${c.message}`)]));

  assert.equal(res("full").score, 10, why(res("full")));
  // Rewriting the locked vectors buys nothing: Q4 is 0, the other questions full.
  const rewrites = res("rewrites");
  assert.equal(q(rewrites, "q4").score, 0, why(rewrites));
  assert.equal(rewrites.score, 7, why(rewrites));

  // Every file the grader wrote, read as text.
  const outputs: [string, string][] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else outputs.push([path.relative(out, p), fs.readFileSync(p, "utf8")]);
    }
  };
  walk(out);

  // The logger's public Q4 checks showed its log (so the channel is real) — with public inputs only.
  const logger = res("logger");
  const feedback = fs.readFileSync(path.join(out, "students", "logger", "feedback.md"), "utf8");
  // Outputs escape Markdown (\[ \]) and JSON (\"): inputs are looked for with every backslash removed.
  const plain = (t: string) => t.replace(/\\/g, "");
  assert.match(feedback, /LOG/, "the public check's message carries the log");
  assert.ok(plain(feedback).includes('"norm","[3,4]"') || plain(feedback).includes("[3,4]"), "…and the public inputs in it");
  assert.equal(q(logger, "q1").score, 2, why(logger));
  for (const [file, text] of outputs) {
    if (file.startsWith("reference")) continue; // the solution's own run
    for (const input of HIDDEN_INPUTS) assert.ok(!plain(text).includes(input) && !text.includes(input), `${file} shows the hidden input ${input}`);
    assert.ok(!plain(text).includes(CANARY), `${file} shows the staff's Hugging Face token`);
  }

  // Markup from a student's answer is shown, escaped.
  const markupFeedback = fs.readFileSync(path.join(out, "students", "markup", "feedback.md"), "utf8");
  const markupResults = fs.readFileSync(path.join(out, "students", "markup", "results.json"), "utf8");
  assert.match(markupFeedback, /&lt;script&gt;/);
  for (const text of [markupFeedback, markupResults]) {
    assert.ok(!text.includes("<script>"), "no raw <script>");
    assert.ok(!/!\[x\]\(http/.test(text), "no image beacon");
    assert.ok(!/\[click\]\(javascript/.test(text), "no javascript: link");
    assert.ok(!/^\*\*Score: 10 \/ 10\*\*/m.test(text), "no forged score line");
  }
});
