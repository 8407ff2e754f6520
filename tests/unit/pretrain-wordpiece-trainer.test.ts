/** WordPiece vocabulary trainer: learned merges, special tokens first, and a round trip through BertTokenizer. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { loadCorpus } from "../../lib/data/corpus";
import { BertTokenizer, normalize, preTokenize } from "../../lib/text";
import { trainWordPiece, tokenizerJsonFor, vocabText } from "../../lib/text/wordpiece-trainer";

const docs = loadCorpus("moby").slice(0, 40);
const texts = docs.map((d) => d.text);
const trained = trainWordPiece(texts, { vocabSize: 2000 });

test("the trained vocabulary: specials first, size as asked, frequent words whole, ## continuations", () => {
  assert.deepEqual(trained.vocab.slice(0, 5), ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]);
  assert.equal(trained.vocab.length, 2000);
  assert.equal(new Set(trained.vocab).size, 2000, "duplicate tokens");
  for (const w of ["the", "whale", "ahab", "sea"]) assert.ok(trained.vocab.includes(w), `"${w}" should be one token`);
  assert.ok(trained.vocab.some((t) => t.startsWith("##") && t.length > 3), "no multi-character continuation pieces");
  // Deterministic.
  assert.deepEqual(trainWordPiece(texts.slice(0, 5), { vocabSize: 400 }).vocab, trainWordPiece(texts.slice(0, 5), { vocabSize: 400 }).vocab);
});

test("round trip: text → trained WordPiece tokens → text gives back the (normalised) words, no [UNK]", () => {
  for (const tk of [BertTokenizer.fromTokenizerJson(tokenizerJsonFor(trained.vocab)), BertTokenizer.fromVocab(vocabText(trained.vocab))]) {
    let words = 0;
    for (const text of texts.slice(0, 10).concat(["Call me Ishmael. Some years ago—never mind how long precisely—I went to sea."])) {
      const expected = preTokenize(normalize(text));
      const pieces = tk.tokenize(text);
      assert.ok(!pieces.includes("[UNK]"), "a word of the training text became [UNK]");
      // Glue ## pieces back into words.
      const rebuilt: string[] = [];
      for (const p of pieces) {
        if (p.startsWith("##")) rebuilt[rebuilt.length - 1] += p.slice(2);
        else rebuilt.push(p);
      }
      assert.deepEqual(rebuilt, expected);
      const ids = tk.encode(text).ids;
      assert.equal(tk.decode(ids, { skipSpecialTokens: true }).replace(/\s+/g, ""), expected.join(""));
      words += expected.length;
    }
    assert.ok(words > 10_000);
  }
  // Unseen words still segment (characters are in the vocabulary).
  const tk = BertTokenizer.fromTokenizerJson(tokenizerJsonFor(trained.vocab));
  assert.ok(!tk.tokenize("transformers pretraining").includes("[UNK]"));
  assert.ok(tk.tokenize("pretraining").length > 1);
});

test("WordPiece's likelihood rule merges the pair with the highest freq(ab)/(freq(a)·freq(b)) (the Hugging Face course's example)", () => {
  // hug ×10, pug ×5, pun ×12, bun ×4, hugs ×5: "##g ##s" scores 5 / (20 · 5) = 1/20, the highest;
  // the frequency rule (BPE's, Hugging Face's WordPieceTrainer) merges "##u ##g" (20 times) first instead.
  const text = [..."hug ".repeat(10).split(" "), ..."pug ".repeat(5).split(" "), ..."pun ".repeat(12).split(" "), ..."bun ".repeat(4).split(" "), ..."hugs ".repeat(5).split(" ")].filter(Boolean).join(" ");
  const opts = { vocabSize: 17, minFrequency: 1 }; // 5 special tokens + 11 symbols (b g h n p s u, ##u ##g ##n ##s) + 1 merge
  const likelihood = trainWordPiece([text], { ...opts, scoring: "likelihood" });
  const frequency = trainWordPiece([text], { ...opts, scoring: "frequency" });
  assert.equal(likelihood.merges[0], "##g ##s");
  assert.equal(frequency.merges[0], "##u ##g");
});
