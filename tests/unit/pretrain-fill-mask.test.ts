/** Fill-mask with the committed course BERT, and its score on the 20 cloze sentences written for it. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { initBackend, tf } from "../../lib/engine/tfjs/backend";
import { loadBert } from "../../lib/models/bert";
import { BertTokenizer } from "../../lib/text";
import { CLOZE_ITEMS, clozeTopK, fillMask } from "../../lib/pretraining";

const DIR = path.join(__dirname, "..", "..", "models", "course-bert");

test("the cloze set: 20 sentences, one [MASK] each, answers are single tokens of the course vocabulary", () => {
  const tok = BertTokenizer.fromDir(DIR);
  assert.equal(CLOZE_ITEMS.length, 20);
  for (const c of CLOZE_ITEMS) {
    assert.equal(c.text.split("[MASK]").length, 2, c.text);
    assert.deepEqual(tok.tokenize(c.answer), [c.answer], `answer "${c.answer}" is not one token`);
  }
});

test("fill-mask: top-5 candidates with sorted probabilities; the course BERT's cloze score matches its record", async () => {
  await initBackend();
  const model = await loadBert(DIR);
  const tok = BertTokenizer.fromDir(DIR);
  const before = tf().memory().numTensors;
  const [top] = await fillMask(model, tok, "how are [MASK] doing today?", 5);
  assert.equal(top.length, 5);
  for (let i = 1; i < 5; i++) assert.ok(top[i - 1].score >= top[i].score);
  assert.ok(top[0].sequence.startsWith("how are "));
  await assert.rejects(() => fillMask(model, tok, "no mask here"), /no \[MASK\]/);
  const cloze = await clozeTopK(model, tok, CLOZE_ITEMS, 5);
  assert.equal(tf().memory().numTensors, before, "fill-mask leaks tensors");
  console.log(`# course BERT cloze: ${cloze.hits} of ${cloze.total} answers in the top 5`);
  for (const r of cloze.rows) console.log(`#   ${r.hit ? "✓" : "✗"} ${r.text} → ${r.top.join(", ")} (answer: ${r.answer})`);
  const record = JSON.parse(fs.readFileSync(path.join(DIR, "training-record.json"), "utf8")) as { cloze: { top5: number } };
  assert.equal(cloze.hits, record.cloze.top5, "the training record's cloze score is out of date");
  model.dispose();
});
