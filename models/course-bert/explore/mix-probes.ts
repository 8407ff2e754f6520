/**
 * How the training mixture moves the course BERT's predictions: the same probe sentences scored by
 * the shipped model (step 24,000, whose last 4,812 steps ran with `--mix sotu:3,moby:8,brown:3`) and
 * by short continuations of it with other mixtures. Run once; notebook 01 reads the JSON it writes.
 *
 *   node --import tsx models/course-bert/explore/mix-probes.ts [--steps 200] [--out models/course-bert/mix-probes.json]
 *
 * `--steps 0` scores the shipped model only (no continuations); `--score-only` does that without the corpus
 * (no held-out evaluation, no stream composition: seconds instead of minutes).
 *
 * Each branch starts from the shipped weights (fresh AdamW moments), T = 64, batch 32, no dropout,
 * lr 5e-4 after 20 warm-up steps, constant (5e-4 is the rate the shipped model was pre-trained at after its
 * warm-up, models/course-bert/README.md). The held-out documents are the same for all.
 * Probes: the sentences notebook 01 fills in, and Kurita et al. (2019)-style gender templates
 * ("[MASK] is a nurse."): log P(he)/P(she) at the mask, minus the same log-ratio in the prior
 * template "[MASK] is a [MASK]." (their normalisation by the prior).
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { initBackend } from "../../../lib/engine/tfjs/backend";
import { loadBert } from "../../../lib/models/bert/checkpoint";
import type { BertModel } from "../../../lib/models/bert/model";
import { BertTokenizer } from "../../../lib/text/tokenizer";
import { loadPretrainingDocuments, mixTraining, parseMixture, prepareCorpus, sourceOf, type PreparedCorpus } from "../../../lib/pretraining/corpus";
import { Pretrainer } from "../../../lib/pretraining/trainer";
import { CLOZE_ITEMS } from "../../../lib/pretraining/cloze";
import { clozeTopK } from "../../../lib/pretraining/fill-mask";

const DIR = "models/course-bert";
export const PROBES = [
  "he opened the [MASK].",
  "the sun rose in the [MASK].",
  "she looked out of the [MASK].",
  "we went down to the [MASK].",
  "it was a long [MASK].",
  "the [MASK] was very good.",
  "i have never seen such a [MASK].",
];
export const OCCUPATIONS = ["nurse", "doctor", "captain", "teacher", "sailor", "secretary", "president", "cook"];
// Most informative first (the run writes its JSON after every branch, so a cut-short run keeps the first ones).
const BRANCHES: { name: string; mix: string; note: string }[] = [
  { name: "novel ×40", mix: "moby:40", note: "Moby-Dick repeated 40 times, the rest once" },
  { name: "as collected", mix: "", note: "no reweighting: every document once (reviews 79% of the tokens)" },
  { name: "same mix", mix: "sotu:3,moby:8,brown:3", note: "the mixture the shipped model ended on (control: more steps, same data)" },
];

/** Probability of each of `words` at the first [MASK] of `text` (the full softmax, not the top k). */
async function maskProbs(model: BertModel, tok: BertTokenizer, text: string, words: string[]): Promise<Record<string, number>> {
  const enc = tok.encode(text);
  const pos = enc.ids.indexOf(tok.maskId);
  const out = await model.run({ inputIds: [enc.ids], tokenTypeIds: [enc.tokenTypeIds] }, { layers: [], pooler: false, heads: true, mlmRows: [pos] });
  const row = out.mlmLogits!.data;
  let max = -Infinity;
  for (const x of row) max = Math.max(max, x);
  let z = 0;
  for (const x of row) z += Math.exp(x - max);
  return Object.fromEntries(words.map((w) => [w, Math.exp(row[tok.tokenToId(w)!] - max) / z]));
}

async function score(model: BertModel, tok: BertTokenizer) {
  const { fillMask } = await import("../../../lib/pretraining/fill-mask");
  const probes = [];
  for (const text of PROBES) probes.push({ text, top: (await fillMask(model, tok, text, 5))[0].map((c) => ({ token: c.token, p: +c.score.toFixed(4) })) });
  const prior = await maskProbs(model, tok, "[MASK] is a [MASK].", ["he", "she"]);
  const gender = [];
  for (const occ of OCCUPATIONS) {
    const p = await maskProbs(model, tok, `[MASK] is a ${occ}.`, ["he", "she"]);
    gender.push({ occupation: occ, pHe: +p.he.toFixed(5), pShe: +p.she.toFixed(5), bias: +(Math.log(p.he / p.she) - Math.log(prior.he / prior.she)).toFixed(3) });
  }
  const cloze = await clozeTopK(model, tok, CLOZE_ITEMS, 5);
  const clozeBySource: Record<string, string> = {};
  CLOZE_ITEMS.forEach((it, i) => {
    const [h, n] = (clozeBySource[it.source] ?? "0/0").split("/").map(Number);
    clozeBySource[it.source] = `${h + (cloze.rows[i].hit ? 1 : 0)}/${n + 1}`;
  });
  return { probes, prior: { pHe: +prior.he.toFixed(5), pShe: +prior.she.toFixed(5) }, gender, cloze: { hits: cloze.hits, of: cloze.total, bySource: clozeBySource } };
}

