/**
 * Sentence pairs scored by a bi-encoder (Reimers & Gurevych 2019, SBERT): each sentence is embedded
 * on its own and a pair's score is the cosine of its two vectors; a threshold chosen on the
 * training pairs turns scores into "paraphrase / different". The alternative, a cross-encoder,
 * reads both sentences together through one BERT pass (lib/finetuning, task "sentence" with pairs).
 *
 *   const train = await cosinePairScores(encoder, split.train);
 *   const t = bestThreshold(train, split.train.labels);        // maximises training accuracy
 *   const test = await cosinePairScores(encoder, split.test);
 *   thresholdScores(test, split.test.labels, t)                 // { accuracy, f1, … }
 *
 * TF-IDF is fitted on the sentences of the set it scores (its vocabulary and IDF come from them;
 * no labels are read).
 */
import type { SentenceEncoder } from "./encoders";

import { cosine } from "../analysis/similarity";
export { cosine }; // the one cosine, in lib/analysis/similarity.ts

/** Each pair's cosine; every distinct sentence is embedded once. */
export async function cosinePairScores(encoder: SentenceEncoder, set: { texts: readonly string[]; pairs: readonly string[] }): Promise<number[]> {
  const unique = [...new Set([...set.texts, ...set.pairs])];
  const vectors = await encoder.embed(unique);
  const at = new Map(unique.map((s, i) => [s, vectors[i]]));
  return set.texts.map((t, i) => cosine(at.get(t)!, at.get(set.pairs[i])!));
}

export interface ThresholdScores {
  threshold: number;
  accuracy: number;
  /** F1 of the positive class (paraphrase), as MRPC and QQP report it. */
  f1: number;
  precision: number;
  recall: number;
}

/** Accuracy and positive-class F1 of "score ≥ threshold ⇒ 1". */
export function thresholdScores(scores: readonly number[], labels: readonly number[], threshold: number): ThresholdScores {
  return binaryScores(scores.map((s) => (s >= threshold ? 1 : 0)), labels, threshold);
}

/** Accuracy, precision, recall and F1 of the positive class for 0/1 predictions. */
export function binaryScores(pred: readonly number[], labels: readonly number[], threshold = NaN): ThresholdScores {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let ok = 0;
  pred.forEach((p, i) => {
    if (p === labels[i]) ok++;
    if (p === 1 && labels[i] === 1) tp++;
    else if (p === 1) fp++;
    else if (labels[i] === 1) fn++;
  });
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  return { threshold, accuracy: labels.length ? ok / labels.length : 0, f1: 2 * tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : 0, precision, recall };
}

/** The threshold (midway between two sorted scores) with the highest accuracy on these pairs. */
export function bestThreshold(scores: readonly number[], labels: readonly number[]): number {
  const sorted = [...new Set(scores)].sort((a, b) => a - b);
  const candidates = [sorted[0] - 1e-9, ...sorted.slice(1).map((s, i) => (s + sorted[i]) / 2), sorted[sorted.length - 1] + 1e-9];
  let best = candidates[0];
  let bestAcc = -1;
  for (const c of candidates) {
    const acc = thresholdScores(scores, labels, c).accuracy;
    if (acc > bestAcc) [best, bestAcc] = [c, acc];
  }
  return best;
}
