/**
 * Brown POS (issue 25): the Brown → universal tag mapping (Petrov et al. 2012), parsing tagged lines,
 * the document-level split (no test sample among the course BERT's pre-training documents), and the
 * most-frequent-tag baseline.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { brownPosSplit, brownToUniversal, chunkSentence, loadBrownPos, parseTaggedLine, pretrainingHeldOutBrown, UNIVERSAL_TAGS } from "../../lib/data/brown-pos";
import { mostFrequentTagBaseline } from "../../lib/finetuning/tagging";

test("Brown tags map to the 12 universal tags (suffixes, negation, foreign words, contractions)", () => {
  const cases: [string, string][] = [
    ["nn", "NOUN"], ["np-tl", "NOUN"], ["nns$", "NOUN"], ["pn", "NOUN"], ["vbd", "VERB"], ["bez*", "VERB"], ["md", "VERB"], ["hvz-hl", "VERB"],
    ["jj", "ADJ"], ["ap", "ADJ"], ["od", "ADJ"], ["rb", "ADV"], ["ql", "ADV"], ["*", "ADV"], ["pps", "PRON"], ["ppo", "PRON"], ["wps", "PRON"],
    ["at", "DET"], ["pp$", "DET"], ["wdt", "DET"], ["in", "ADP"], ["cs", "ADP"], ["cd", "NUM"], ["cc", "CONJ"], ["to", "PRT"], ["rp", "PRT"],
    ["ex", "PRT"], ["abn", "PRT"], [".", "."], ["``", "."], ["--", "."], ["fw-nn", "X"], ["nil", "X"], ["ppss+md", "PRT"], ["nn+bez", "NOUN"],
  ];
  for (const [brown, uni] of cases) assert.equal(brownToUniversal(brown), uni, brown);
  assert.throws(() => brownToUniversal("zz"), /no universal mapping/);
});

test("a tagged line → words and universal tags; quotes become \"; placeholders dropped; long sentences chunked", () => {
  const s = parseTaggedLine("The/at jury/nn said/vbd ``/`` no/at **zg/nn ''/'' ./.");
  assert.deepEqual(s.words, ["The", "jury", "said", '"', "no", '"', "."]);
  assert.deepEqual(s.tags.map((t) => UNIVERSAL_TAGS[t]), ["DET", "NOUN", "VERB", ".", "DET", ".", "."]);
  const chunks = chunkSentence(s, 3);
  assert.deepEqual(chunks.map((c) => c.words.length), [3, 3, 1]);
  assert.deepEqual(chunks.flatMap((c) => c.words), s.words);
});

test("every tag of the corpus maps, and the split is by document with no test document seen in pre-training", () => {
  const docs = loadBrownPos();
  assert.equal(docs.length, 500);
  const held = pretrainingHeldOutBrown();
  assert.ok(held.length >= 10, `${held.length} held-out Brown samples`);
  const split = brownPosSplit({ documents: docs, trainSentences: 200, testSentences: 100 });
  assert.deepEqual(split.testDocuments, [...held].sort());
  assert.equal(split.trainDocuments.length + split.testDocuments.length, 500);
  assert.ok(!split.trainDocuments.some((d) => held.includes(d)));
  const testWords = new Set(docs.filter((d) => held.includes(d.id)).flatMap((d) => d.sentences.map((s) => s.words.join(" "))));
  assert.ok(split.test.words.every((w) => [...testWords].some((t) => t.includes(w.join(" ")))), "test sentences come from the held-out documents");
  assert.equal(split.train.words.length, 200);
  assert.equal(split.test.words.length, 100);
  assert.ok(split.train.words.every((w) => w.length <= 48));
});

test("most-frequent-tag baseline: seen words get their commonest tag, unseen words the commonest open-class tag", () => {
  const N = UNIVERSAL_TAGS.indexOf("NOUN");
  const V = UNIVERSAL_TAGS.indexOf("VERB");
  const D = UNIVERSAL_TAGS.indexOf("DET");
  const train = { words: [["the", "run", "ends"], ["a", "run"], ["they", "Run"]], tags: [[D, N, V], [D, N], [N, V]] };
  const test = { words: [["The", "run", "zebra"]], tags: [[D, V, N]] };
  const b = mostFrequentTagBaseline(train, test, UNIVERSAL_TAGS);
  assert.deepEqual(b.predictions, [D, N, N]); // "run": NOUN twice, VERB once; "zebra" unseen → NOUN
  assert.equal(b.unknownTag, "NOUN");
  assert.equal(b.accuracy, 2 / 3);
  assert.equal(b.unknownShare, 1 / 3);
  assert.equal(b.knownAccuracy, 0.5);
  assert.equal(b.unknownAccuracy, 1);
  assert.equal(b.perTag.find((p) => p.tag === "VERB")!.recall, 0);
});

test("FAQ paraphrase pairs: balanced, train and test on disjoint intents; bi-encoder threshold chosen on training pairs", async () => {
  const { faqParaphrasePairs } = await import("../../lib/data/paraphrase");
  const { bestThreshold, thresholdScores } = await import("../../lib/embeddings/pairs");
  const p = faqParaphrasePairs({ trainPairs: 200, testPairs: 100, seed: 3 });
  assert.equal(p.train.labels.length, 200);
  assert.equal(p.test.labels.reduce((a, b) => a + b, 0), 50);
  assert.equal(p.trainIntents.length + p.testIntents.length, 31);
  assert.ok(!p.trainIntents.some((i) => p.testIntents.includes(i)));
  const testQ = new Set(p.testQuestions);
  assert.ok(p.train.texts.concat(p.train.pairs).every((q) => !testQ.has(q)), "no test question in a training pair");
  assert.ok(p.test.texts.concat(p.test.pairs).every((q) => testQ.has(q)));
  const t = bestThreshold([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]);
  assert.ok(t > 0.2 && t < 0.8);
  assert.deepEqual(thresholdScores([0.1, 0.9, 0.7], [0, 1, 0], 0.5), { threshold: 0.5, accuracy: 2 / 3, f1: 2 / 3, precision: 0.5, recall: 1 });
});