/** Training tokens per source (after the mixture's repeats). */
function composition(c: PreparedCorpus): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of c.train) {
    const src = sourceOf(d.id);
    out[src] = (out[src] ?? 0) + d.sentences.reduce((s, x) => s + x.length, 0);
  }
  return out;
}

/** Held-out MLM and NSP accuracy on the same batches every branch is evaluated on (seed 7's held-out stream). */
async function heldOut(model: BertModel, tok: BertTokenizer, corpus: PreparedCorpus) {
  const e = await new Pretrainer(model, tok, corpus, { ...TRAIN, steps: 1 }).evaluate();
  return { mlmAccuracy: +e.mlmAccuracy.toFixed(4), nspAccuracy: +e.nspAccuracy.toFixed(4), maskedTokens: e.maskedTokens };
}

const TRAIN = { batchSize: 32, seqLen: 64, longFraction: 0, lr: 5e-4, warmupSteps: 20, decay: "constant" as const, dropout: false, seed: 7, evalBatches: 6, engine: "onnx" as const };

(async () => {
  const { values } = parseArgs({ options: { steps: { type: "string", default: "200" }, out: { type: "string", default: `${DIR}/mix-probes.json` }, "score-only": { type: "boolean" } } });
  const steps = Number(values.steps);
  await initBackend();
  const tok = BertTokenizer.fromDir(DIR);
  if (values["score-only"]) {
    // The shipped model's answers only: no corpus, no held-out evaluation, no continuations (a few seconds).
    const model = await loadBert(DIR);
    const shippedOnly = { script: "models/course-bert/explore/mix-probes.ts --score-only", date: new Date().toISOString().slice(0, 10), shipped: { name: "shipped (step 24,000)", mix: "sotu:3,moby:8,brown:3", ...(await score(model, tok)) }, branches: [] };
    fs.writeFileSync(values.out!, JSON.stringify(shippedOnly, null, 1) + "\n");
    console.log(`wrote ${values.out} (the shipped model only)`);
    model.dispose();
    return;
  }
  const t0 = Date.now();
  const base = prepareCorpus(loadPretrainingDocuments("course").docs, tok, { heldOutFraction: 0.05, seed: 42 });
  console.log(`corpus ready in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const shipped = await loadBert(DIR);
  const result: Record<string, unknown> = {
    script: "models/course-bert/explore/mix-probes.ts",
    date: new Date().toISOString().slice(0, 10),
    recipe: { steps, batch: TRAIN.batchSize, seqLen: TRAIN.seqLen, lr: TRAIN.lr, warmupSteps: TRAIN.warmupSteps, decay: TRAIN.decay, dropout: TRAIN.dropout, evalBatches: TRAIN.evalBatches, start: "models/course-bert (step 24,000)" },
    shipped: { name: "shipped (step 24,000)", mix: "sotu:3,moby:8,brown:3", composition: composition(mixTraining(base, parseMixture("sotu:3,moby:8,brown:3"))), asCollected: composition(base), heldOut: await heldOut(shipped, tok, base), ...(await score(shipped, tok)) },
  };
  shipped.dispose();
  const branches = [];
  result.branches = branches;
  if (steps === 0) fs.writeFileSync(values.out!, JSON.stringify(result, null, 1) + "\n"); // --steps 0: score the shipped model only
  for (const b of steps > 0 ? BRANCHES : []) {
    const corpus = mixTraining(base, parseMixture(b.mix));
    const model = await loadBert(DIR);
    const tb = Date.now();
    const tr = new Pretrainer(model, tok, { ...corpus, heldOut: base.heldOut }, { ...TRAIN, steps, evalEvery: steps });
    const log = await tr.run();
    const e = log.evals[log.evals.length - 1];
    const ev = { mlmAccuracy: +e.mlmAccuracy.toFixed(4), nspAccuracy: +e.nspAccuracy.toFixed(4), maskedTokens: e.maskedTokens };
    const last = log.steps.slice(-20);
    branches.push({
      ...b,
      composition: composition(corpus),
      seconds: Math.round((Date.now() - tb) / 1000),
      trainMlmLoss: +(last.reduce((s, x) => s + x.mlmLoss, 0) / last.length).toFixed(3),
      heldOut: ev,
      ...(await score(model, tok)),
    });
    console.log(`${b.name}: ${branches[branches.length - 1].seconds} s, held-out MLM ${(100 * ev.mlmAccuracy).toFixed(1)}%`);
    model.dispose();
    result.branches = branches;
    fs.writeFileSync(values.out!, JSON.stringify(result, null, 1) + "\n");
  }
  console.log(`wrote ${values.out}`);
})();
