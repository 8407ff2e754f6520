/**
 * One fine-tuning run: apply a strategy to a fresh classifier, train it on the training split
 * within a budget (epochs × batches), and measure what the comparison needs — held-out accuracy
 * and macro-F1, exact trainable / total parameter counts, wall time, peak tensor memory and the
 * learning curves (training loss per step, held-out accuracy during training).
 *
 *   const clf = await loadClassifierBase("models/course-bert", task.labelNames);
 *   const r = await fineTune(clf, "lora:8", split, { epochs: 3, seed: 1 });
 *   r.accuracy, r.f1, r.trainableParams, r.totalParams, r.seconds, r.peakBytes, r.curve, r.evals
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { tf, settings } from "../env";
import { progress, Progress } from "../viz";
import type { SequenceClassifier } from "./classifier";
import { EncodedTexts, makeBatches, mulberry32 } from "./data";
import { cachedFeatures, fitHeadOnFeatures } from "./features";
import { seedDropout } from "./forward";
import { accuracy, argmaxRows, macroF1 } from "./metrics";
import { AdamW } from "./optim";
import { applyStrategy, defaultLearningRate, parseStrategy, Strategy, strategyName } from "./strategies";

type T2 = tfTypes.Tensor2D;

export interface LabelledTexts {
  texts: string[];
  labels: number[];
}

export interface TrainOptions {
  /** Passes over the training set (default 3). Feature-based: the head gets a fixed 300 full-batch steps. */
  epochs?: number;
  /** Default 16 (BERT §A.3 suggests 16 or 32). */
  batchSize?: number;
  /** Peak learning rate; default per strategy (defaultLearningRate). */
  lr?: number;
  /** Seed of the head, the adapters, dropout and the batch order (default settings.seed). */
  seed?: number;
  /** Held-out evaluations per epoch for the learning curve (default 1; 0 = only at the end). */
  evalsPerEpoch?: number;
  /** Show a progress bar (default false). */
  progress?: boolean | string;
  /** Measure peak tensor memory on the second step with tf.profile (default true). */
  profileMemory?: boolean;
  /** Called after each step. */
  onStep?: (info: { step: number; totalSteps: number; loss: number; lr: number }) => void;
}

export interface RunResult {
  strategy: string;
  seed: number;
  /** Held-out accuracy and macro-F1 at the end. */
  accuracy: number;
  f1: number;
  trainableParams: number;
  totalParams: number;
  /** BERT's own parameters (no head, no adapters). */
  baseParams: number;
  /** trainableParams / totalParams. */
  trainableFraction: number;
  /** Wall time of training (feature-based: the feature extraction of the training texts, measured when computed, + the head). */
  seconds: number;
  /** CPU time of this process during training (robust to other jobs sharing the machine; > seconds when several threads work). */
  cpuSeconds: number;
  /** Wall time of the final held-out evaluation. */
  evalSeconds: number;
  /** Highest tf.memory() byte count during one training step (weights, activations, gradients, optimiser state). */
  peakBytes: number;
  steps: number;
  /** Training loss per step. */
  curve: { step: number; loss: number }[];
  /** Held-out accuracy / F1 during training. */
  evals: { step: number; epoch: number; accuracy: number; f1: number }[];
  /** Held-out predictions (label indices, in test order). */
  predictions: number[];
}

