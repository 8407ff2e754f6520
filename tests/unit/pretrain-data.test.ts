/** Pre-training data: sentence splitting, documents kept whole, held-out split by document, NSP pairs. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "path";
import { mulberry32 } from "../../lib/data/split";
import { loadCorpus } from "../../lib/data/corpus";
import { findOverlaps, matchWords } from "../../lib/data/overlap";
import { BertTokenizer } from "../../lib/text";
import { excludeEvaluationText, labelledEvaluationSentences, QUOTE_MIN_WORDS } from "../../lib/pretraining/contamination";
import { loadPretrainingDocuments, mixTraining, parseMixture, sourceOf } from "../../lib/pretraining/corpus";
import { splitSentences, prepareCorpus, createNspInstances, IS_NEXT, NOT_NEXT, truncatePairInPlace, sequenceSchedule } from "../../lib/pretraining";
import { learningRate as scheduleLr } from "../../lib/training/schedule";
const learningRate = (step: number, total: number, peak: number, warmup: number) => scheduleLr(step, { peak, warmup, total, decay: "linear" });

const tok = BertTokenizer.fromDir(path.join(__dirname, "..", "fixtures", "tokenizers", "bert-base-uncased"));

test("sentence splitting: ends at . ! ? before a capital, not after abbreviations or initials", () => {
  assert.deepEqual(splitSentences("Call me Ishmael. Some years ago I went to sea! Why? Because."), ["Call me Ishmael.", "Some years ago I went to sea!", "Why?", "Because."]);
  assert.deepEqual(splitSentences("Mr. Smith met Dr. Jones in the U.S. Senate. John Q. Adams spoke."), ["Mr. Smith met Dr. Jones in the U.S. Senate.", "John Q. Adams spoke."]);
  assert.deepEqual(splitSentences('He said "Stop." Then he left.\n\nNew paragraph without a stop\n\nlast one'), ['He said "Stop."', "Then he left.", "New paragraph without a stop", "last one"]);
  assert.deepEqual(splitSentences("It cost 3.5 dollars. 1812 was a war year."), ["It cost 3.5 dollars.", "1812 was a war year."]);
});

const docs = loadCorpus("sotu").slice(0, 40);
const corpus = prepareCorpus(docs, tok, { heldOutFraction: 0.1, seed: 3 });

test("--mix repeats a source's training documents by its weight and leaves the held-out documents alone", () => {
  const two = prepareCorpus([...loadCorpus("sotu").slice(0, 20), ...loadCorpus("moby").slice(1, 11)], tok, { heldOutFraction: 0.1, seed: 3 });
  const mixed = mixTraining(two, parseMixture("moby:3"));
  const count = (c: typeof two, src: string) => c.train.filter((d) => d.id.startsWith(`${src}-`)).length;
  assert.equal(count(mixed, "moby"), 3 * count(two, "moby"));
  assert.equal(count(mixed, "sotu"), count(two, "sotu"));
  assert.deepEqual(mixed.heldOut.map((d) => d.id), two.heldOut.map((d) => d.id));
  assert.equal(mixed.stats.tokens, two.stats.tokens, "the corpus's own size is still reported");
  const toks = (ds: typeof two.train) => ds.reduce((s, d) => s + d.sentences.reduce((a, x) => a + x.length, 0), 0);
  assert.equal(mixed.stats.mixedTokens, toks(two.train) + 2 * toks(two.train.filter((d) => d.id.startsWith("moby-"))));
  assert.equal(mixTraining(two, parseMixture("")), two);
  assert.throws(() => parseMixture("moby=3"), /SOURCE:WEIGHT/);
  assert.throws(() => parseMixture("moby:0"), /weight ≥ 1/);
  assert.throws(() => mixTraining(two, parseMixture("brown:2")), /no training document comes from brown/);
});

test("sourceOf names a document's kind of text; NSP pairs record B's document", () => {
  assert.equal(sourceOf("sotu-1790-george-washington"), "sotu");
  assert.equal(sourceOf("sotu-1961-john-f-kennedy-2"), "sotu");
  assert.equal(sourceOf("imdb-00042"), "imdb");
  assert.equal(sourceOf("moby-001"), "moby");
  assert.equal(sourceOf("brown-ca01"), "brown");
  assert.equal(sourceOf("lectures-003"), "lectures", "a text file's documents are named after the file");
  assert.equal(sourceOf("lectures"), "lectures");
  const two = prepareCorpus([...loadCorpus("sotu").slice(0, 10), ...loadCorpus("moby").slice(1, 6)], tok, { heldOutFraction: 0, seed: 3 });
  const pairs = createNspInstances(two.train, mulberry32(5), { maxLength: 64 });
  for (const p of pairs) {
    if (p.label === IS_NEXT) assert.equal(p.bDoc, p.doc, "IsNext: B continues A's document");
    else assert.notEqual(p.bDoc, p.doc, "NotNext: B comes from another document");
  }
  const kinds = new Set(pairs.filter((p) => p.label === NOT_NEXT).map((p) => `${sourceOf(two.train[p.doc].id)}→${sourceOf(two.train[p.bDoc].id)}`));
  assert.ok(kinds.has("sotu→moby") && kinds.has("sotu→sotu"), `NotNext pairs cross sources and stay within one: ${[...kinds].join(", ")}`);
});

test("documents stay whole and in order; the held-out split is by document", () => {
  assert.equal(corpus.train.length + corpus.heldOut.length, 40);
  assert.equal(corpus.heldOut.length, 4);
  const trainIds = new Set(corpus.train.map((d) => d.id));
  for (const d of corpus.heldOut) assert.ok(!trainIds.has(d.id), "a document is on both sides");
  // Sentences in order: their concatenation is the document's tokens.
  const d0 = docs.find((d) => d.id === corpus.train[0].id)!;
  const flat = corpus.train[0].sentences.flatMap((s) => [...s]);
  assert.deepEqual(flat, tok.tokenize(d0.text).map((t) => tok.tokenToId(t)));
});

test("NSP pairs: 50% IsNext (the real continuation) / 50% NotNext (another document), within max length", () => {
  const maxLength = 128;
  const inst = createNspInstances(corpus.train, mulberry32(5), { maxLength });
  assert.ok(inst.length > 1000, `${inst.length} pairs`);
  const notNext = inst.filter((x) => x.label === NOT_NEXT).length / inst.length;
  console.log(`# ${inst.length} pairs, NotNext ${(100 * notNext).toFixed(1)}%`);
  assert.ok(Math.abs(notNext - 0.5) < 0.02, `NotNext share ${notNext}`);
  const docTokens = corpus.train.map((d) => d.sentences.flatMap((s) => [...s]).join(","));
  let checked = 0;
  for (const x of inst) {
    assert.ok(x.a.length + x.b.length + 3 <= maxLength, "pair longer than maxLength");
    assert.ok(x.a.length >= 1 && x.b.length >= 1);
    assert.equal(x.aStarts.length, x.a.length);
    const own = docTokens[x.doc];
    assert.ok(own.includes([...x.a].join(",")), "A comes from its document");
    if (x.label === IS_NEXT && checked < 300) {
      // Untruncated IsNext pairs: B follows A directly in the same document.
      if (x.a.length + x.b.length + 3 < maxLength) assert.ok(own.includes([...x.a, ...x.b].join(",")), "IsNext: B does not follow A");
      checked++;
    }
    if (x.label === NOT_NEXT && x.b.length > 3) assert.ok(!own.includes([...x.b].join(",")), "NotNext: B comes from A's own document");
  }
});

test("longest-first truncation trims the longer segment until the pair fits", () => {
  const a = { ids: Array.from({ length: 50 }, (_, i) => i), starts: Array(50).fill(1) };
  const b = { ids: Array.from({ length: 10 }, (_, i) => 100 + i), starts: Array(10).fill(1) };
  truncatePairInPlace(a, b, 30, mulberry32(1));
  assert.equal(a.ids.length, 20);
  assert.equal(b.ids.length, 10);
  truncatePairInPlace(a, b, 16, mulberry32(1));
  assert.equal(a.ids.length + b.ids.length, 16);
  assert.ok(Math.abs(a.ids.length - b.ids.length) <= 1);
});

test("sequence-length schedule (90% short, 10% long) and the warm-up + linear-decay learning rate", () => {
  assert.deepEqual(sequenceSchedule(1000, 128, 8, 512, 0.1), [
    { from: 0, to: 900, seqLen: 128, batchSize: 8 },
    { from: 900, to: 1000, seqLen: 512, batchSize: 2 },
  ]);
  assert.deepEqual(sequenceSchedule(10, 64, 4, 64, 0.1), [{ from: 0, to: 10, seqLen: 64, batchSize: 4 }]);
  assert.equal(learningRate(0, 100, 1e-3, 10), 1e-4);
  assert.equal(learningRate(9, 100, 1e-3, 10), 1e-3);
  assert.ok(Math.abs(learningRate(55, 100, 1e-3, 10) - 0.5e-3) < 1e-12);
  assert.ok(learningRate(99, 100, 1e-3, 10) > 0 && learningRate(99, 100, 1e-3, 10) < 2e-5);
});

test("contamination rule: long or rare labelled sentences are quotations (documents left out); common short ones are stock phrases", () => {
  const d = (id: string, text: string) => ({ id, title: id, text });
  const docs = [
    d("r1", "I saw it twice. The acting was superb and the plot kept me guessing until the end. Loved it."),
    d("r2", "Honestly the soundtrack alone is worth the price. You won't be disappointed."),
    d("r3", "You won't be disappointed."),
    d("r4", "You won't be disappointed, I promise."),
    d("r5", "You won't be disappointed at all."),
    d("r6", "Nothing to see here."),
  ];
  const sets = { reviews: ["The acting was superb and the plot kept me guessing.", "the soundtrack alone is worth the price", "You won't be disappointed.", "Not in the corpus at all, this one."] };
  const { docs: kept, report } = excludeEvaluationText(docs, sets);
  assert.deepEqual(report.excluded, ["r1", "r2"]);
  assert.deepEqual(kept.map((x) => x.id), ["r3", "r4", "r5", "r6"]);
  assert.deepEqual(report.sets.reviews, { sentences: 4, checked: 4, quoted: 2, stockPhrases: 1, documents: 2 });
});

test("the course mix holds no labelled evaluation sentence after exclusion (UCI sentiment, chatbot FAQ)", () => {
  const { docs, exclusion } = loadPretrainingDocuments("course");
  // Measured: 259 of 50,452 documents quote a labelled sentence, 256 of them for UCI's IMDb sentences.
  assert.ok(exclusion.excluded.length >= 200 && exclusion.excluded.length <= 320, `${exclusion.excluded.length} left out`);
  assert.ok(exclusion.sets["sentiment-imdb"].quoted > 800, "most UCI IMDb sentences were cut from these reviews");
  assert.equal(exclusion.sets["chatbot-questions"].quoted, 0);
  assert.equal(docs.length, exclusion.kept);
  const kept = new Set(docs.map((x) => x.id));
  for (const id of exclusion.excluded) assert.ok(!kept.has(id));
  // Re-check the kept documents from scratch: no quotation is left in them.
  const again = excludeEvaluationText(docs);
  assert.equal(again.report.excluded.length, 0, `still quoted in: ${again.report.excluded.slice(0, 5).join(", ")}`);
  const long = Object.values(labelledEvaluationSentences()).flat().filter((s) => matchWords(s).length >= QUOTE_MIN_WORDS);
  assert.equal(findOverlaps(docs, long).found.length, 0, "no labelled sentence of 8+ words occurs in the pre-training text");
});
