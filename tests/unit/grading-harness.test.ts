/**
 * check()/assert, the grader's fresh-context runner, and the authenticated channel, without
 * a kernel: the harness is evaluated in a new V8 context exactly as the kernel preload does.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as vm from "vm";
import createHarness = require("../../lib/grading/harness");
import { RECORD_PREFIX, GradeRecord, encryptPayload, newKey, parseRecords } from "../../lib/grading/protocol";
import { compileTest } from "../../lib/grading/assignment";
import { runCellSource, scoreQuestion } from "../../lib/grading/session";
import { meaningfulEvents } from "../../lib/grading/sandbox";
import { scanSource } from "../../lib/grading/scan";

const HARNESS = fs.readFileSync(path.join(__dirname, "..", "..", "lib", "grading", "harness.js"), "utf8");

function immediate() {
  const lines: string[] = [];
  const h = createHarness({ mode: "immediate", print: (l) => lines.push(l) });
  return { h, lines };
}

test("assert messages say what was expected and what came", () => {
  const { h, lines } = immediate();
  const { check, assert: a } = h;
  check("equal", () => a.equal(1 + 1, 3));
  check("deep", () => a.deepEqual({ xs: [1, 2, { y: "a" }] }, { xs: [1, 2, { y: "b" }] }));
  check("close", () => a.closeTo([0.1 + 0.2, 1], [0.3, 1.5], 1e-9));
  check("throws", () => a.throws(() => 1));
  check("throws match", () => a.throws(() => { throw new RangeError("bad size"); }, /size/));
  check("match", () => a.match(42 as unknown as string, /4/));
  check("not a number", () => a.closeTo("5" as unknown as number, 5));
  check("length", () => a.deepEqual([1, 2], [1, 2, 3]));
  check("student error", () => { throw new TypeError("x.map is not a function"); });
  assert.deepEqual(lines, [
    "✗ equal — expected 3, got 2",
    '✗ deep — at xs[2].y: expected "b", got "a"',
    "✗ close — at [1]: expected 1.5 ± 1e-9, got 1",
    "✗ throws — expected the call to throw an error, but it returned normally",
    "✓ throws match",
    "✗ match — expected a string matching /4/, got 42",
    '✗ not a number — expected a number close to 5, got "5"',
    "✗ length — expected length 3, got length 2 ([1, 2])",
    "✗ student error — TypeError: x.map is not a function",
  ]);
});

test("in a headless run a failing check fails the cell; async checks are awaited", async () => {
  const h = createHarness({ mode: "immediate", print: () => undefined, strict: true });
  assert.throws(() => h.check("strict", () => h.assert.equal(1, 2)), /check failed: strict — expected 2, got 1/);
  await assert.rejects(async () => h.check("async", async () => h.assert.ok(false)), /check failed: async/);
  await h.check("async ok", async () => h.assert.ok(true));
  assert.throws(() => h.check("", () => 1), /name must be a non-empty string/);
  assert.throws(() => h.check("w", () => 1, { points: 0 }), /points must be a positive number/);
});

/** Runs a payload the way the preload does: fresh context, lockdown, collect, emit records. */
async function grade(tests: string[], student: Record<string, unknown>, opts: { names?: string[]; timeoutMs?: number; patch?: () => void } = {}) {
  const records: GradeRecord[] = [];
  const ctx = vm.createContext(Object.create(null), { codeGeneration: { strings: false, wasm: false } });
  const factory = vm.runInContext(`(function (module) {\n${HARNESS}\n;return module.exports;\n})`, ctx);
  const make = factory(vm.runInContext("({ exports: {} })", ctx));
  make.lockdown();
  const h = make({
    mode: "collect",
    emit: (json: string) => records.push(JSON.parse(json)),
    has: (n: string) => Object.prototype.hasOwnProperty.call(student, n),
    get: (n: string) => student[n],
    require: (s: string) => require(s),
    evaluate: (src: string, file: string) => vm.runInContext(src, ctx, { filename: file }),
    setTimeout,
    clearTimeout,
    events: () => '["an event"]',
  });
  const payload = { nonce: "n1", q: "q1", names: opts.names ?? Object.keys(student), timeoutMs: opts.timeoutMs ?? 2000, parts: tests.map((t, i) => ({ hidden: i > 0, code: compileTest(t, "t"), file: `t${i}.js` })) };
  const text = JSON.stringify(payload); // the grader's process makes this, not the kernel
  opts.patch?.(); // what the student's cells did, before the tests arrive
  await h.runPayload(text);
  return records;
}

