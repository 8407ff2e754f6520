/**
 * How close a distilled student is to its teacher, measured on sentences it never trained on, and
 * without the chatbot FAQ (which is what the student is finally judged on, so it must not choose
 * the checkpoint):
 *
 *   neighbour agreement@k: for each held-out sentence, the share of the teacher's k nearest
 *     neighbours (cosine, among the held-out sentences) that are also among the student's k nearest.
 *     This is what a retrieval chatbot inherits from the teacher: which sentences count as similar.
 *   cosine to the teacher (only where the student's space is the teacher's: after the Dense layer).
 *
 * Shapes: n = sentences, D = dimensions.
 */
import { adjustedRandIndex, kmeans } from "../analysis";
import { loadChatbot, loadSentiment } from "../data";
import type { BertModel } from "../models/bert/model";
import type { BertTokenizer } from "../text/tokenizer";
import { embedTexts } from "./bert";
import { fitLinear } from "./distill";
import { nearestNeighbourAccuracy, scoreEncoder } from "./evaluate";
import { l2Normalize } from "./st-layout";
import { applyLinear, type LinearMap } from "./whitening";

/** Rows scaled to length 1, as one flat array [n, D]. */
function unitRows(X: readonly (ArrayLike<number>)[]): { data: Float64Array; n: number; D: number } {
  const n = X.length;
  const D = X[0]?.length ?? 0;
  const data = new Float64Array(n * D);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < D; d++) s += X[i][d] * X[i][d];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let d = 0; d < D; d++) data[i * D + d] = X[i][d] * inv;
  }
  return { data, n, D };
}

/** Indices of each row's k most similar other rows (cosine), most similar first. [n][k] */
export function topNeighbours(X: readonly (ArrayLike<number>)[], k: number): number[][] {
  const { data, n, D } = unitRows(X);
  const out: number[][] = [];
  const sims = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (j === i) {
        sims[j] = -Infinity;
        continue;
      }
      let s = 0;
      for (let d = 0; d < D; d++) s += data[i * D + d] * data[j * D + d];
      sims[j] = s;
    }
    // k is small: a partial selection.
    const best: number[] = [];
    for (let j = 0; j < n; j++) {
      if (best.length < k) {
        best.push(j);
        best.sort((a, b) => sims[b] - sims[a]);
      } else if (sims[j] > sims[best[k - 1]]) {
        best[k - 1] = j;
        best.sort((a, b) => sims[b] - sims[a]);
      }
    }
    out.push(best);
  }
  return out;
}

/** Mean share of the teacher's k nearest neighbours that are among the student's k nearest. */
export function neighbourAgreement(student: readonly (ArrayLike<number>)[], teacherNeighbours: readonly (readonly number[])[], k: number): number {
  if (student.length !== teacherNeighbours.length) throw new Error(`${student.length} student vectors for ${teacherNeighbours.length} sentences`);
  const mine = topNeighbours(student, k);
  let total = 0;
  mine.forEach((row, i) => {
    const want = new Set(teacherNeighbours[i].slice(0, k));
    total += row.filter((j) => want.has(j)).length / k;
  });
  return total / student.length;
}

/** Mean cosine between each student vector and the teacher's vector of the same sentence (same dimension). */
export function meanCosine(a: readonly (ArrayLike<number>)[], b: readonly (ArrayLike<number>)[]): number {
  const A = unitRows(a);
  const B = unitRows(b);
  if (A.n !== B.n || A.D !== B.D) throw new Error(`cannot compare ${A.n}×${A.D} with ${B.n}×${B.D} vectors`);
  let s = 0;
  for (let i = 0; i < A.n * A.D; i++) s += A.data[i] * B.data[i];
  return s / A.n;
}

/** The student's sentence vectors: mean pooling of the last layer, the Dense layer, length 1 (what the saved folder does). */
export async function studentVectors(model: BertModel, tokenizer: BertTokenizer, dense: LinearMap, texts: string[], maxLength = 64): Promise<number[][]> {
  const Z = await embedTexts(model, tokenizer, texts, { pooling: "mean", maxLength, cache: false, progress: false });
  return l2Normalize(applyLinear(dense, Z));
}

/** Sentences per sentiment site in the selection set (100 × 3: quick enough to score at every evaluation). */
const SENTIMENT_PER_SITE = 100;
/** Neighbours compared for agreement with the teacher. */
export const AGREEMENT_K = 10;

export interface DistillEvalSets {
  heldOut: { texts: string[]; teacher: number[][]; neighbours: number[][] };
  sentiment: { texts: string[]; sites: number[]; labels: number[] };
  faq: { texts: string[]; labels: number[] };
}

