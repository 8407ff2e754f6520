/**
 * How well sentence vectors separate the chatbot's intents, three ways:
 *  - ARI and NMI of K-Means (k = number of intents) against the intents, averaged over seeds
 *    (K-Means depends on its start; the spread is reported);
 *  - nearest-neighbour intent accuracy: for each question, does its most similar other question
 *    (cosine) have the same intent? (leave-one-out 1-NN; what a retrieval chatbot does).
 */
import { adjustedRandIndex, kmeans, normalizedMutualInfo } from "../analysis";
import { nearestNeighbors } from "../analysis/similarity";

export interface EncoderScores {
  ari: number;
  ariStd: number;
  nmi: number;
  nmiStd: number;
  /** Leave-one-out 1-NN intent accuracy (cosine). */
  nnAccuracy: number;
  seeds: number;
}

/** Leave-one-out nearest-neighbour accuracy with cosine similarity. */
export function nearestNeighbourAccuracy(X: number[][], labels: readonly number[]): number {
  const nn = nearestNeighbors(X, 1);
  let ok = 0;
  nn.forEach((row, i) => {
    if (row.length && labels[row[0].index] === labels[i]) ok++;
  });
  return ok / X.length;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));

/** ARI / NMI over `seeds` K-Means runs (10 restarts each) and the 1-NN accuracy. */
export function scoreEncoder(X: number[][], labels: readonly number[], seeds = 5): EncoderScores {
  // K-Means cannot make more clusters than there are distinct vectors (a collapsed encoder).
  const k = Math.min(new Set(labels).size, new Set(X.map((r) => r.join(","))).size);
  const aris: number[] = [];
  const nmis: number[] = [];
  for (let s = 0; s < seeds; s++) {
    const km = kmeans(X, k, { nInit: 10, seed: s });
    aris.push(adjustedRandIndex(labels, km.labels));
    nmis.push(normalizedMutualInfo(labels, km.labels));
  }
  return { ari: mean(aris), ariStd: std(aris), nmi: mean(nmis), nmiStd: std(nmis), nnAccuracy: nearestNeighbourAccuracy(X, labels), seeds };
}
