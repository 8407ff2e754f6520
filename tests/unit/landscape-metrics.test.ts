/**
 * BLEU, ROUGE-L and perplexity (lib/landscape/metrics.ts, perplexity.ts, bigram.ts) against examples
 * worked by hand — the arithmetic is in the comments, so a reader can redo it on paper — and BERT
 * pseudo-perplexity against a one-position-at-a-time implementation.
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "path";
import { initBackend, tf } from "../../lib/engine/tfjs/backend";
import { loadBert, BertModel } from "../../lib/models/bert";
import {
  corpusBleu,
  sentenceBleu,
  rougeL,
  lcsLength,
  simpleTokenize,
  perplexityFromLogProbs,
  logSoftmax,
  causalPerplexity,
  pseudoPerplexity,
  NgramLM,
  CausalLM,
} from "../../lib/landscape";

const FIXTURE = path.join(__dirname, "..", "fixtures", "tiny-bert-hf");
const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} ≠ ${b} (tolerance ${tol})`);

before(async () => {
  await initBackend();
});

// ---------------------------------------------------------------- BLEU

const REF_FOX = "the quick brown fox jumps over the lazy dog";

test("BLEU clips n-gram counts to the reference counts (Papineni et al. 2002 §2.1's example)", () => {
  // Candidate: "the" × 7. "the" appears at most 2 times in any one reference (reference 1), so the
  // modified unigram precision is 2/7, not 7/7. No bigram "the the" matches, so BLEU-4 = 0.
  const r = sentenceBleu("the the the the the the the", ["the cat is on the mat", "there is a cat on the mat"]);
  assert.deepEqual(r.matches, [2, 0, 0, 0]);
  assert.deepEqual(r.totals, [7, 6, 5, 4]);
  close(r.precisions[0], 2 / 7);
  assert.equal(r.bleu, 0);
});

test("BLEU-4 by hand: one word changed", () => {
  // hypothesis: the quick brown fox jumped over the lazy dog  (9 tokens; reference 9 tokens)
  // 1-grams: 9, all but "jumped" match (the ×2 is allowed: the reference has "the" twice) → 8/9
  // 2-grams: 8; "fox jumped", "jumped over" miss                                          → 6/8
  // 3-grams: 7; "brown fox jumped", "fox jumped over", "jumped over the" miss             → 4/7
  // 4-grams: 6; only "the quick brown fox" and "over the lazy dog" match                  → 2/6
  // c = r = 9 → BP = 1;  BLEU = (8/9 · 6/8 · 4/7 · 2/6)^(1/4) = (384/3024)^(1/4) = 0.596949…
  const r = sentenceBleu("the quick brown fox jumped over the lazy dog", REF_FOX);
  assert.deepEqual(r.matches, [8, 6, 4, 2]);
  assert.deepEqual(r.totals, [9, 8, 7, 6]);
  assert.equal(r.brevityPenalty, 1);
  close(r.bleu, Math.pow(384 / 3024, 0.25));
  close(r.bleu, 0.596949, 5e-7);
});

test("BLEU's brevity penalty: a short, all-correct hypothesis is punished", () => {
  // "the quick brown fox": p1..p4 = 4/4, 3/3, 2/2, 1/1 = 1, but c = 4 < r = 9:
  // BP = exp(1 − r/c) = exp(1 − 9/4) = exp(−1.25) = 0.286505 → BLEU = 0.286505
  const r = sentenceBleu("the quick brown fox", REF_FOX);
  assert.deepEqual(r.precisions, [1, 1, 1, 1]);
  close(r.brevityPenalty, Math.exp(-1.25));
  close(r.bleu, 0.286505, 5e-7);
  // A hypothesis longer than the reference gets no penalty (precision already punishes extra words).
  assert.equal(sentenceBleu(`${REF_FOX} today`, REF_FOX).brevityPenalty, 1);
});

test("BLEU's effective reference length: the closest reference length, ties to the shorter", () => {
  const hyp = "a b c d e"; // c = 5
  assert.equal(sentenceBleu(hyp, ["a b c d", "a b c d e f"]).refLength, 4); // |4−5| = |6−5|: the shorter, 4
  const r = sentenceBleu(hyp, ["a b c d e f", "a b c d e f g h i"]); // closest to 5 is 6
  assert.equal(r.refLength, 6);
  close(r.brevityPenalty, Math.exp(1 - 6 / 5)); // = exp(−0.2) = 0.818731
});

test("corpus BLEU sums matches over sentences before dividing (it is not the mean of sentence BLEUs)", () => {
  // Sentence 1 as above: matches 8, 6, 4, 2 of 9, 8, 7, 6.   Sentence 2 exact (6 tokens): 6, 5, 4, 3 of 6, 5, 4, 3.
  // Corpus: p = 14/15, 11/13, 8/11, 5/9;  c = r = 15 → BP = 1
  // BLEU = (14·11·8·5 / (15·13·11·9))^(1/4) = (6160/19305)^(1/4) = 0.751584…  (mean of sentence BLEUs: 0.798)
  const r = corpusBleu(["the quick brown fox jumped over the lazy dog", "the cat is on the mat"], [[REF_FOX], ["the cat is on the mat"]]);
  assert.deepEqual(r.matches, [14, 11, 8, 5]);
  assert.deepEqual(r.totals, [15, 13, 11, 9]);
  close(r.bleu, Math.pow(6160 / 19305, 0.25));
  close(r.bleu, 0.751584, 5e-7);
});

test("BLEU add-one smoothing keeps a sentence without a matching 4-gram above zero", () => {
  // "the cat sat on the mat" vs "the cat is on the mat": matches 5, 3, 1, 0 of 6, 5, 4, 3 → BLEU 0.
  // Add one to the matches and totals of n ≥ 2: 5/6, 4/6, 2/5, 1/4 → (40/720)^(1/4) = 0.485492…
  const hyp = "the cat sat on the mat";
  assert.equal(sentenceBleu(hyp, "the cat is on the mat").bleu, 0);
  const s = sentenceBleu(hyp, "the cat is on the mat", { smoothing: "add-one" });
  close(s.bleu, Math.pow(40 / 720, 0.25));
  assert.throws(() => corpusBleu(["a"], []), /1 hypotheses but 0 reference lists/);
});

test("tokenization: lowercase, punctuation split off; token arrays pass through", () => {
  assert.deepEqual(simpleTokenize("The cat, it's ON the mat!"), ["the", "cat", ",", "it's", "on", "the", "mat", "!"]);
  assert.equal(sentenceBleu(["the", "cat"], [["the", "cat"]], { maxN: 2 }).bleu, 1);
});

// ---------------------------------------------------------------- ROUGE-L

test("ROUGE-L by hand: Lin (2004) §3.1's example", () => {
  // reference "police killed the gunman"
  // candidate 1 "police kill the gunman": LCS "police the gunman" = 3 → P = R = 3/4 → F = 0.75
  // candidate 2 "the gunman kill police": LCS "the gunman" = 2 → P = R = 2/4 → F = 0.5
  // (both have the same bigram overlap, "the gunman"; ROUGE-L rewards candidate 1's word order)
  const ref = "police killed the gunman";
  const a = rougeL("police kill the gunman", ref);
  assert.deepEqual([a.lcs, a.precision, a.recall, a.f], [3, 0.75, 0.75, 0.75]);
  const b = rougeL("the gunman kill police", ref);
  assert.deepEqual([b.lcs, b.f], [2, 0.5]);
});

test("ROUGE-L by hand: different lengths, β, several references", () => {
  // cand "the cat sat on the mat today" (7), ref "the cat is on the mat" (6): LCS "the cat on the mat" = 5
  // P = 5/7, R = 5/6, F1 = 2PR/(P + R) = (50/42)/(65/42) = 10/13 = 0.769231
  // β = 2: F = (1 + 4)PR/(R + 4P) = (125/42)/(155/42) = 25/31 = 0.806452 (recall weighted more)
  const cand = "the cat sat on the mat today";
  const r = rougeL(cand, "the cat is on the mat");
  assert.equal(r.lcs, 5);
  close(r.precision, 5 / 7);
  close(r.recall, 5 / 6);
  close(r.f, 10 / 13);
  close(rougeL(cand, "the cat is on the mat", { beta: 2 }).f, 25 / 31);
  // Several references: the best F wins.
  close(rougeL(cand, ["a dog", "the cat is on the mat"]).f, 10 / 13);
  assert.equal(lcsLength(["a", "b", "c", "d"], ["b", "d", "a"]), 2);
  assert.equal(rougeL("", "x").f, 0);
});

// ---------------------------------------------------------------- perplexity

test("perplexity by hand: probabilities 1/2, 1/4, 1/8, 1/16 → 2^2.5; a uniform model over V has perplexity V", () => {
  // mean −log2 p = (1 + 2 + 3 + 4)/4 = 2.5 bits → perplexity 2^2.5 = 5.656854
  const r = perplexityFromLogProbs([0.5, 0.25, 0.125, 0.0625].map(Math.log));
  close(r.perplexity, Math.pow(2, 2.5), 1e-12);
  close(r.bitsPerToken, 2.5, 1e-12);
  const V = 37;
  const uniform: CausalLM = (ids) => ids.map(() => new Array(V).fill(0)); // equal logits
  return causalPerplexity(uniform, [[1, 2, 3, 4, 5], [6, 7, 8]]).then((u) => {
    close(u.perplexity, V, 1e-9);
    assert.equal(u.tokens, 4 + 2); // each sequence's first token has no context (no BOS given)
  });
});

test("bigram model by hand: counts, interpolation, perplexity", async () => {
  // Training texts "a b", "a b", "b a"; minCount 1; λ = 0.5.  Vocab: <s>, <unk>, a, b.
  // Unigram (add-one over the 3 predictable words, N = 6): p(a) = p(b) = (3+1)/(6+3) = 4/9, p(<unk>) = 1/9
  // Bigram counts: <s>→a 2, <s>→b 1, a→b 2, b→a 1.
  // p(a | <s>) = 0.5·2/3 + 0.5·4/9 = 5/9;   p(b | a) = 0.5·2/2 + 0.5·4/9 = 13/18
  // Perplexity of "a b" = ((5/9)·(13/18))^(−1/2) = (162/65)^(1/2) = 1.578697…
  const lm = NgramLM.train(["a b", "a b", "b a"], { minCount: 1, lambda: 0.5 });
  assert.deepEqual(lm.vocab, ["<s>", "<unk>", "a", "b"]);
  const ids = lm.encode("a b");
  assert.deepEqual(ids, [0, 2, 3]);
  close(Math.exp(lm.nextLogProbs(0)[2]), 5 / 9);
  close(Math.exp(lm.nextLogProbs(2)[3]), 13 / 18);
  for (const prev of [0, 1, 2, 3]) close(Array.from(lm.nextLogProbs(prev)).reduce((s, l) => s + Math.exp(l), 0), 1, 1e-12);
  close(Math.exp(lm.nextLogProbs(1)[2]), 4 / 9); // unseen context (<unk>): the unigram alone
  const r = await causalPerplexity(lm.asCausalLM(), [ids]);
  close(r.perplexity, Math.sqrt(162 / 65));
  // Unigram and uniform versions of the same counts.
  const uni = NgramLM.train(["a b", "a b", "b a"], { minCount: 1, order: 1 });
  close((await causalPerplexity(uni.asCausalLM(), [ids])).perplexity, 9 / 4); // p = 4/9 each → 9/4
  const flat = NgramLM.train(["a b", "a b", "b a"], { minCount: 1, order: 0 });
  close((await causalPerplexity(flat.asCausalLM(), [ids])).perplexity, 3); // 3 predictable words
  assert.deepEqual(lm.encode("a zebra"), [0, 2, 1]); // unknown word → <unk>
  // The O(1)-per-token path gives the generic function's result.
  const seqs = [lm.encode("a b a a b"), lm.encode("b b zebra a")];
  close(lm.perplexity(seqs).perplexity, (await causalPerplexity(lm.asCausalLM(), seqs)).perplexity, 1e-12);
  close(flat.perplexity(seqs).perplexity, 3, 1e-12);
});

test("sliding window: every target scored once, with the context the window allows", async () => {
  // A fake LM over {0, 1} whose row j (j tokens of context before it in the window) gives
  // logits [0, j]: p(1) = σ(j), so the nll tells which context each target got.
  // Ten 1s, contextLength 4, default stride 3 (windows overlap by one token): inputs [0,4) [3,7) [6,10),
  // each scoring 3 targets with j = 0, 1, 2. Stride 2: inputs [0,3) [1,5) [3,7) [5,9) [6,10) score
  // targets 1–2, 3–4, 5–6, 7–8, 9 with j = 0,1 | 1,2 | 1,2 | 1,2 | 2: more context, more passes.
  const lm: CausalLM = (ids) => ids.map((_, j) => [0, j]);
  const seq = new Array(10).fill(1);
  const nlSig = (j: number) => Math.log(1 + Math.exp(-j));
  const sum = (js: number[]) => js.reduce((s, j) => s + nlSig(j), 0);
  const r = await causalPerplexity(lm, [seq], { contextLength: 4 });
  assert.equal(r.tokens, 9);
  close(r.nll, sum([0, 1, 2, 0, 1, 2, 0, 1, 2]), 1e-12);
  const r2 = await causalPerplexity(lm, [seq], { contextLength: 4, stride: 2 });
  assert.equal(r2.tokens, 9);
  close(r2.nll, sum([0, 1, 1, 2, 1, 2, 1, 2, 2]), 1e-12);
  // Whole-sequence context: j = 0 … 8.
  close((await causalPerplexity(lm, [seq])).nll, sum([0, 1, 2, 3, 4, 5, 6, 7, 8]), 1e-12);
  await assert.rejects(causalPerplexity(lm, [seq], { contextLength: 4, stride: 4 }), /stride ≤ contextLength − 1/);
  // A BOS id makes the first token count too; a tensor-returning LM is read and disposed.
  const t = tf();
  const before = t.memory().numTensors;
  const tensorLm: CausalLM = (ids) => t.tensor2d(ids.map((_, j) => [0, j]));
  const r3 = await causalPerplexity(tensorLm, [seq], { bosId: 1 });
  assert.equal(r3.tokens, 10);
  assert.equal(t.memory().numTensors, before);
});

test("logSoftmax is stable for large logits", () => {
  const l = logSoftmax([1000, 1000]);
  close(l[0], Math.log(0.5));
});

// ---------------------------------------------------------------- BERT pseudo-perplexity

/** The definition, one masked position per forward pass (no batching, full MLM logits). */
function naivePll(model: BertModel, seq: number[], maskId: number, skip: Set<number>): { pll: number; n: number } {
  const t = tf();
  let pll = 0;
  let n = 0;
  seq.forEach((tok, p) => {
    if (skip.has(tok)) return;
    const ids = seq.slice();
    ids[p] = maskId;
    const out = model.forward({ inputIds: [ids] });
    const logits = (out.mlmLogits!.arraySync() as number[][][])[0][p];
    for (const x of [...out.hiddenStates, out.poolerOutput, out.mlmLogits, out.nspLogits]) x?.dispose();
    pll += logSoftmax(logits)[tok];
    n++;
    void t;
  });
  return { pll, n };
}

