/**
 * Pre-training the small GPT on the synthetic task family (./synthetic.ts): next-label prediction
 * on sequences that each show a new random mapping, so the only way to lower the loss is to read
 * the examples in the context (an induction-head style copy: "which label followed this symbol before?").
 *
 * Adam (Kingma & Ba 2015) with linear warm-up then cosine decay, as nanoGPT; global-norm gradient
 * clipping at 1.0 (GPT-2/nanoGPT default). Checkpoints are plain `saveGpt` folders, so a run can stop
 * and resume (the optimizer's moments restart from zero on resume; the warm-up covers that).
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { tf } from "../env";
import { mulberry32 } from "../data/split";
import { GPT } from "../models/gpt/model";
import { SyntheticVocab, trainingSequence } from "./synthetic";

export interface PretrainOptions {
  steps: number;
  /** Sequences per step. */
  batchSize: number;
  /** Peak learning rate (1e-3 suits tiny transformers with Adam; nanoGPT's shakespeare-char uses 1e-3). */
  lr: number;
  /** Warm-up steps (linear from 0). */
  warmup: number;
  /** Step to start at (resume); the schedule continues from there. */
  startStep?: number;
  seed: number;
  /** Called every `logEvery` steps with the mean loss over those steps. */
  onLog?: (info: { step: number; loss: number; lr: number; tokensPerSecond: number; seconds: number }) => void;
  logEvery?: number;
  /** Called every `checkpointEvery` steps (and at the end), e.g. to save. */
  onCheckpoint?: (step: number) => void;
  checkpointEvery?: number;
}

/** Cosine schedule with linear warm-up, decaying to lr/10 at the last step (nanoGPT's get_lr). */
export function learningRate(step: number, o: Pick<PretrainOptions, "lr" | "warmup" | "steps">): number {
  if (step < o.warmup) return (o.lr * (step + 1)) / o.warmup;
  const progress = Math.min(1, (step - o.warmup) / Math.max(1, o.steps - o.warmup));
  const minLr = o.lr / 10;
  return minLr + 0.5 * (1 + Math.cos(Math.PI * progress)) * (o.lr - minLr);
}

/** Clips gradients to a global L2 norm of `maxNorm`; returns new tensors (caller disposes). */
export function clipByGlobalNorm(grads: Record<string, tfTypes.Tensor>, maxNorm: number): Record<string, tfTypes.Tensor> {
  const t = tf();
  return t.tidy(() => {
    const sq = Object.values(grads).map((g) => t.sum(t.square(g)));
    const norm = t.sqrt(t.addN(sq));
    const scale = t.minimum(1, t.div(maxNorm, t.add(norm, 1e-6)));
    const out: Record<string, tfTypes.Tensor> = {};
    for (const [k, g] of Object.entries(grads)) out[k] = t.keep(t.mul(g, scale));
    return out;
  });
}

/** One optimisation step on the given sequences; returns the loss. */
export function trainStep(model: GPT, optimizer: tfTypes.Optimizer, ids: number[][], targets: [number, number][][], clip = 1.0): number {
  const t = tf();
  const vars = [...model.params.values()];
  const { value, grads } = t.variableGrads(() => model.loss(ids, targets), vars);
  const clipped = clipByGlobalNorm(grads, clip);
  optimizer.applyGradients(clipped as tfTypes.NamedTensorMap);
  const loss = value.dataSync()[0];
  value.dispose();
  t.dispose(Object.values(grads));
  t.dispose(Object.values(clipped));
  return loss;
}

/** Trains `model` in place on freshly sampled synthetic sequences. */
export async function pretrainSynthetic(model: GPT, o: PretrainOptions): Promise<{ steps: number; seconds: number; finalLoss: number }> {
  const t = tf();
  const vocab = new SyntheticVocab();
  const start = o.startStep ?? 0;
  // A different stream per start step, so a resumed run does not replay the same sequences.
  const rng = mulberry32(o.seed * 7919 + start);
  const optimizer = t.train.adam(learningRate(start, o), 0.9, 0.95); // β2 = 0.95 as GPT-3 / nanoGPT
  const logEvery = o.logEvery ?? 50;
  const t0 = Date.now();
  let lastLog = Date.now();
  let sum = 0;
  let count = 0;
  let tokens = 0;
  let finalLoss = NaN;
  for (let step = start; step < o.steps; step++) {
    (optimizer as unknown as { learningRate: number }).learningRate = learningRate(step, o);
    const batch = Array.from({ length: o.batchSize }, () => trainingSequence(vocab, rng));
    const loss = trainStep(model, optimizer, batch.map((b) => b.ids), batch.map((b) => b.targets));
    if (!Number.isFinite(loss)) throw new Error(`loss became ${loss} at step ${step}: lower the learning rate`);
    sum += loss;
    count++;
    tokens += batch.reduce((n, b) => n + b.ids.length, 0);
    finalLoss = loss;
    if ((step + 1) % logEvery === 0 || step + 1 === o.steps) {
      const now = Date.now();
      o.onLog?.({ step: step + 1, loss: sum / count, lr: learningRate(step, o), tokensPerSecond: tokens / ((now - lastLog) / 1000), seconds: (now - t0) / 1000 });
      sum = count = tokens = 0;
      lastLog = now;
      await new Promise((r) => setImmediate(r)); // let a notebook's progress bar draw
    }
    if (o.onCheckpoint && o.checkpointEvery && (step + 1) % o.checkpointEvery === 0 && step + 1 !== o.steps) o.onCheckpoint(step + 1);
  }
  o.onCheckpoint?.(o.steps);
  optimizer.dispose();
  return { steps: o.steps - start, seconds: (Date.now() - t0) / 1000, finalLoss };
}