/** Applies `strategy` to a fresh classifier and trains it. The classifier keeps the trained weights. */
export async function fineTune(clf: SequenceClassifier, strategyArg: Strategy | string, data: { train: LabelledTexts; test: LabelledTexts }, o: TrainOptions = {}): Promise<RunResult> {
  const t = tf();
  const strategy = typeof strategyArg === "string" ? parseStrategy(strategyArg) : strategyArg;
  const seed = o.seed ?? settings.seed;
  applyStrategy(clf, strategy, seed);
  const counts = clf.countParams();
  const testEnc = clf.encode(data.test.texts);
  const C = clf.numLabels;
  const evalNow = () => {
    const probs = clf.probabilities(testEnc);
    const pred = argmaxRows(probs, C);
    return { pred, accuracy: accuracy(pred, data.test.labels), f1: macroF1(pred, data.test.labels, C) };
  };
  const base = { strategy: strategyName(strategy), seed, trainableParams: counts.trainable, totalParams: counts.total, baseParams: counts.base, trainableFraction: counts.fraction };

  if (strategy.kind === "feature") {
    const cpu0 = process.cpuUsage();
    const feats = cachedFeatures(clf, data.train.texts);
    const start = performance.now();
    const before = t.memory().numBytes;
    const curve = fitHeadOnFeatures(clf, feats.features, data.train.labels, { lr: o.lr ?? defaultLearningRate(strategy), seed });
    const seconds = feats.seconds + (performance.now() - start) / 1000;
    const cpuSeconds = feats.cached ? seconds : cpuSince(cpu0);
    const e0 = performance.now();
    const ev = evalNow();
    const evalSeconds = (performance.now() - e0) / 1000;
    // Peak of the extraction: weights + one inference batch of the training batch size (comparable with a training step).
    const peakBytes = o.profileMemory === false ? before : await peakOfInference(clf, data.train.texts.slice(0, o.batchSize ?? 16));
    return { ...base, accuracy: ev.accuracy, f1: ev.f1, seconds, cpuSeconds, evalSeconds, peakBytes, steps: curve.length ? curve[curve.length - 1].step + 1 : 0, curve, evals: [{ step: 300, epoch: 1, accuracy: ev.accuracy, f1: ev.f1 }], predictions: ev.pred };
  }

  const epochs = o.epochs ?? 3;
  const batchSize = o.batchSize ?? 16;
  const rng = mulberry32(seed);
  const trainEnc: EncodedTexts = clf.encode(data.train.texts);
  const perEpoch = Math.ceil(trainEnc.ids.length / batchSize);
  const totalSteps = perEpoch * epochs;
  const vars = clf.trainableVariables();
  const noDecay = new Set(clf.namedVariables().filter((x) => /bias$|LayerNorm/.test(x.name)).map((x) => x.v));
  const opt = new AdamW({ lr: o.lr ?? defaultLearningRate(strategy), totalSteps, noDecay });
  const evalsPerEpoch = o.evalsPerEpoch ?? 1;
  const evalEvery = evalsPerEpoch > 0 ? Math.max(1, Math.floor(perEpoch / evalsPerEpoch)) : Infinity;
  const curve: RunResult["curve"] = [];
  const evals: RunResult["evals"] = [];
  let evalTime = 0;
  let peakBytes = 0;
  const bar: Progress | null = o.progress ? progress(totalSteps, typeof o.progress === "string" ? o.progress : base.strategy) : null;
  seedDropout(seed);
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  let evalCpu = 0;
  let step = 0;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const batches = makeBatches(trainEnc, batchSize, rng);
      for (let bi = 0; bi < batches.length; bi++) {
        const b = batches[bi];
        const doStep = () => {
          const ids = t.tensor2d(b.inputIds, [b.B, b.T], "int32");
          const mask = t.tensor2d(b.attentionMask, [b.B, b.T], "int32");
          const y = t.tidy(() => t.oneHot(t.tensor1d(b.rows.map((r) => data.train.labels[r]), "int32"), C).toFloat());
          const { value, grads } = t.variableGrads(() => t.losses.softmaxCrossEntropy(y, clf.logits(ids, mask, true)) as tfTypes.Scalar, vars);
          const used = vars.filter((v) => grads[v.name]);
          opt.apply(used, used.map((v) => grads[v.name]));
          const loss = value.dataSync()[0];
          t.dispose([ids, mask, y, value, ...Object.values(grads)]);
          return loss;
        };
        let loss: number;
        if (step === 1 && o.profileMemory !== false) {
          let l = 0;
          const info = await t.profile(() => {
            l = doStep();
            return [] as unknown as tfTypes.TensorContainer;
          });
          peakBytes = info.peakBytes;
          loss = l;
        } else loss = doStep();
        if (!Number.isFinite(loss)) throw new Error(`the loss became ${loss} at step ${step} (${base.strategy}); lower the learning rate`);
        curve.push({ step, loss });
        o.onStep?.({ step, totalSteps, loss, lr: opt.lr });
        bar?.tick({ loss: Number(loss.toFixed(4)) });
        step++;
        const lastOfEpoch = bi === batches.length - 1;
        if ((evalsPerEpoch > 0 && (bi + 1) % evalEvery === 0 && !(lastOfEpoch && epoch === epochs - 1)) || false) {
          const e0 = performance.now();
          const c0 = process.cpuUsage();
          const ev = evalNow();
          evalTime += performance.now() - e0;
          evalCpu += cpuSince(c0);
          evals.push({ step, epoch: epoch + (bi + 1) / batches.length, accuracy: ev.accuracy, f1: ev.f1 });
        }
        await new Promise((r) => setImmediate(r)); // let a notebook redraw the progress bar
      }
    }
  } finally {
    opt.dispose();
    bar?.done();
  }
  const seconds = (performance.now() - start - evalTime) / 1000;
  const cpuSeconds = cpuSince(cpu0) - evalCpu;
  const e0 = performance.now();
  const ev = evalNow();
  const evalSeconds = (performance.now() - e0) / 1000;
  evals.push({ step, epoch: epochs, accuracy: ev.accuracy, f1: ev.f1 });
  if (!peakBytes) peakBytes = t.memory().numBytes;
  return { ...base, accuracy: ev.accuracy, f1: ev.f1, seconds, cpuSeconds, evalSeconds, peakBytes, steps: step, curve, evals, predictions: ev.pred };
}

async function peakOfInference(clf: SequenceClassifier, texts: string[]): Promise<number> {
  const enc = clf.encode(texts);
  const info = await tf().profile(() => {
    clf.features(enc, texts.length);
    return [] as unknown as tfTypes.TensorContainer;
  });
  return info.peakBytes;
}

function cpuSince(c0: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(c0);
  return (d.user + d.system) / 1e6;
}
