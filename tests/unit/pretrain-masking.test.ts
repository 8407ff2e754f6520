/** MLM masking (BERT §3.1): 15% of non-special tokens, 80/10/10, labels -100 elsewhere, whole words, seeded. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "path";
import { mulberry32 } from "../../lib/data/split";
import { loadCorpus } from "../../lib/data/corpus";
import { BertTokenizer } from "../../lib/text";
import { maskTokens, specialIdSet, MaskingOptions, prepareCorpus, PretrainStream } from "../../lib/pretraining";

const tok = BertTokenizer.fromDir(path.join(__dirname, "..", "fixtures", "tokenizers", "bert-base-uncased"));
const isSpecial = specialIdSet(tok);
const opts: MaskingOptions = { maskId: tok.maskId, vocabSize: tok.vocabSize, isSpecial };

/** Real text as [CLS] A [SEP] B [SEP] [PAD]… sequences of length 128, with word starts. */
function sequences(minTokens: number): { ids: number[]; starts: number[] }[] {
  const docs = loadCorpus("moby");
  const out: { ids: number[]; starts: number[] }[] = [];
  let total = 0;
  for (const d of docs) {
    const toks = tok.tokenize(d.text);
    for (let i = 0; i + 100 < toks.length && total < minTokens; i += 100) {
      const a = toks.slice(i, i + 40 + (i % 37));
      const b = toks.slice(i + 60, i + 100);
      const all = ["[CLS]", ...a, "[SEP]", ...b, "[SEP]"];
      while (all.length < 128) all.push("[PAD]");
      out.push({ ids: all.map((t) => tok.tokenToId(t)), starts: all.map((t) => (t.startsWith("##") ? 0 : 1)) });
      total += a.length + b.length;
    }
    if (total >= minTokens) break;
  }
  return out;
}

test("masking rates over ≥ 100k tokens: 15% chosen; of those 80% [MASK], 10% random, 10% unchanged (each ±1 point)", () => {
  const seqs = sequences(250_000);
  const rng = mulberry32(1);
  let candidates = 0, chosen = 0, masked = 0, random = 0, same = 0;
  for (const s of seqs) {
    const m = maskTokens(s.ids, rng, opts);
    candidates += s.ids.filter((id) => !isSpecial(id)).length;
    for (let i = 0; i < s.ids.length; i++) {
      if (m.labels[i] === -100) {
        assert.equal(m.inputIds[i], s.ids[i], "a position that is not chosen is never changed");
        continue;
      }
      chosen++;
      assert.equal(m.labels[i], s.ids[i], "the label is the original token");
      if (m.inputIds[i] === tok.maskId) masked++;
      else if (m.inputIds[i] === s.ids[i]) same++;
      else random++;
    }
  }
  assert.ok(candidates >= 100_000, `measured over ${candidates} tokens`);
  const pct = (x: number, of: number) => (100 * x) / of;
  console.log(`# ${candidates} tokens: chosen ${pct(chosen, candidates).toFixed(2)}%; of chosen: [MASK] ${pct(masked, chosen).toFixed(2)}%, random ${pct(random, chosen).toFixed(2)}%, unchanged ${pct(same, chosen).toFixed(2)}%`);
  assert.ok(Math.abs(pct(chosen, candidates) - 15) <= 1, `chosen ${pct(chosen, candidates)}%`);
  assert.ok(Math.abs(pct(masked, chosen) - 80) <= 1, `[MASK] ${pct(masked, chosen)}%`);
  assert.ok(Math.abs(pct(random, chosen) - 10) <= 1, `random ${pct(random, chosen)}%`);
  assert.ok(Math.abs(pct(same, chosen) - 10) <= 1, `unchanged ${pct(same, chosen)}%`);
});

test("special tokens and padding are never chosen, and random replacements are never special", () => {
  const seqs = sequences(30_000);
  const rng = mulberry32(2);
  for (const wholeWord of [false, true]) {
    for (const s of seqs) {
      // A heavy masking rate makes any slip visible.
      const m = maskTokens(s.ids, rng, { ...opts, maskProb: 0.9, wholeWord }, s.starts);
      for (let i = 0; i < s.ids.length; i++) {
        if (isSpecial(s.ids[i])) {
          assert.equal(m.labels[i], -100, `special token ${tok.idToToken(s.ids[i])} at ${i} was chosen`);
          assert.equal(m.inputIds[i], s.ids[i]);
        } else if (m.labels[i] !== -100 && m.inputIds[i] !== s.ids[i] && m.inputIds[i] !== tok.maskId) {
          assert.ok(!isSpecial(m.inputIds[i]), "a random replacement is a special token");
        }
      }
    }
  }
  // Only padding and specials: nothing to choose.
  const pads = [tok.clsId, tok.sepId, tok.padId, tok.padId];
  assert.deepEqual([...maskTokens(pads, rng, opts).labels], [-100, -100, -100, -100]);
});

test("whole-word masking chooses every piece of a word or none", () => {
  const seqs = sequences(20_000);
  const rng = mulberry32(3);
  let words = 0;
  for (const s of seqs) {
    const m = maskTokens(s.ids, rng, { ...opts, wholeWord: true }, s.starts);
    for (let i = 1; i < s.ids.length; i++) {
      if (s.starts[i] === 0 && !isSpecial(s.ids[i]) && !isSpecial(s.ids[i - 1])) {
        assert.equal(m.labels[i] === -100, m.labels[i - 1] === -100, `piece ${tok.idToToken(s.ids[i])} masked apart from its word`);
        words++;
      }
    }
  }
  assert.ok(words > 100);
});

test("masking is seeded: same seed, same masks; other seed, other masks", () => {
  const [s] = sequences(200);
  const a = maskTokens(s.ids, mulberry32(7), opts);
  const b = maskTokens(s.ids, mulberry32(7), opts);
  const c = maskTokens(s.ids, mulberry32(8), opts);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.positions, c.positions);
});

test("the training stream masks real pairs: labels only at masked rows, padding never a target", () => {
  const docs = loadCorpus("moby").slice(0, 12);
  const corpus = prepareCorpus(docs, tok, { heldOutFraction: 0 });
  const st = new PretrainStream(corpus.train, { seed: 1, maxLength: 64, clsId: tok.clsId, sepId: tok.sepId, padId: tok.padId, masking: opts });
  const b = st.batch(0, 16);
  for (let k = 0; k < b.mlmRows.length; k++) {
    const r = b.mlmRows[k];
    assert.equal(b.attentionMask[r], 1, "a masked row is a real token");
    assert.ok(!isSpecial(b.mlmLabels[k]));
  }
  assert.deepEqual(st.batch(0, 16), b, "the same stream position gives the same batch");
});
