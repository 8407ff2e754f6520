/** Metrics, task loading and batching for fine-tuning (no tensors). */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { accuracy, macroF1, majorityBaseline, meanStd, formatMeanStd, argmaxRows } from "../../lib/finetuning/metrics";
import { loadTask, splitTask, taskFromRecords, makeBatches, padBatch, inferenceBatches, mulberry32, EncodedTexts } from "../../lib/finetuning/data";

test("accuracy and macro-F1 against hand-computed values", () => {
  const gold = [0, 0, 1, 1, 1, 2];
  const pred = [0, 1, 1, 1, 0, 2];
  assert.equal(accuracy(pred, gold), 4 / 6);
  // class 0: tp1 fp1 fn1 → 0.5; class 1: tp2 fp1 fn1 → 4/6; class 2: 1
  assert.ok(Math.abs(macroF1(pred, gold) - (0.5 + 4 / 6 + 1) / 3) < 1e-12);
  assert.throws(() => accuracy([1], [1, 0]), /differ in length/);
});

test("majority baseline, mean ± std, argmax", () => {
  const b = majorityBaseline([1, 1, 0], [0, 1, 1, 1]);
  assert.deepEqual([b.label, b.accuracy], [1, 0.75]);
  assert.ok(Math.abs(b.f1 - (0 + 2 * 3 / (2 * 3 + 1)) / 2) < 1e-12);
  const s = meanStd([1, 2, 3]);
  assert.equal(s.mean, 2);
  assert.equal(s.std, 1);
  assert.equal(formatMeanStd([0.5, 0.7], 2), "0.60 ± 0.14");
  assert.deepEqual(argmaxRows(new Float32Array([0.1, 0.9, 0.8, 0.2]), 2), [1, 0]);
});

test("tasks: sentiment and chatbot load; a split is stratified, seeded and limited as asked", () => {
  const s = loadTask("sentiment");
  assert.equal(s.texts.length, 3000);
  assert.deepEqual(s.labelNames, ["negative", "positive"]);
  const c = loadTask("chatbot");
  assert.ok(c.labelNames.length > 10 && c.texts.length === c.labels.length);
  const a = splitTask(s, { seed: 1, trainLimit: 100 });
  const b = splitTask(s, { seed: 1, trainLimit: 100 });
  assert.deepEqual(a.trainIdx, b.trainIdx);
  assert.equal(a.train.texts.length, 100);
  assert.equal(a.test.texts.length, 600);
  assert.equal(a.test.labels.filter((y) => y === 1).length, 300);
  assert.equal(new Set([...a.trainIdx, ...a.testIdx]).size, 700);
});

test("tasks from records: names or integer labels; bad input is a clear error", () => {
  const t = taskFromRecords("x", [{ Text: "a", Label: "spam" }, { Text: "b", Label: "ham" }, { Text: "c", Label: "spam" }]);
  assert.deepEqual(t.labelNames, ["spam", "ham"]);
  assert.deepEqual(t.labels, [0, 1, 0]);
  const n = taskFromRecords("y", [{ text: "a", label: 2 }, { text: "b", label: 0 }]);
  assert.deepEqual(n.labelNames, ["0", "2"]);
  assert.deepEqual(n.labels, [1, 0]);
  assert.throws(() => taskFromRecords("z", [{ text: "a" }]), /"text" and "label"/);
  assert.throws(() => loadTask("/no/such/file.csv"), /neither a known task/);
});

test("batches: every row exactly once per epoch, padded to the longest in the batch, length-grouped, seeded", () => {
  const ids = Array.from({ length: 50 }, (_, i) => Int32Array.from({ length: 2 + (i * 7) % 13 }, (_, k) => k + 5));
  const enc: EncodedTexts = { ids, maxLength: 64, padId: 0 };
  const batches = makeBatches(enc, 8, mulberry32(3), 2);
  assert.deepEqual(batches.flatMap((b) => b.rows).sort((a, b) => a - b), ids.map((_, i) => i));
  for (const b of batches) {
    assert.equal(b.T, Math.max(...b.rows.map((r) => ids[r].length)));
    b.rows.forEach((r, i) => {
      const mask = Array.from(b.attentionMask.slice(i * b.T, (i + 1) * b.T));
      assert.equal(mask.reduce((x, y) => x + y, 0), ids[r].length);
    });
  }
  const again = makeBatches(enc, 8, mulberry32(3), 2);
  assert.deepEqual(again.map((b) => b.rows), batches.map((b) => b.rows));
  const padded = batches.reduce((s, b) => s + b.B * b.T, 0);
  const fixed = 50 * Math.max(...ids.map((x) => x.length));
  assert.ok(padded < fixed, "grouping by length pads less than padding to the longest overall");
  assert.deepEqual(inferenceBatches(enc, 16).flatMap((b) => b.rows).sort((a, b) => a - b), ids.map((_, i) => i));
  assert.equal(padBatch(enc, [0]).inputIds.length, ids[0].length);
});
