/**
 * BPE and Unigram tokenizers (lib/text/bpe.ts, lib/text/unigram.ts): round trips, small examples
 * worked by hand, and references from the trainers available offline — Hugging Face tokenizers'
 * BpeTrainer and SentencePiece's Unigram trainer, run by tests/fixtures/tokenizer-families/make_reference.py
 * on the same pre-tokenised Brown text (documents 0–9).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadCorpus } from "../../lib/data/corpus";
import { normalize, preTokenize } from "../../lib/text";
import { Bpe, trainBpe, trainBpeFromCounts } from "../../lib/text/bpe";
import { Unigram, trainUnigram, trainUnigramFromCounts, viterbi } from "../../lib/text/unigram";
import { barePiece, familyStats, vocabOverlap } from "../../lib/text/families";
import { countWords } from "../../lib/text/wordpiece-trainer";

const SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
const ref = JSON.parse(fs.readFileSync(path.join(__dirname, "../fixtures/tokenizer-families/reference.json"), "utf8"));
const brown = loadCorpus("brown");
// The reference's training text and test words (tests/fixtures/tokenizer-families/export-words.ts).
const trainCounts = countWords(brown.slice(0, 10).map((d) => d.text));
const testWords = Object.keys(ref.unigram.encodings);

test("BPE, worked by hand: Sennrich et al.'s low/lower/newest/widest (5, 2, 6, 3 times)", () => {
  const counts = new Map([["low", 5], ["lower", 2], ["newest", 6], ["widest", 3]]);
  const m = trainBpeFromCounts(counts, { vocabSize: 100 });
  // Pair counts at the start: e s 9, s t</w> 9 (tie: the pair of smaller ids, e < s), then es t</w> 9, l o 7,
  // e w / n e / w est</w> 6 (tie: e < n < w), n ew 6, new est</w> 6, lo w</w> 5, then the 3s of "widest"
  // (d < i < w), then the 2s of "lower" (e r</w>, w er</w>, lo wer</w>). After that no pair occurs twice.
  assert.deepEqual(m.merges, ["e s", "es t</w>", "l o", "e w", "n ew", "new est</w>", "lo w</w>", "d est</w>", "i dest</w>", "w idest</w>", "e r</w>", "w er</w>", "lo wer</w>"]);
  const bpe = new Bpe(m);
  assert.deepEqual(bpe.encodeWord("newest"), ["newest</w>"]);
  // An unseen word replays the merges in order: e s, es t</w>, l o — and "low" is only a whole word (low</w>).
  assert.deepEqual(bpe.encodeWord("lowest"), ["lo", "w", "est</w>"]);
  assert.deepEqual(bpe.encodeWord("wow!"), ["w", "o", "w", "[UNK]"], "a character outside the alphabet is [UNK] on its own");
});

test("Unigram Viterbi, worked by hand: the most probable segmentation wins, not the longest first piece", () => {
  const logp = new Map([["▁", -5], ["u", -4], ["n", -4], ["h", -4], ["a", -4], ["p", -4], ["y", -4], ["▁un", -3], ["▁unh", -2], ["happy", -3], ["hap", -2.5], ["py", -2.5], ["appy", -4.5]]);
  // ▁un + happy = -6 beats ▁unh + appy = -6.5 and ▁un + hap + py = -8: greedy longest match (WordPiece) would take ▁unh.
  assert.deepEqual(viterbi("▁unhappy", logp, 16), ["▁un", "happy"]);
  const vocab = [...SPECIALS, ...logp.keys()];
  const u = new Unigram({ vocab, scores: [...SPECIALS.map(() => 0), ...logp.values()], rounds: 0, words: 0 });
  assert.deepEqual(u.encodeWord("unhappy"), ["▁un", "happy"]);
  assert.equal(u.score("unhappy"), -6);
  assert.deepEqual(u.encodeWord("unhappy!"), ["▁un", "happy", "[UNK]"]);
});

test("Unigram training on four words: frequent words become one piece, every character stays, probabilities sum to 1", () => {
  const counts = new Map([["hello", 50], ["help", 20], ["world", 30], ["word", 10]]);
  const m = trainUnigramFromCounts(counts, { vocabSize: SPECIALS.length + 16 });
  // EM drops pieces expected less than half a time, so a tiny corpus may end below the size asked for.
  assert.ok(m.vocab.length <= SPECIALS.length + 16 && m.vocab.length > SPECIALS.length + 9, `${m.vocab.length} entries`);
  assert.deepEqual(m.vocab.slice(0, 5), SPECIALS);
  const pieces = m.vocab.slice(5);
  const mass = m.scores.slice(5).reduce((s, x) => s + Math.exp(x), 0);
  assert.ok(Math.abs(mass - 1) < 1e-6, `p(piece) sums to ${mass}`);
  for (const ch of "▁helowrdp") assert.ok(pieces.includes(ch), `character "${ch}" must stay`);
  const u = new Unigram(m);
  assert.deepEqual(u.encodeWord("hello"), ["▁hello"]);
  assert.deepEqual(u.encodeWord("world"), ["▁world"]);
});

test("round trip: text → pieces → text gives the normalised words back (BPE and Unigram)", () => {
  const texts = brown.slice(0, 3).map((d) => d.text);
  const bpe = new Bpe(trainBpe(texts, { vocabSize: 500 }));
  const uni = new Unigram(trainUnigram(texts, { vocabSize: 500 }));
  for (const text of texts.concat(["The whale was unbelievably enormous.", "Recieve the acommodation."])) {
    const words = preTokenize(normalize(text)).join(" ");
    assert.equal(bpe.decode(bpe.encode(text)), words);
    assert.equal(uni.decode(uni.encode(text)), words);
  }
});

test("BPE against Hugging Face tokenizers' BpeTrainer: the same merges in the same order, the same encodings", () => {
  const m = trainBpeFromCounts(trainCounts, { vocabSize: ref.bpe.vocabSize });
  // The vocabularies differ by one entry (tokenizers adds "c</w>" only for characters seen at a word's end), so it learns one merge more.
  const n = Math.min(m.merges.length, ref.bpe.merges.length);
  assert.ok(n > 450);
  assert.deepEqual(m.merges.slice(0, n), ref.bpe.merges.slice(0, n));
  // The encoder, given tokenizers' own merges, splits every test word as tokenizers does.
  const vocab = [...new Set([...m.vocab, ...ref.bpe.merges.map((x: string) => x.replace(" ", ""))])];
  const theirs = new Bpe({ vocab, merges: ref.bpe.merges, words: 0 });
  for (const w of testWords) assert.deepEqual(theirs.encodeWord(w), ref.bpe.encodings[w], w);
});

test("Unigram against SentencePiece: identical Viterbi encodings with its pieces; a trainer close to its", () => {
  const pieces: [string, number][] = ref.unigram.pieces;
  const theirs = new Unigram({ vocab: [...SPECIALS, ...pieces.map((p) => p[0])], scores: [...SPECIALS.map(() => 0), ...pieces.map((p) => p[1])], rounds: 0, words: 0 });
  for (const w of testWords) assert.deepEqual(theirs.encodeWord(w), ref.unigram.encodings[w], w);

  const ours = new Unigram(trainUnigramFromCounts(trainCounts, { vocabSize: ref.unigram.vocabSize }));
  assert.equal(ours.vocabSize, ref.unigram.vocabSize);
  // Measured when written (December 2026): 352 of 595 pieces in common (59%); 3.35 pieces per test word vs SentencePiece's 3.46.
  const sp = new Set(pieces.map((p) => p[0]));
  const common = ours.model.vocab.filter((p) => sp.has(p)).length;
  assert.ok(common / sp.size > 0.5, `${common} of ${sp.size} pieces in common`);
  const ppw = (f: (w: string) => string[]) => testWords.reduce((s, w) => s + f(w).length, 0) / testWords.length;
  const ratio = ppw((w) => ours.encodeWord(w)) / ppw((w) => ref.unigram.encodings[w]);
  assert.ok(ratio > 0.9 && ratio < 1.1, `pieces per word: ours / SentencePiece = ${ratio.toFixed(3)}`);
});

test("familyStats and vocabOverlap: markers stripped, rates counted per word", () => {
  assert.deepEqual(["##ing", "ing</w>", "▁ing", "ing"].map(barePiece), ["ing", "ing", "ing", "ing"]);
  const a = { name: "a", vocab: [...SPECIALS, "▁the", "▁ca", "t"], unk: "[UNK]", encodeWord: (w: string) => (w === "the" ? ["▁the"] : w === "cat" ? ["▁ca", "t"] : ["[UNK]"]) };
  const b = { name: "b", vocab: [...SPECIALS, "the</w>", "c", "a", "t</w>"], unk: "[UNK]", encodeWord: (w: string) => (w === "the" ? ["the</w>"] : ["c", "a", "t</w>"]) };
  const [sa, sb] = familyStats([a, b], ["the", "cat", "dog", "the"]);
  assert.equal(sa.piecesPerWord, 5 / 4);
  assert.equal(sa.unkWords, 1 / 4);
  assert.equal(sa.wholeWords, 3 / 4);
  assert.equal(sb.piecesPerWord, 8 / 4);
  assert.equal(sb.unkWords, 0);
  const ov = vocabOverlap([a, b]);
  assert.deepEqual(ov.find((r) => r.a === "a")!.common, 2); // "the" and "t"
  assert.equal(ov.find((r) => r.a === "b")!.share, 2 / 4);
});
