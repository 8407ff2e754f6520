/**
 * The tests of course exercises, as notebooks import them:
 *
 *   import { check, assert } from "@course/lib/grading/testing";
 *   check("q1: dot of orthogonal vectors is 0", () => assert.equal(dot([1, 0], [0, 1]), 0));
 *
 * Each `check` is one test with its own share of the question's points (partial credit).
 * In a notebook it runs at once and prints ✓ or ✗ with the reason; in a headless run
 * (`course run`, CI) a failing check fails the cell. When the grader runs the same cells it
 * uses the same code (./harness.js) inside a fresh, frozen V8 context: see docs/grading.md.
 */
import createHarness = require("./harness");
import { settings } from "../env";

export type CheckOptions = createHarness.CheckOptions;
export type Assert = createHarness.Assert;

const harness = createHarness({
  mode: "immediate",
  print: (line) => console.log(line),
  strict: settings.headless,
});

/** One test: `fn` passes when it returns (or its promise resolves) without throwing. */
export const check: createHarness.Check = harness.check;
/** Assertions for checks: assert(x), assert.equal, deepEqual, closeTo, match, throws, fail. */
export const assert: Assert = harness.assert;
export const AssertionError = harness.AssertionError;