/** The evaluation sets: held-out pool sentences with the teacher's neighbours, a balanced sample of the sentiment sentences, the FAQ. */
export function distillEvalSets(heldOut: string[], teacher: { data: Float32Array; dim: number }): DistillEvalSets {
  const D = teacher.dim;
  const tv = heldOut.map((_, i) => Array.from(teacher.data.subarray(i * D, (i + 1) * D)));
  const s = loadSentiment("all");
  const pick: number[] = [];
  const seen = new Map<string, number>();
  s.origins.forEach((o, i) => {
    const c = seen.get(o) ?? 0;
    // Every tenth sentence of each site: both labels, spread over the file.
    if (i % 10 === 0 && c < SENTIMENT_PER_SITE) (seen.set(o, c + 1), pick.push(i));
  });
  const siteIds = [...new Set(s.origins)];
  const faq = loadChatbot();
  return {
    heldOut: { texts: heldOut, teacher: tv, neighbours: topNeighbours(tv, AGREEMENT_K) },
    sentiment: { texts: pick.map((i) => s.texts[i]), sites: pick.map((i) => siteIds.indexOf(s.origins[i])), labels: pick.map((i) => s.labels[i]) },
    faq: { texts: faq.questions, labels: faq.labels },
  };
}

/**
 * One evaluation of a student. `agreement` (held-out neighbour agreement@10) is what selects a
 * checkpoint; the sentiment scores are a second held-out view; the FAQ scores are reported only.
 */
export async function evaluateStudent(model: BertModel, tokenizer: BertTokenizer, dense: LinearMap, sets: DistillEvalSets, teacherTransform?: { mean: Float32Array; scale: number } | null): Promise<Record<string, number>> {
  const h = await studentVectors(model, tokenizer, dense, sets.heldOut.texts);
  const target = teacherTransform ? sets.heldOut.teacher.map((r) => r.map((v, d) => v - teacherTransform.mean[d])) : sets.heldOut.teacher;
  const sv = await studentVectors(model, tokenizer, dense, sets.sentiment.texts);
  const siteAri = [0, 1, 2].map((seed) => adjustedRandIndex(sets.sentiment.sites, kmeans(sv, 3, { seed, nInit: 3 }).labels));
  const fv = await studentVectors(model, tokenizer, dense, sets.faq.texts);
  // A light K-Means protocol for curves (3 seeds × 3 restarts); the final comparison uses the full one.
  const faq = scoreEncoder(fv, sets.faq.labels, { seeds: 3, nInit: 3 });
  return {
    agreement: neighbourAgreement(h, sets.heldOut.neighbours, AGREEMENT_K),
    cosine: meanCosine(h, target),
    sentimentSiteAri: siteAri.reduce((a, b) => a + b, 0) / siteAri.length,
    sentimentNn: nearestNeighbourAccuracy(sv, sets.sentiment.labels),
    faqAri: faq.ari,
    faqNmi: faq.nmi,
    faqNn: faq.nnAccuracy,
  };
}

/** One hidden state's agreement with the teacher on the held-out sentences. */
export interface LayerAgreement {
  /** Hidden state: 0 the embeddings, i the output of encoder layer i. */
  layer: number;
  agreement: number;
  cosine: number;
  /** The least-squares Dense fitted for this hidden state (its vectors → the teacher's, on the fit sentences). */
  dense: LinearMap;
}

/**
 * Held-out agreement of every hidden state 0 … L: each state's mean pooling goes through its own Dense
 * layer (least squares onto the teacher's vectors of the fit sentences) and is scored as
 * `evaluateStudent` scores `agreement`. This chooses which layer a student pools (so how many it
 * keeps) without the FAQ.
 */
export async function agreementByLayer(
  model: BertModel,
  tokenizer: BertTokenizer,
  fit: { texts: string[]; targets: Float32Array; dim: number; maxLength: number },
  sets: DistillEvalSets,
  teacherTransform?: { mean: Float32Array } | null,
): Promise<LayerAgreement[]> {
  const Zs = await embedTexts(model, tokenizer, fit.texts, { pooling: "mean", layer: "all", maxLength: fit.maxLength, cache: false, progress: true }); // [L+1][n][H]
  const Hs = await embedTexts(model, tokenizer, sets.heldOut.texts, { pooling: "mean", layer: "all", maxLength: 64, cache: false, progress: false }); // [L+1][m][H]
  const target = teacherTransform ? sets.heldOut.teacher.map((r) => r.map((v, d) => v - teacherTransform.mean[d])) : sets.heldOut.teacher;
  return Zs.map((Z, layer) => {
    const dense = fitLinear(Z, fit.targets, fit.dim);
    const h = l2Normalize(applyLinear(dense, Hs[layer]));
    return { layer, agreement: neighbourAgreement(h, sets.heldOut.neighbours, AGREEMENT_K), cosine: meanCosine(h, target), dense };
  });
}

/** The number of layers to keep: the hidden state 1 … L with the highest held-out agreement (at least one encoder layer, so word order counts). */
export function layersToKeep(byLayer: readonly Pick<LayerAgreement, "layer" | "agreement">[]): number {
  const candidates = byLayer.filter((r) => r.layer >= 1);
  if (!candidates.length) throw new Error("no encoder layer to choose from");
  return candidates.reduce((best, r) => (r.agreement > best.agreement ? r : best)).layer;
}
