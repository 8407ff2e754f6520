/** Solution markers → exercise stubs, the assignment model, and `course assign [--check]`. */
import { after, test } from "node:test";
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MarkerError, splitHiddenTests, stubSolutionLine, toExercise } from "../../grading/src/markers";
import { AssignmentError, buildExercise, checksum, declaredNames, loadAssignment, readCellMeta } from "../../grading/src/assignment";
import { Cell, Notebook, cellSource } from "../../lib/notebook/nbformat";
import { COURSE, ROOT, SOLUTION } from "../fixtures/grading/submissions";

const tmpDirs: string[] = [];
after(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

test("a SOLUTION region becomes a stub that throws, at the region's indentation", () => {
  const src = ["function f(x: number): number {", "  // BEGIN SOLUTION", "  return x * 2;", "  // END SOLUTION", "}"].join("\n");
  assert.equal(toExercise(src, "q2", "t"), ["function f(x: number): number {", '  throw new Error("Not implemented: q2");', "}"].join("\n"));
});

test("a PROMPT next to a region replaces the default stub; its lines are uncommented", () => {
  const src = ["function f(): number {", "  // BEGIN SOLUTION", "  return 42;", "  // END SOLUTION", "  // BEGIN PROMPT", "  // // Hint: think.", "  // return 0;", "  // END PROMPT", "}"].join("\n");
  assert.equal(toExercise(src, "q1", "t"), ["function f(): number {", "  // Hint: think.", "  return 0;", "}"].join("\n"));
  const before = ["// BEGIN PROMPT", "// const x = 0;", "// END PROMPT", "// BEGIN SOLUTION", "const x = 1;", "// END SOLUTION"].join("\n");
  assert.equal(toExercise(before, "q1", "t"), "const x = 0;");
  assert.equal(toExercise(["a();", "// BEGIN SOLUTION NO PROMPT", "b();", "// END SOLUTION", "c();"].join("\n"), "q1", "t"), "a();\nc();");
});

test("`// SOLUTION` keeps the left side and replaces the value, with a type that still checks", () => {
  assert.equal(stubSolutionLine("const k = 5;", "t"), "const k: number = undefined as any; // TODO: replace undefined");
  assert.equal(stubSolutionLine("  let name = 'x';", "t"), "  let name: string = undefined as any; // TODO: replace undefined");
  assert.equal(stubSolutionLine("const ks = [1, 2, 3];", "t"), "const ks: number[] = undefined as any; // TODO: replace undefined");
  assert.equal(stubSolutionLine("const m: Map<string, number> = new Map();", "t"), "const m: Map<string, number> = undefined as any; // TODO: replace undefined");
  assert.equal(stubSolutionLine("const v = compute(3);", "t"), "const v = undefined as any; // TODO: replace undefined");
  assert.equal(stubSolutionLine("result.best = pick(xs);", "t"), "result.best = undefined as any; // TODO: replace undefined");
  assert.equal(stubSolutionLine("    return a + b;", "t"), "    return undefined as any; // TODO: replace undefined");
  assert.equal(toExercise("const closest = 3; // SOLUTION\nconsole.log(closest);", "q4", "t"), "const closest: number = undefined as any; // TODO: replace undefined\nconsole.log(closest);");
  assert.throws(() => stubSolutionLine("doSomething();", "cell 3"), /cell 3: `\/\/ SOLUTION` marks one complete line/);
});

test("unbalanced or nested markers are errors that name the cell and line", () => {
  assert.throws(() => toExercise("// BEGIN SOLUTION\nx();", "q1", "nb.ipynb, cell 4"), (e: Error) => e instanceof MarkerError && /cell 4: BEGIN SOLUTION at line 1 is never closed/.test(e.message));
  assert.throws(() => toExercise("x();\n// END SOLUTION", "q1", "c"), /line 2: END SOLUTION without a matching BEGIN SOLUTION/);
  assert.throws(() => toExercise("// BEGIN SOLUTION\n// BEGIN SOLUTION\n// END SOLUTION\n// END SOLUTION", "q1", "c"), /line 2: BEGIN SOLUTION inside an open SOLUTION region/);
  assert.throws(() => toExercise("// BEGIN PROMPT\nreturn 1;\n// END PROMPT", "q1", "c"), /must be commented out/);
});

test("HIDDEN TESTS regions leave the exercise and are marked hidden for the grader", () => {
  const src = ['check("a", f);', "// BEGIN HIDDEN TESTS", 'check("b", g);', "// END HIDDEN TESTS", 'check("c", h);'].join("\n");
  const s = splitHiddenTests(src, "c");
  assert.equal(s.exercise, 'check("a", f);\ncheck("c", h);');
  assert.equal(s.graded, ['check("a", f);', "__setHidden(true);", 'check("b", g);', "__setHidden(false);", 'check("c", h);'].join("\n"));
  assert.ok(s.hasHidden);
});

test("checksums ignore line endings and trailing whitespace, nothing else", () => {
  assert.equal(checksum("a = 1;\r\nb = 2;  \n\n"), checksum("a = 1;\nb = 2;"));
  assert.notEqual(checksum("a = 1;"), checksum("a = 2;"));
});

test("declared names: functions, classes, variables, destructuring, imports (not types)", () => {
  const names = declaredNames('import { x, type T } from "m";\nimport * as ns from "n";\nfunction f() {}\nclass C {}\nconst { a, b: [c] } = o;\nlet d = 1;\ninterface I {}\ntype U = 1;');
  assert.deepEqual(names.sort(), ["C", "a", "c", "d", "f", "ns", "x"]);
});

test("cell metadata: the course form, and nbgrader's", () => {
  const cell = (metadata: Record<string, unknown>): Cell => ({ cell_type: "code", source: "", metadata });
  assert.deepEqual(readCellMeta(cell({ course: { id: "q1", type: "solution", points: 2 } }), "c"), { id: "q1", type: "solution", points: 2, title: undefined, visibility: undefined });
  assert.equal(readCellMeta(cell({ course: { id: "q1", type: "solution", visibility: "hidden" } }), "c")!.visibility, "hidden");
  assert.throws(() => readCellMeta(cell({ course: { id: "q1", type: "solution", visibility: "later" } }), "c"), /course.visibility must be one of visible, hidden/);
  assert.deepEqual(readCellMeta(cell({ nbgrader: { grade_id: "q1", solution: true, grade: false, locked: false } }), "c"), { id: "q1", type: "solution", points: undefined });
  assert.deepEqual(readCellMeta(cell({ nbgrader: { grade_id: "test q1", grade: true, locked: true, points: 3 } }), "c"), { id: "test_q1", type: "public-tests", points: 3 });
  assert.deepEqual(readCellMeta(cell({ nbgrader: { locked: true } }), "c"), { type: "locked" });
  assert.equal(readCellMeta(cell({}), "c"), null);
  assert.throws(() => readCellMeta(cell({ course: { type: "answer" } }), "nb, cell 2"), /nb, cell 2: metadata course.type "answer" is not one of/);
  assert.throws(() => readCellMeta(cell({ course: { type: "solution" } }), "c"), /needs course.id/);
  assert.throws(() => readCellMeta(cell({ course: { id: "q1", type: "solution", points: -1 } }), "c"), /points must be a number ≥ 0/);
});

test("the sample assignment: questions, points, public and hidden tests, names", () => {
  const a = loadAssignment(SOLUTION);
  assert.deepEqual(a.questions.map((q) => [q.id, q.title, q.points]), [
    ["q1", "Dot product", 2],
    ["q2", "Vector length", 2],
    ["q3", "Cosine similarity", 3],
    ["q4", "The most similar sentence", 3],
  ]);
  for (const q of a.questions) assert.ok(q.tests.some((t) => !t.hidden) && q.tests.some((t) => t.hidden || t.source.includes("__setHidden(true)")), q.id);
  for (const n of ["dot", "norm", "cosine", "mostSimilar", "closestIndex", "sentences", "vectors"]) assert.ok(a.names.includes(n), n);
  // What each question's tests use: only those names are asked from a student's kernel.
  assert.deepEqual(a.questions.map((q) => q.names), [["dot"], ["norm"], ["cosine"], ["closestIndex", "mostSimilar", "vectors"]]);
  const ex = buildExercise(a);
  const text = JSON.stringify(ex);
  assert.ok(!text.includes("Math.sqrt(dot(a, a))"), "no solution code in the exercise");
  assert.ok(!text.includes("dot of two empty vectors"), "no hidden test in the exercise");
  assert.ok(!text.includes("ties go to the first candidate"), "no hidden region in the exercise");
  assert.match(cellSource(ex.cells[0]), /^> \*\*How to work on this exercise\.\*\*/);
  assert.doesNotMatch(cellSource(ex.cells[0]), /Generated file|hidden tests|solutions\//, "the exercise opens with the student's instructions; the staff note is in docs/grading.md");
  const locked = ex.cells.filter((c) => c.metadata.course?.checksum);
  assert.ok(locked.length >= 6 && locked.every((c) => c.metadata.editable === false && c.metadata.course.checksum === checksum(cellSource(c))));
  assert.ok(ex.cells.every((c) => c.cell_type !== "code" || (c.outputs!.length === 0 && c.execution_count === null)));
  // Every exercise cell keeps the nbformat id of its solution cell.
  const solutionIds = new Set(JSON.parse(fs.readFileSync(SOLUTION, "utf8")).cells.map((c: { id: string }) => c.id));
  assert.ok(ex.cells.slice(1).every((c) => typeof c.id === "string" && solutionIds.has(c.id)));
  assert.equal(ex.cells[0].id, "generated-notice");
});

test("course assign gives solution cells without an id one (8 hex), keeps existing ids, and --check asks for them", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grading-ids-"));
  try {
    fs.mkdirSync(path.join(dir, "solutions"));
    const nb = JSON.parse(fs.readFileSync(SOLUTION, "utf8"));
    const kept = nb.cells[0].id;
    for (const c of nb.cells.slice(1)) delete c.id;
    const sol = path.join(dir, "solutions", "x.ipynb");
    fs.writeFileSync(sol, JSON.stringify(nb, null, 1) + "\n");
    const check = spawnSync(process.execPath, [COURSE, "assign", "--check"], { cwd: dir, encoding: "utf8" });
    assert.equal(check.status, 1);
    assert.match(check.stderr, /solutions\/x\.ipynb: cells 2, 3, .* have no nbformat id; run `npx course assign`/);
    const run = spawnSync(process.execPath, [COURSE, "assign"], { cwd: dir, encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /gave \d+ solution cells an id: commit the solution too/);
    const after = JSON.parse(fs.readFileSync(sol, "utf8"));
    assert.equal(after.cells[0].id, kept);
    assert.ok(after.cells.slice(1).every((c: { id: string }) => /^[0-9a-f]{8}$/.test(c.id)));
    assert.equal(new Set(after.cells.map((c: { id: string }) => c.id)).size, after.cells.length);
    assert.deepEqual(Object.keys(after.cells[1]).slice(0, 2), ["cell_type", "id"]);
    const ex = JSON.parse(fs.readFileSync(path.join(dir, "exercises", "x.ipynb"), "utf8"));
    const ids = new Set(after.cells.map((c: { id: string }) => c.id));
    assert.ok(ex.cells.slice(1).every((c: { id: string }) => ids.has(c.id)));
    assert.equal(spawnSync(process.execPath, [COURSE, "assign", "--check"], { cwd: dir, encoding: "utf8" }).status, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("assignment errors speak to the author", () => {
  const nb = (cells: Cell[]): Notebook => ({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5 });
  const code = (source: string, course: Record<string, unknown>): Cell => ({ cell_type: "code", source, metadata: { course }, outputs: [], execution_count: null });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grading-markers-"));
  tmpDirs.push(dir);
  const save = (n: Notebook) => {
    const f = path.join(dir, "a.ipynb");
    fs.writeFileSync(f, JSON.stringify(n));
    return f;
  };
  assert.throws(() => loadAssignment(save(nb([code("x", { id: "q1", type: "solution", points: 2 })]))), (e: Error) => e instanceof AssignmentError && /question q1 has 2 points but no test cells/.test(e.message));
  assert.throws(
    () => loadAssignment(save(nb([code("x", { id: "q1", type: "solution", points: 2 }), code("check('a', () => 1);", { id: "q1", type: "public-tests", points: 1 })]))),
    /question q1 already has points/
  );
  assert.throws(() => loadAssignment(save(nb([code("check('a', () => {", { id: "q1", type: "public-tests" })]))), /the test code does not compile/);
  assert.throws(() => loadAssignment(save(nb([code("// BEGIN SOLUTION\nx", { type: "locked" })]))), /a locked cell cannot contain SOLUTION\/PROMPT markers/);
});

test("course assign --check passes on the committed repository and fails after a hand edit to an exercise", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grading-assign-"));
  tmpDirs.push(dir);
  // The committed state (other work in progress in the checkout does not count).
  const files = execFileSync("git", ["ls-files", "solutions", "exercises"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter((f) => f.endsWith(".ipynb"));
  assert.ok(files.includes("solutions/cosine-similarity.ipynb") && files.includes("exercises/cosine-similarity.ipynb"));
  for (const f of files) {
    fs.mkdirSync(path.join(dir, path.dirname(f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), execFileSync("git", ["show", `HEAD:${f}`], { cwd: ROOT }));
  }
  const run = (...args: string[]) => spawnSync(process.execPath, [COURSE, "assign", ...args], { cwd: dir, encoding: "utf8" });
  const sample = (...args: string[]) => run("cosine-similarity", ...args);
  const ok = run("--check");
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /✓ exercises\/cosine-similarity\.ipynb: up to date/);

  // A hand edit to the exercise fails the check, naming the cell and line.
  const ex = path.join(dir, "exercises", "cosine-similarity.ipynb");
  const nb = JSON.parse(fs.readFileSync(ex, "utf8"));
  const cell = nb.cells.find((c: Cell) => c.metadata?.course?.cell === "q2-solution");
  cell.source[2] = "  return Math.sqrt(dot(a, a)); // a hint slipped in by hand\n";
  fs.writeFileSync(ex, JSON.stringify(nb, null, 1) + "\n");
  const bad = sample("--check");
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /exercises\/cosine-similarity\.ipynb differs from what `course assign` generates .* cell \d+ \(q2-solution\), line 3/);

  // `course assign` regenerates it; the check passes again.
  const fix = sample();
  assert.equal(fix.status, 0, fix.stderr);
  assert.match(fix.stdout, /updated/);
  assert.equal(sample("--check").status, 0);

  // Repository-wide: an exercise without a solution, or a missing exercise, fails too.
  fs.copyFileSync(ex, path.join(dir, "exercises", "orphan.ipynb"));
  const orphan = run("--check");
  assert.equal(orphan.status, 1);
  assert.match(orphan.stderr, /orphan\.ipynb has no solution notebook/);
  fs.rmSync(path.join(dir, "exercises"), { recursive: true });
  assert.match(sample("--check").stderr, /cosine-similarity\.ipynb does not exist/);
});
