/** Step records: appended to a JSON Lines file, a bounded summary in memory, resumable. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readRecords, StepRecords, truncateRecords } from "../../lib/training/records";

type R = { step: number; tokens: number; loss: number };
const rec = (step: number): R => ({ step, tokens: 10, loss: 1 / step });

test("memory stays bounded: the curve thins (stride doubles) past capacity, totals stay exact, the file has every record", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "course-records-"));
  try {
    const file = path.join(dir, "steps.jsonl");
    const r = new StepRecords<R>(file, { capacity: 8, recentSize: 3 });
    const shared = r.kept;
    for (let s = 1; s <= 100; s++) r.add(rec(s));
    assert.equal(r.count, 100);
    assert.equal(r.tokens, 1000);
    assert.ok(r.kept.length <= 8, `kept ${r.kept.length}`);
    assert.equal(r.kept, shared, "the curve array is kept in place (the log shares it)");
    assert.equal(r.stride, 16);
    assert.deepEqual(r.kept.map((x) => x.step), [1, 17, 33, 49, 65, 81, 97]);
    assert.deepEqual(r.recent.map((x) => x.step), [98, 99, 100]);
    const all = readRecords<R>(file);
    assert.deepEqual(all.map((x) => x.step), Array.from({ length: 100 }, (_, i) => i + 1));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("resume: the file is cut back to the checkpoint's records, then appended to; a torn last line is skipped", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "course-records-"));
  try {
    const file = path.join(dir, "steps.jsonl");
    const a = new StepRecords<R>(file, { capacity: 4 });
    for (let s = 1; s <= 10; s++) a.add(rec(s));
    const saved = a.state(); // a checkpoint after step 10
    for (let s = 11; s <= 13; s++) a.add(rec(s)); // then the run is killed
    fs.appendFileSync(file, '{"step": 14, "tok'); // mid-write
    assert.deepEqual(readRecords<R>(file).map((x) => x.step).slice(-1), [13]);
    const b = new StepRecords<R>(file, { capacity: 4 });
    b.restore(saved);
    assert.equal(readRecords<R>(file).length, 10);
    for (let s = 11; s <= 20; s++) b.add(rec(s));
    assert.deepEqual(readRecords<R>(file).map((x) => x.step), Array.from({ length: 20 }, (_, i) => i + 1));
    // The same summary as a run that was never interrupted.
    const c = new StepRecords<R>(null, { capacity: 4 });
    for (let s = 1; s <= 20; s++) c.add(rec(s));
    assert.deepEqual(b.state(), c.state());
    assert.throws(() => truncateRecords(file, 25), /holds 20 complete records, but the checkpoint counts 25/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