test("the grader's runner collects a plan, then runs each check; hidden parts are marked", async () => {
  const rec = await grade(
    [
      'import { check, assert } from "@course/lib/grading/testing";\ncheck("a", () => assert.equal(double(2), 4));\ncheck("b", () => assert.equal(double(3), 7), { points: 3 });',
      'check("h", () => assert.equal(double(0), 0));\n__setHidden(false);\ncheck("shown", () => 1);',
    ],
    { double: (x: number) => 2 * x }
  );
  const plan = rec[0] as Extract<GradeRecord, { t: "plan" }>;
  assert.equal(plan.t, "plan");
  assert.deepEqual(plan.checks.map((c) => [c.name, c.w, c.h]), [["a", 1, false], ["b", 3, false], ["h", 1, true], ["shown", 1, false]]);
  assert.deepEqual(rec.slice(1, 5).map((r) => (r.t === "result" ? r.ok : null)), [true, false, true, true]);
  const end = rec[5];
  assert.equal(end.t, "end");
  assert.deepEqual(end.t === "end" && end.events, ["an event"]);
  assert.ok(rec.every((r, i) => r.s === i && r.n === "n1" && r.q === "q1"));
  // Points: the question's 6 points split by weight 1:3:1:1.
  const q = scoreQuestion({ id: "q1", title: "", points: 6, tests: [] }, rec);
  assert.deepEqual(q.checks.map((c) => c.points), [1, 3, 1, 1]);
  assert.equal(q.score, 3);
});

test("verdicts come from a frozen fresh realm: patching the notebook's built-ins changes nothing", async () => {
  const saved = { abs: Math.abs, is: Object.is, stringify: JSON.stringify };
  try {
    const rec = await grade(
      ['check("close", () => assert.closeTo(wrong(), 5));\ncheck("deep", () => assert.deepEqual(wrongList(), [1, 2]));\ncheck("abs", () => assert.equal(Math.abs(-2), 2));'],
      { wrong: () => 7, wrongList: () => [1, 3] },
      {
        patch: () => {
          // What a student could do in their notebook's realm before the tests run.
          (Math as { abs: (x: number) => number }).abs = () => 0;
          (Object as { is: (a: unknown, b: unknown) => boolean }).is = () => true;
          (JSON as { stringify: (v: unknown) => string }).stringify = () => '"same"';
        },
      }
    );
    Math.abs = saved.abs;
    Object.is = saved.is;
    JSON.stringify = saved.stringify;
    assert.deepEqual(rec.filter((r) => r.t === "result").map((r) => (r.t === "result" ? r.ok : null)), [false, false, true]);
  } finally {
    Math.abs = saved.abs;
    Object.is = saved.is;
    JSON.stringify = saved.stringify;
  }
});

test("a student value cannot reach into the test realm to patch it", async () => {
  // The student's function gets an array made in the test realm and tries to patch that
  // realm's built-ins through it (and to compile code there).
  const attacker = (xs: number[]) => {
    const realmArray = (xs as unknown as { constructor: ArrayConstructor }).constructor;
    try {
      (realmArray.prototype as unknown as { push: unknown }).push = () => 0;
    } catch {
      /* frozen */
    }
    let compiled = "no";
    try {
      compiled = String((realmArray as unknown as { constructor: FunctionConstructor }).constructor("return 1")());
    } catch {
      /* code generation from strings is off in the test realm */
    }
    return compiled === "no" ? xs.length : -1;
  };
  const rec = await grade(['check("len", () => { const xs = [1, 2, 3]; assert.equal(attack(xs), 3); xs.push(4); assert.equal(xs.length, 4); });'], { attack: attacker });
  const r = rec.find((x) => x.t === "result");
  assert.ok(r && r.t === "result" && r.ok, JSON.stringify(r));
});

