/**
 * The grader's parts that need no kernel: check/assert messages, the value codec that is the
 * only thing crossing between a kernel and the grader, what tests may use (names, imports,
 * setup cells), reading submissions safely, finding them, the gradebook, the static scan,
 * and the zip writer.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import createHarness = require("../../lib/grading/harness");
import { testContext, testNames } from "../../grading/src/context";
import { declaredNames, importBindings, referencedNames, splitImports } from "../../grading/src/names";
import { notebookText, parseNotebook, readRegularFile, submissionHash } from "../../grading/src/notebook-file";
import { csvField, gradebookCsv, gradescopeResults } from "../../grading/src/report";
import { meaningfulEvents } from "../../grading/src/permission";
import { scanSource } from "../../grading/src/scan";
import { GradeRecord, scoreQuestion } from "../../grading/src/session";
import { findSubmissions, safeFolderName } from "../../grading/src/students";
import { fillTsCache, tsCacheDir } from "../../grading/src/ts-cache";
import { readZip, writeZip } from "../../grading/src/zip";
import type { StudentResult } from "../../grading/src/result";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { createCodec } = require("../../grading/sandbox/codec.js");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const tsCompile = require("../../grading/sandbox/ts-compile.js");

test("assert messages say what was expected and what came", () => {
  const lines: string[] = [];
  const { check, assert: a } = createHarness({ mode: "immediate", print: (l) => lines.push(l) });
  check("equal", () => a.equal(1 + 1, 3));
  check("deep", () => a.deepEqual({ xs: [1, 2, { y: "a" }] }, { xs: [1, 2, { y: "b" }] }));
  check("close", () => a.closeTo([0.1 + 0.2, 1], [0.3, 1.5], 1e-9));
  check("throws", () => a.throws(() => 1));
  check("throws match", () => a.throws(() => { throw new RangeError("bad size"); }, /size/));
  check("student error", () => { throw new TypeError("x.map is not a function"); });
  assert.deepEqual(lines, [
    "✗ equal — expected 3, got 2",
    '✗ deep — at xs[2].y: expected "b", got "a"',
    "✗ close — at [1]: expected 1.5 ± 1e-9, got 1",
    "✗ throws — expected the call to throw an error, but it returned normally",
    "✓ throws match",
    "✗ student error — TypeError: x.map is not a function",
  ]);
});

test("in a headless run a failing check fails the cell; async checks are awaited", async () => {
  const h = createHarness({ mode: "immediate", print: () => undefined, strict: true });
  assert.throws(() => h.check("strict", () => h.assert.equal(1, 2)), /check failed: strict — expected 2, got 1/);
  await assert.rejects(async () => h.check("async", async () => h.assert.ok(false)), /check failed: async/);
  assert.throws(() => h.check("w", () => 1, { points: -1 }), /points must be a number ≥ 0/);
  assert.doesNotThrow(() => h.check("feedback only", () => 1, { points: 0 }), "a check worth 0 is feedback only");
});

test("the grader's plan: weights from the tests, points from the assignment; a broken test cell costs a check", async () => {
  const records: GradeRecord[] = [];
  const vm = await import("vm");
  const h = createHarness({
    mode: "collect",
    emit: (json) => records.push(JSON.parse(json)),
    has: (n) => n === "double",
    get: () => (x: number) => 2 * x,
    require: (s) => require(s),
    evaluate: (src, file) => vm.runInThisContext(src, { filename: file }),
    setTimeout,
    clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
    events: () => "[]",
  });
  const js = (src: string) => require("typescript").transpileModule(src, { compilerOptions: { module: 1, target: 7 } }).outputText;
  await h.runPayload(
    JSON.stringify({
      nonce: "",
      q: "q1",
      names: ["double", "gone"],
      timeoutMs: 500,
      parts: [
        { hidden: false, file: "a.js", code: js('check("a", () => assert.equal(double(2), 4));\ncheck("b", () => assert.equal(double(3), 7), { points: 3 });') },
        { hidden: true, file: "b.js", code: js('check("h", () => assert.equal(gone(1), 1));\ncheck("hang", () => new Promise(() => undefined));') },
        { hidden: true, file: "c.js", code: js("const v = gone(2);") },
      ],
    })
  );
  const plan = records.find((x) => x.t === "plan")!;
  assert.ok(plan.t === "plan");
  assert.deepEqual(plan.checks.map((c) => [c.name, c.w, c.h]), [["a", 1, false], ["b", 3, false], ["h", 1, true], ["hang", 1, true], ["test cell 3 ran without errors", 1, true]]);
  const msgs = records.filter((x): x is Extract<GradeRecord, { t: "result" }> => x.t === "result").map((x) => [x.ok, x.msg.slice(0, 60)]);
  assert.deepEqual(msgs.map((m) => m[0]), [true, false, false, false, false]);
  assert.match(String(msgs[2][1]), /gone is not defined in your notebook/);
  assert.match(String(msgs[3][1]), /timed out after 0\.5 s/);
  const q = scoreQuestion({ id: "q1", title: "", points: 7 }, records);
  assert.deepEqual(q.checks.map((c) => c.points), [1, 3, 1, 1, 1]);
  assert.equal(q.score, 1);
  assert.equal(q.max, 7);
});

test("the codec: data round-trips into fresh objects; what is not data cannot cross", () => {
  const fns: unknown[] = [];
  const kernel = createCodec({ functionNode: (f: unknown) => (fns.push(f), { $: "f", h: fns.length - 1, n: "f", l: 0 }), makeFunction: () => { throw new Error("no"); }, makeOpaque: () => { throw new Error("no"); } });
  const grader = createCodec({ functionNode: () => { throw new TypeError("no functions"); }, makeFunction: (n: { h: number }) => () => `stub ${n.h}`, makeOpaque: (c: string) => ({ opaque: c }) });
  const shared = [1, 2];
  const cyc: Record<string, unknown> = { a: 1 };
  cyc.self = cyc;
  const v = { n: [1.5, -0, NaN, Infinity], u: undefined, b: 10n, s: "é", ta: new Float32Array([1, 2]), sh: [shared, shared], cyc, m: new Map([["k", 1]]), set: new Set([2]), d: new Date(7), re: /x+/g, e: new RangeError("bad"), f: function dot() {}, cls: new (class Bert {})() };
  const back = grader.decode(kernel.encode(v));
  assert.ok(Object.is(back.n[1], -0) && Number.isNaN(back.n[2]) && back.n[3] === Infinity);
  assert.equal(back.b, 10n);
  assert.ok(back.ta instanceof Float32Array && back.ta[1] === 2);
  assert.ok(back.sh[0] === back.sh[1] && back.cyc.self === back.cyc);
  assert.ok(back.m instanceof Map && back.set.has(2) && back.d.getTime() === 7 && back.re.flags === "g");
  assert.ok(back.e instanceof Error && back.e.name === "RangeError" && back.e.message === "bad");
  assert.equal(back.f(), "stub 0");
  assert.deepEqual(back.cls, { opaque: "Bert" });
  // Prototype pollution through a key is impossible: keys become own data properties.
  const evil = grader.decode('{"$":"o","v":{"__proto__":{"$":"o","v":{"polluted":1}}}}');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(evil), Object.prototype);
  // Strict: anything malformed is refused, not guessed at.
  for (const bad of ['{"$":"zz"}', '{"$":"t","c":"Function","v":""}', '{"$":"r","i":5}', '{"x":1}', '{"$":"t","c":"Float64Array","v":"AAA="}']) assert.throws(() => grader.decode(bad), /malformed|typed array|bad base64/);
  assert.throws(() => grader.decode("[".repeat(100000) + "]".repeat(100000)), RangeError);
  assert.throws(() => grader.encode([() => 1]), /no functions/);
});

test("names: what cells declare and import, what tests use; trusted setup cells", () => {
  assert.deepEqual(declaredNames('import { x, type T } from "m";\nimport * as ns from "n";\nfunction f() {}\nconst { a, b: [c] } = o;\ntype U = 1;').sort(), ["a", "c", "f", "ns", "x"]);
  assert.deepEqual(importBindings('import d, { e as f } from "m";\nimport * as n from "@course/lib";'), [
    { name: "d", spec: "m", kind: "default" },
    { name: "f", spec: "m", kind: "named", imported: "e" },
    { name: "n", spec: "@course/lib", kind: "namespace" },
  ]);
  const refs = referencedNames("check('x', () => assert.ok(comparison.some((r) => r.model === bestModel)));\nconst o = { vectors: 1 };");
  assert.ok(refs.includes("comparison") && refs.includes("bestModel") && !refs.includes("model") && !refs.includes("vectors"));
  assert.equal(splitImports('import { a } from "m";\nconst b = a;').body.trim(), "const b = a;");
  const ctx = testContext([
    { source: 'import { data, analysis } from "@course/lib";\nconst faq = data.load();', locked: true, label: "c1" },
    { source: "const model = faq.model;", locked: true, label: "c2" },
    { source: "function answer(x: number) { return x; }", locked: false, label: "c3" },
    { source: "const score = answer(model);", locked: true, label: "c4" },
  ]);
  assert.deepEqual(ctx.imports.map((b) => b.name), ["data", "analysis"]);
  assert.deepEqual(ctx.setup.map((c) => c.label), ["c1", "c2"], "a locked cell that uses a student's function is not trusted");
  assert.deepEqual(testNames("check('a', () => assert.equal(answer(analysis.x(model)), score));", ctx), ["analysis", "answer", "model", "score"]);
});

test("reading a submission: a BOM or UTF-16 is fine; malformed notebooks say what and where", () => {
  const nb = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: "code", source: ["a\n", "b"], metadata: {} }] };
  const json = JSON.stringify(nb);
  assert.equal(parseNotebook(notebookText(Buffer.from("\uFEFF" + json)), "x").cells[0].source, "a\nb");
  assert.equal(parseNotebook(notebookText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, "utf16le")])), "x").cells.length, 1);
  const err = (obj: unknown) => {
    try {
      parseNotebook(typeof obj === "string" ? obj : JSON.stringify(obj), "nb.ipynb");
      return "";
    } catch (e) {
      return (e as Error).message;
    }
  };
  assert.match(err('{"cells": [\n  {"cell_type": "code",'), /nb\.ipynb is not a valid notebook: its JSON does not parse at line 2/);
  assert.match(err([1]), /holds a list, not a notebook object/);
  assert.match(err({ nbformat: 4 }), /has no "cells" list/);
  assert.match(err({ nbformat: 3, worksheets: [] }), /uses nbformat 3/);
  assert.match(err({ nbformat: 4, cells: [null] }), /cell 1 is null, not a cell object/);
  assert.match(err({ nbformat: 4, cells: [{ cell_type: "code", source: 5 }] }), /cell 1: its "source" must be text/);
  assert.match(err({ nbformat: 4, cells: [{ cell_type: "python", source: "" }] }), /cell 1 has cell_type "python"/);
  assert.equal(parseNotebook(JSON.stringify({ nbformat: 4, cells: [{ cell_type: "markdown", source: null, metadata: null }] }), "x").cells[0].source, "");
});

test("finding submissions: Unicode names kept, safe unique folders, special files refused without opening", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grading-units-"));
  try {
    const nb = JSON.stringify({ nbformat: 4, cells: [] });
    for (const n of ["李雷", "王芳", "Ana", "ana", "José García", "+1+2", "con"]) fs.writeFileSync(path.join(dir, `${n}.ipynb`), nb);
    fs.mkdirSync(path.join(dir, "folder-student"));
    fs.writeFileSync(path.join(dir, "folder-student", "cosine-similarity.ipynb"), nb);
    fs.mkdirSync(path.join(dir, "empty-folder"));
    fs.symlinkSync("/etc/passwd", path.join(dir, "linked.ipynb"));
    spawnSync("mkfifo", [path.join(dir, "piped.ipynb")]);
    const subs = findSubmissions(dir, "cosine-similarity");
    const by = new Map(subs.map((s) => [s.student, s]));
    assert.equal(subs.length, 11);
    assert.notEqual(by.get("李雷")!.folder, by.get("王芳")!.folder);
    assert.notEqual(by.get("Ana")!.folder.toLowerCase(), by.get("ana")!.folder.toLowerCase(), "unique on case-insensitive file systems");
    assert.match(by.get("José García")!.folder, /^Jose_Garcia-[0-9a-f]{8}$/);
    assert.match(by.get("con")!.folder, /^con-[0-9a-f]{8}$/, "Windows device names get a suffix");
    for (const s of subs) assert.match(s.folder, /^[A-Za-z0-9][A-Za-z0-9._@+-]*$/);
    assert.match(by.get("linked")!.refused!, /symbolic link/);
    assert.match(by.get("piped")!.refused!, /FIFO/);
    assert.match(by.get("empty-folder")!.refused!, /holds no \.ipynb/);
    assert.equal(by.get("folder-student")!.refused, undefined);
    assert.throws(() => readRegularFile(path.join(dir, "linked.ipynb")), /symbolic link.*not opened/);
    assert.throws(() => readRegularFile(path.join(dir, "piped.ipynb")), /FIFO/);
    assert.match(submissionHash(path.join(dir, "piped.ipynb")), /^unreadable-/);
    assert.equal(safeFolderName("alice"), "alice");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const result = (student: string, score: number): StudentResult => ({
  version: 2,
  student,
  folder: safeFolderName(student),
  assignment: "a",
  assignmentHash: "h",
  submission: "s",
  submissionHash: "x",
  status: "ok",
  score,
  max: 2,
  questions: [{ id: "q1", title: "One", status: "ok", score, max: 2, checks: [
    { name: "pub", hidden: false, weight: 1, points: 1, earned: score >= 1 ? 1 : 0, status: score >= 1 ? "passed" : "failed", message: score >= 1 ? "" : "expected 1, got 0" },
    { name: "hid", hidden: true, weight: 1, points: 1, earned: score >= 2 ? 1 : 0, status: score >= 2 ? "passed" : "failed", message: score >= 2 ? "" : "secret reason" },
  ] }],
  flags: [{ code: "=cmd", severity: "review", message: "" }],
  notes: [],
  cells: [],
  events: [],
  kernelStarts: 1,
  seconds: 1,
  gradedAt: "",
});

test("the gradebook keeps names and neutralises spreadsheet formulas; Gradescope gets one test per question and visibility", () => {
  assert.equal(csvField("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  for (const s of ["+1+2", "-3", "@SUM(A1)", "\tx"]) assert.ok(csvField(s).startsWith("\"'"), s);
  assert.equal(csvField("李雷"), "李雷");
  const csv = gradebookCsv({ questions: [{ id: "q1" }] as never }, [result("李雷", 2), result("+1+2", 1)]);
  assert.match(safeFolderName("+1+2"), /^1\+2-[0-9a-f]{8}$/);
  assert.equal(csv, `student,q1,total,max,status,flags,folder\n"'+1+2",1,1,2,ok,"'=cmd",${safeFolderName("+1+2")}\n李雷,2,2,2,ok,"'=cmd",${safeFolderName("李雷")}\n`);
  const gs = gradescopeResults(result("x", 1), { hiddenDetails: false, visibility: { q1: "after_due_date" } });
  assert.deepEqual(gs.tests.map((t) => [t.name, t.number, t.score, t.max_score, t.visibility]), [["q1 · One", "1.1", 1, 1, "after_due_date"], ["q1 · One (hidden tests)", "1.2", 0, 1, "after_published"]]);
  assert.doesNotMatch(gs.tests[1].output, /secret reason/, "--hidden-feedback names hides the reasons");
  assert.equal(gs.score, 1);
});

test("static scan: flags what an honest answer rarely needs; sandbox evidence ignores compiler probes", () => {
  const codes = (src: string) => scanSource(src, "c").map((f) => f.code);
  assert.deepEqual(codes("function dot(a: number[], b: number[]) { return a.reduce((s, x, i) => s + x * b[i], 0); }"), []);
  assert.deepEqual(codes("Object.setPrototypeOf(Uint8Array.prototype, new Proxy({}, {}));"), ["patches-builtins"]);
  assert.deepEqual(codes('Object.defineProperty(process.stdout, "write", { get() { return f; } });'), ["patches-builtins"]);
  assert.deepEqual(codes('process.report.writeReport("/x")'), ["deletes-or-writes-files", "runtime-internals"]);
  assert.deepEqual(codes('dns.setServers(["1.2.3.4:53"])'), ["network"]);
  assert.deepEqual(codes("fs.writeSync(1, chunk)"), ["raw-output"]);
  assert.deepEqual(
    meaningfulEvents(['statSync "/tmp/node_modules/@types": refused', 'readFileSync "/w/solutions/a.ipynb": refused', 'net.createConnection("/tmp/c/tsx-0/123.pipe")', 'dns.setServers("1.2.3.4")']),
    ['readFileSync "/w/solutions/a.ipynb": refused', 'dns.setServers("1.2.3.4")']
  );
});

test("zip: what is written reads back, permissions included", () => {
  const entries = [
    { name: "setup.sh", data: Buffer.from("#!/bin/sh\necho hi\n"), mode: 0o755 },
    { name: "course/a.txt", data: Buffer.from("x".repeat(10000)) },
    { name: "course/é.bin", data: Buffer.from([0, 1, 2, 255]) },
  ];
  const back = readZip(writeZip(entries));
  assert.deepEqual(back.map((e) => [e.name, e.data.toString("hex"), e.mode]), entries.map((e) => [e.name, e.data.toString("hex"), e.mode ?? 0o644]));
  const unzip = spawnSync("python3", ["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(z.testzip() or 'ok', len(z.namelist()))", "/dev/stdin"], { input: writeZip(entries) });
  if (unzip.status === 0) assert.match(unzip.stdout.toString(), /^ok 3/);
});

test("the library compiled for sandboxed kernels: content-addressed, readable by the sandbox, only in a folder of ours", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grading-ts-"));
  const saved = process.env.TMPDIR;
  try {
    const lib = path.join(dir, "lib");
    fs.mkdirSync(path.join(lib, "sub"), { recursive: true });
    fs.writeFileSync(path.join(lib, "a.ts"), 'import { two } from "./sub/b";\nexport enum Kind { A = 1 }\nexport const three: number = Kind.A + two;\n');
    fs.writeFileSync(path.join(lib, "sub", "b.ts"), "export const two = 2 as const;\n");
    fs.writeFileSync(path.join(lib, "types.d.ts"), "export type T = number;\n");
    const cache = path.join(dir, "cache");
    fs.mkdirSync(cache);
    assert.deepEqual(fillTsCache(cache, lib), { files: 2, compiled: 2 });
    assert.deepEqual(fillTsCache(cache, lib), { files: 2, compiled: 0 }, "compiled once");
    const ts = require("typescript");
    const src = fs.readFileSync(path.join(lib, "a.ts"), "utf8");
    const file = path.join(cache, tsCompile.cacheKey(ts, src, path.join(lib, "a.ts")));
    assert.equal(fs.readFileSync(file, "utf8"), tsCompile.transpile(ts, src, "a.ts"), "what the kernel's loader would compile itself");
    assert.match(fs.readFileSync(file, "utf8"), /require\("\.\/sub\/b"\)/);
    if (process.platform !== "win32") assert.equal(fs.statSync(file).mode & 0o777, 0o644);
    assert.notEqual(tsCompile.cacheKey(ts, src, "x.ts"), tsCompile.cacheKey(ts, src + " ", "x.ts"), "the key follows the source");
    assert.notEqual(tsCompile.cacheKey(ts, src, "x.ts"), tsCompile.cacheKey(ts, src, "x.tsx"), "and the extension (.tsx parses JSX)");
    assert.equal(tsCompile.cacheKey(ts, src, "/one/place/x.ts"), tsCompile.cacheKey(ts, src, "/another/x.ts"), "not the path: a clone elsewhere shares it");
    // The per-user folder: made readable for the sandbox's uid; refused when others can write it.
    process.env.TMPDIR = dir;
    const mine = tsCacheDir();
    assert.equal(path.dirname(mine), dir);
    if (process.platform !== "win32") {
      assert.equal(fs.statSync(mine).mode & 0o777, 0o755);
      fs.chmodSync(mine, 0o777);
      assert.throws(() => tsCacheDir(), /not a folder of yours that only you can write/);
    }
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
