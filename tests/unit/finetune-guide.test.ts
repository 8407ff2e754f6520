/** The decision guide: every path of the tree (all 16 answer combinations) and its reasoning. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { allPaths, decide, GuideAnswers, QUESTIONS, Recommendation } from "../../lib/finetuning/guide";

const A = (related: boolean, large: boolean, limited: boolean, different: boolean): GuideAnswers => ({
  relatedToPretraining: related,
  largeLabelledData: large,
  limitedCompute: limited,
  dataVeryDifferent: different,
});

// [answers, recommendation, questions asked in order]
const PATHS: [GuideAnswers, Recommendation, (keyof GuideAnswers)[]][] = [
  [A(true, false, false, false), "feature-based", ["relatedToPretraining", "largeLabelledData"]],
  [A(true, true, true, false), "parameter-efficient", ["relatedToPretraining", "largeLabelledData", "limitedCompute"]],
  [A(true, true, false, false), "full fine-tuning", ["relatedToPretraining", "largeLabelledData", "limitedCompute"]],
  [A(false, false, true, false), "parameter-efficient", ["relatedToPretraining", "limitedCompute"]],
  [A(false, true, false, true), "full fine-tuning", ["relatedToPretraining", "limitedCompute", "dataVeryDifferent", "largeLabelledData"]],
  [A(false, false, false, true), "partial fine-tuning", ["relatedToPretraining", "limitedCompute", "dataVeryDifferent", "largeLabelledData"]],
  [A(false, true, false, false), "partial fine-tuning", ["relatedToPretraining", "limitedCompute", "dataVeryDifferent"]],
];

for (const [answers, rec, asked] of PATHS) {
  test(`path ${asked.map((k) => `${k}=${answers[k] ? "yes" : "no"}`).join(" → ")} ⇒ ${rec}`, () => {
    const d = decide(answers);
    assert.equal(d.recommendation, rec);
    assert.deepEqual(d.path.map((p) => p.question), asked.map((k) => QUESTIONS[k]));
    assert.deepEqual(d.path.map((p) => p.answer), asked.map((k) => (answers[k] ? "yes" : "no")));
    assert.ok(d.reasons.length >= 1 && d.reasons.every((r) => r.length > 20));
    assert.ok(d.label.length > 0 && d.cliStrategy.length > 0);
  });
}

test("every one of the 16 answer combinations lands on a leaf, all four leaves are reachable, and unasked answers do not change it", () => {
  const rows = allPaths();
  assert.equal(rows.length, 16);
  assert.deepEqual(new Set(rows.map((r) => r.recommendation)), new Set(["feature-based", "full fine-tuning", "partial fine-tuning", "parameter-efficient"]));
  for (const r of rows) {
    const match = PATHS.find(([a, , asked]) => asked.every((k) => a[k] === r[k]));
    assert.ok(match, `combination ${JSON.stringify(r)} follows one of the listed paths`);
    assert.equal(r.recommendation, match![1]);
  }
});

test("strategy mapping and notes from unasked answers", () => {
  assert.equal(decide(A(true, false, false, false)).cliStrategy, "feature");
  assert.equal(decide(A(true, true, false, false)).cliStrategy, "full");
  assert.equal(decide(A(true, true, true, false)).cliStrategy, "lora:8");
  assert.match(decide(A(false, true, false, false)).cliStrategy, /^partial:\d+$/);
  assert.ok(decide(A(true, false, false, true)).notes.some((n) => /partial|LoRA/.test(n)), "feature-based on very different data suggests trying partial / LoRA");
  assert.ok(decide(A(false, false, true, false)).notes.some((n) => /feature-based/.test(n)));
});

test("missing answers are an error that names the question", () => {
  assert.throws(() => decide({ relatedToPretraining: true } as GuideAnswers), /largeLabelledData.*large labelled dataset/);
});