test("missing names, broken test cells and hung async checks fail their checks, not the run", async () => {
  const rec = await grade(
    ['check("uses missing", () => assert.equal(gone(1), 1));\ncheck("hangs", () => new Promise(() => undefined));', 'const v = gone(2);\ncheck("never registered", () => 1);'],
    {},
    { names: ["gone"], timeoutMs: 300 }
  );
  const plan = rec[0].t === "plan" ? rec[0].checks : [];
  assert.deepEqual(plan.map((c) => c.name), ["uses missing", "hangs", "test cell 2 ran without errors"]);
  const results = rec.filter((r): r is Extract<GradeRecord, { t: "result" }> => r.t === "result");
  assert.match(results[0].msg, /ReferenceError: gone is not defined in your notebook/);
  assert.match(results[1].msg, /timed out after 0\.3 s/);
  assert.match(results[2].msg, /gone is not defined/);
  assert.ok(results.every((r) => !r.ok));
});

test("the channel: payloads are ciphertext; records must carry the key's MAC and this run's nonce", () => {
  const key = newKey();
  const payload = encryptPayload(key, JSON.stringify({ nonce: "abc", parts: [{ code: 'check("dot of two empty vectors is 0", ...)' }] }));
  const cell = runCellSource(payload);
  assert.doesNotMatch(cell, /empty vectors|check\(/, "no test text reaches the kernel in the clear");
  const crypto = require("crypto") as typeof import("crypto");
  const mac = (k: string, json: string) => {
    const m = crypto.createHmac("sha256", Buffer.from(k, "hex")).update("course-grade:mac").digest();
    return crypto.createHmac("sha256", m).update(json).digest("hex");
  };
  const good = (o: object) => {
    const json = JSON.stringify(o);
    return `${RECORD_PREFIX}${json} ${mac(key, json)}`;
  };
  const plan = { t: "plan", v: 1, n: "abc", s: 0, q: "q1", checks: [{ i: 0, name: "a", w: 1, h: false }] };
  const pass = { t: "result", v: 1, n: "abc", s: 1, q: "q1", i: 0, ok: true, msg: "", ms: 1 };
  const forgedPass = JSON.stringify({ ...pass, s: 2 });
  const text = [
    "student output",
    good(plan),
    `noise before ${good(pass)}`,
    `${RECORD_PREFIX}${forgedPass} ${"0".repeat(64)}`, // forged MAC
    `${RECORD_PREFIX}${forgedPass} ${mac(newKey(), forgedPass)}`, // another key
    good({ ...pass, n: "old-run", s: 3 }), // replay from another run
    good(pass), // duplicate
  ].join("\n");
  const p = parseRecords(text, key, "abc");
  assert.deepEqual(p.records.map((r) => r.s), [0, 1]);
  assert.equal(p.forged.length, 2);
  assert.equal(p.duplicates, 2);
});

test("static scan and sandbox evidence: flags what matters, not compiler probes", () => {
  const codes = (src: string) => scanSource(src, "c").map((f) => f.code);
  assert.deepEqual(codes("function dot(a: number[], b: number[]) { return a.reduce((s, x, i) => s + x * b[i], 0); }"), []);
  assert.deepEqual(codes('fs.unlinkSync("../solutions/x.ipynb")'), ["grader-files", "deletes-or-writes-files"]);
  assert.deepEqual(codes("(Math as any).abs = () => 0;"), ["patches-builtins"]);
  assert.deepEqual(codes("process.kill(process.ppid)"), ["processes"]);
  assert.deepEqual(codes("(globalThis as any).__courseGrader.run('x')"), ["grader-internals"]);
  assert.deepEqual(
    meaningfulEvents(['statSync "/tmp/node_modules/@types": refused', 'readFileSync "/w/solutions/a.ipynb": refused', 'existsSync "/w/solutions": refused', 'net.createConnection("/tmp/c/tsx-0/123.pipe")', 'net.connect("example.org:80")']),
    ['readFileSync "/w/solutions/a.ipynb": refused', 'existsSync "/w/solutions": refused', 'net.connect("example.org:80")']
  );
});