test("pseudo-perplexity: batched masked copies = masking one position at a time; padding trimmed; no leaks", async () => {
  const t = tf();
  const model = await loadBert(FIXTURE);
  const MASK = 4;
  const skip = new Set([0, 2, 3]); // [PAD], [CLS], [SEP] in the fixture's vocab
  const seqs = [
    [2, 93, 16, 67, 32, 66, 21, 81, 3],
    [2, 41, 55, 96, 81, 27, 3],
  ];
  const warm = await pseudoPerplexity(model, seqs, { maskId: MASK, skipIds: skip });
  const before = t.memory().numTensors;
  const r = await pseudoPerplexity(model, seqs, { maskId: MASK, skipIds: skip, batchSize: 3 });
  assert.equal(t.memory().numTensors, before);
  let pll = 0;
  let n = 0;
  seqs.forEach((s, i) => {
    const ref = naivePll(model, s, MASK, skip);
    close(r.perSequence[i].pll, ref.pll, 1e-4);
    assert.equal(r.perSequence[i].tokens, ref.n);
    pll += ref.pll;
    n += ref.n;
  });
  assert.equal(r.tokens, 7 + 5);
  close(r.pseudoPerplexity, Math.exp(-pll / n), 1e-3);
  close(r.nll, warm.nll, 1e-4); // batch size does not change the result
  // Trailing padding is cut off when padId is given: same result as the unpadded sequence.
  const padded = await pseudoPerplexity(model, [[...seqs[1], 0, 0, 0]], { maskId: MASK, skipIds: skip, padId: 0 });
  close(padded.perSequence[0].pll, r.perSequence[1].pll, 1e-4);
  model.dispose();
  const bare = await loadBert(FIXTURE, { heads: { mlm: false, nsp: false } });
  await assert.rejects(pseudoPerplexity(bare, seqs, { maskId: MASK }), /needs the MLM head/);
  bare.dispose();
});
