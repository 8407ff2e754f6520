/**
 * Scores for classifiers: accuracy, macro-F1, the majority-class baseline, and mean ± std over
 * seeds. Plain numbers, no tensors.
 *
 * Macro-F1 (the unweighted mean of each class's F1) is used for every task, binary or not, so one
 * number means the same thing on sentiment (2 classes) and on chatbot intents (31 classes).
 */

export function accuracy(pred: readonly number[], gold: readonly number[]): number {
  checkSame(pred, gold);
  let ok = 0;
  for (let i = 0; i < gold.length; i++) if (pred[i] === gold[i]) ok++;
  return gold.length ? ok / gold.length : 0;
}

/** Macro-averaged F1 over the classes present in `gold` or `pred` (a class never predicted and absent scores 0 only if present in gold). */
export function macroF1(pred: readonly number[], gold: readonly number[], numClasses?: number): number {
  checkSame(pred, gold);
  const C = numClasses ?? Math.max(0, ...pred, ...gold) + 1;
  const tp = new Array(C).fill(0);
  const fp = new Array(C).fill(0);
  const fn = new Array(C).fill(0);
  for (let i = 0; i < gold.length; i++) {
    if (pred[i] === gold[i]) tp[gold[i]]++;
    else {
      fp[pred[i]]++;
      fn[gold[i]]++;
    }
  }
  let sum = 0;
  let n = 0;
  for (let c = 0; c < C; c++) {
    if (tp[c] + fp[c] + fn[c] === 0) continue; // class absent from both: not counted (sklearn's labels= present ones)
    sum += (2 * tp[c]) / (2 * tp[c] + fp[c] + fn[c]);
    n++;
  }
  return n ? sum / n : 0;
}

/** Precision, recall, F1 and support (gold count) of each class 0 … C−1 (F1 0 where a class is neither predicted nor present). */
export function perClassF1(pred: readonly number[], gold: readonly number[], numClasses: number): { precision: number; recall: number; f1: number; support: number }[] {
  checkSame(pred, gold);
  const tp = new Array(numClasses).fill(0);
  const fp = new Array(numClasses).fill(0);
  const fn = new Array(numClasses).fill(0);
  for (let i = 0; i < gold.length; i++) {
    if (pred[i] === gold[i]) tp[gold[i]]++;
    else {
      fp[pred[i]]++;
      fn[gold[i]]++;
    }
  }
  return tp.map((t, c) => ({
    precision: t + fp[c] ? t / (t + fp[c]) : 0,
    recall: t + fn[c] ? t / (t + fn[c]) : 0,
    f1: 2 * t + fp[c] + fn[c] ? (2 * t) / (2 * t + fp[c] + fn[c]) : 0,
    support: t + fn[c],
  }));
}

/** The accuracy of always answering the most frequent training label, scored on `test`. */
export function majorityBaseline(trainLabels: readonly number[], testLabels: readonly number[]): { label: number; accuracy: number; f1: number } {
  const counts = new Map<number, number>();
  for (const y of trainLabels) counts.set(y, (counts.get(y) ?? 0) + 1);
  let label = 0;
  let best = -1;
  for (const [y, c] of counts) if (c > best || (c === best && y < label)) [label, best] = [y, c];
  const pred = testLabels.map(() => label);
  return { label, accuracy: accuracy(pred, testLabels), f1: macroF1(pred, testLabels) };
}

/** Mean and sample standard deviation (n − 1; 0 for a single value). */
export function meanStd(xs: readonly number[]): { mean: number; std: number; n: number } {
  const n = xs.length;
  if (!n) return { mean: NaN, std: NaN, n: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n };
}

/** "0.812 ± 0.011" (or "0.812" for one value). */
export function formatMeanStd(xs: readonly number[], digits = 3): string {
  const { mean, std, n } = meanStd(xs);
  return n > 1 ? `${mean.toFixed(digits)} ± ${std.toFixed(digits)}` : mean.toFixed(digits);
}

/** Index of the largest value in each row of a row-major [N, C] array. */
export function argmaxRows(probs: Float32Array | number[], C: number): number[] {
  const N = probs.length / C;
  const out: number[] = new Array(N);
  for (let i = 0; i < N; i++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (probs[i * C + c] > probs[i * C + best]) best = c;
    out[i] = best;
  }
  return out;
}

function checkSame(a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length) throw new Error(`predictions (${a.length}) and labels (${b.length}) differ in length`);
}
