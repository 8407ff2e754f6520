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
  /** Mean ARI over the seeds. */
  ari: number;
  ariStd: number;
  nmi: number;
  nmiStd: number;
  /** Leave-one-out 1-NN intent accuracy (cosine). */
  nnAccuracy: number;
  seeds: number;
  /** ARI and NMI of each seed's K-Means run, in seed order (0, 1, …). [seeds] */
  aris: number[];
  nmis: number[];
}

export interface ScoreOptions {
  /** K-Means runs with seeds 0 … seeds−1. Default 5. */
  seeds?: number;
  /**
   * Restarts per run (the lowest inertia wins). Default 10, scikit-learn's n_init before 1.4;
   * 1 is scikit-learn ≥ 1.4's n_init="auto" for k-means++, and shows the spread of a single run.
   */
  nInit?: number;
  /** Leave-one-out 1-NN accuracy too (n² cosines). Default true. */
  nearestNeighbour?: boolean;
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

/**
 * ARI / NMI of K-Means (k = number of labels) over seeds 0 … seeds−1 and the 1-NN accuracy.
 * `options` may be the number of seeds (10 restarts each). Stds are population stds (÷ seeds).
 */
export function scoreEncoder(X: number[][], labels: readonly number[], options: number | ScoreOptions = {}): EncoderScores {
  const o = typeof options === "number" ? { seeds: options } : options;
  const seeds = o.seeds ?? 5;
  // K-Means cannot make more clusters than there are distinct vectors (a collapsed encoder, or
  // the [CLS] vector of the embedding layer, which is the same for every sentence).
  const k = Math.min(new Set(labels).size, new Set(X.map((r) => r.join(","))).size);
  const aris: number[] = [];
  const nmis: number[] = [];
  for (let s = 0; s < seeds; s++) {
    const km = kmeans(X, k, { nInit: o.nInit ?? 10, seed: s });
    aris.push(adjustedRandIndex(labels, km.labels));
    nmis.push(normalizedMutualInfo(labels, km.labels));
  }
  const nnAccuracy = o.nearestNeighbour === false ? NaN : nearestNeighbourAccuracy(X, labels);
  return { ari: mean(aris), ariStd: std(aris), nmi: mean(nmis), nmiStd: std(nmis), nnAccuracy, seeds, aris, nmis };
}
