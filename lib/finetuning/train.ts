/**
 * One fine-tuning run: apply a strategy to a fresh classifier, train it on the training split
 * within a budget (epochs × batches), and measure what the comparison needs — held-out accuracy
 * and macro-F1, exact trainable / total parameter counts, wall and CPU time, peak memory and the
 * learning curves (training loss per step, held-out accuracy during training).
 *
 *   const clf = await loadBaseClassifier("models/course-bert", task.labelNames);
 *   const r = await fineTune(clf, "lora:8", split, { epochs: 3, seed: 1 });
 *   r.accuracy, r.f1, r.trainableParams, r.totalParams, r.seconds, r.peakBytes, r.curve, r.evals
 *
 * The training is the course's one trainer and loop: the classifier's model function
 * (lib/finetuning/classifier.ts) on the chosen engine through createTrainer (lib/engine/run.ts),
 * AdamW with transformers' fine-tuning defaults (lib/training/adamw.ts FINETUNE_ADAMW), linear
 * warm-up over the first 10% of the steps then linear decay (lib/training/schedule.ts; BERT §A.3,
 * Google's run_classifier.py), stepped by lib/training/loop.ts's trainLoop. It emits records
 * (onStep / onEval); drawing them is the caller's business (lib/viz).
 */
import { settings } from "../env";
import { tf } from "../engine/tfjs/backend";
import { HostTensor } from "../engine/ops";
import { createTrainer, EngineName, Trainer } from "../engine/run";
import { FINETUNE_ADAMW } from "../training/adamw";
import { StepRecord, trainLoop } from "../training/loop";
import { learningRate, warmupSteps } from "../training/schedule";
import { classifierInputs, SequenceClassifier, shapePolicy } from "./classifier";
import { allLabels, Batch, EncodedTexts, headOfSet, isTagged, LabelledSet, LabelledTexts, makeBatches, mulberry32, scoredRows, setSize } from "./data";
import { cachedFeatures, fitHeadOnFeatures } from "./features";
import { PeakMemory, PeakMethod, RssPeak } from "./memory";
import { accuracy, argmaxRows, macroF1 } from "./metrics";
import { applyStrategy, defaultLearningRate, parseStrategy, Strategy, strategyName } from "./strategies";

export type { LabelledTexts };

/** Share of the steps spent warming the learning rate up (Google's run_classifier.py: warmup_proportion 0.1). */
export const WARMUP_FRACTION = 0.1;

export interface FineTuneStep {
  /** 0-based index of the update just done. */
  step: number;
  totalSteps: number;
  loss: number;
  lr: number;
  gradNorm: number;
  /** Real (non-padding) tokens and texts in the batch, and the step's wall milliseconds. */
  tokens: number;
  examples: number;
  ms: number;
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
  /** Dropout during training (default true: the model's rates, and LoRA's). */
  dropout?: boolean;
  /** Engine (default: the classifier's, else the course's choice from lib/env). */
  engine?: EngineName;
  /** Measure peak memory (default true): tf.profile of the second step on tfjs, peak RSS growth on onnx. */
  profileMemory?: boolean;
  /** Called after each step (progress bars, live plots). */
  onStep?: (info: FineTuneStep) => void | Promise<void>;
  /** Called after each held-out evaluation during training. */
  onEval?: (e: RunResult["evals"][number]) => void | Promise<void>;
}

export interface RunResult {
  strategy: string;
  seed: number;
  /** The engine that trained ("onnx" or "tfjs"). */
  engine: EngineName;
  /** Held-out accuracy and macro-F1 at the end (token task: over the words, each scored at its first WordPiece). */
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
  /** CPU time of this process during training, every thread (robust to other jobs sharing the machine; > seconds when several threads work). */
  cpuSeconds: number;
  /** Wall time of the final held-out evaluation. */
  evalSeconds: number;
  /** Texts and real tokens run through the encoder during training (feature-based: the extraction, once per text). */
  examples: number;
  tokens: number;
  /** examples / seconds and tokens / seconds. */
  examplesPerSecond: number;
  tokensPerSecond: number;
  /** Peak memory of training in bytes; what it measures depends on the engine (`peakMethod`, see lib/finetuning/memory.ts). */
  peakBytes: number;
  peakMethod: PeakMethod;
  /** onnx: the whole process's resident memory at the peak of training (null on tfjs). */
  peakProcessBytes: number | null;
  steps: number;
  /** Training loss per step (0-based step index). */
  curve: { step: number; loss: number }[];
  /** Held-out accuracy / F1 during training (step = updates done). */
  evals: { step: number; epoch: number; accuracy: number; f1: number }[];
  /** Held-out predictions (label indices, in test order; token task: one per word, sentence by sentence). */
  predictions: number[];
  /** The gold labels in the same order as `predictions`. */
  gold?: number[];
}

/**
 * Applies `strategy` to a fresh classifier and trains it. The classifier keeps the trained weights.
 * The sets are texts with labels (a sentence classifier; with `pairs`, sentence pairs) or tagged
 * words (a token classifier): the loop, optimizer, schedule and records are the same for both.
 */
export async function fineTune(clf: SequenceClassifier, strategyArg: Strategy | string, data: { train: LabelledSet; test: LabelledSet }, o: TrainOptions = {}): Promise<RunResult> {
  const strategy = typeof strategyArg === "string" ? parseStrategy(strategyArg) : strategyArg;
  const seed = o.seed ?? settings.seed;
  for (const [name, set] of [["training", data.train], ["test", data.test]] as const) {
    if (isTagged(set) !== (clf.task === "token")) throw new Error(`the ${name} set is ${isTagged(set) ? "tagged words" : "texts"}, but the classifier's task is "${clf.task}"`);
    if (isTagged(set)) {
      if (set.words.length !== set.tags.length) throw new Error(`the ${name} set has ${set.words.length} sentences and ${set.tags.length} tag sequences`);
    } else {
      if (set.texts.length !== set.labels.length) throw new Error(`the ${name} set has ${set.texts.length} texts and ${set.labels.length} labels`);
      if (set.pairs && set.pairs.length !== set.texts.length) throw new Error(`the ${name} set has ${set.texts.length} first sentences and ${set.pairs.length} second sentences`);
    }
  }
  if (setSize(data.train) === 0) throw new Error("the training set is empty");
  const C = clf.numLabels;
  for (const l of [...allLabels(data.train), ...allLabels(data.test)]) {
    if (!Number.isInteger(l) || l < 0 || l >= C) throw new Error(`label ${l} is not one of the classifier's ${C} classes (0 … ${C - 1}: ${clf.labelNames.join(", ")})`);
  }
  if (o.engine) clf.engine = o.engine;
  const engine = await clf.resolveEngine();
  applyStrategy(clf, strategy, seed);
  const counts = clf.countParams();
  const testEnc = clf.encodeSet(data.test);
  const scored = scoredRows(testEnc, data.test);
  const evalWith = async (run?: (inputs: Record<string, HostTensor>) => Promise<Record<string, HostTensor>>) => {
    const probs = await clf.predictOutput(testEnc, 64, "probs", C, run);
    const all = argmaxRows(probs, C);
    const pred = scored.rows.map((r) => all[r]);
    return { pred, accuracy: accuracy(pred, scored.gold), f1: macroF1(pred, scored.gold, C) };
  };
  const base = { strategy: strategyName(strategy), seed, engine, trainableParams: counts.trainable, totalParams: counts.total, baseParams: counts.base, trainableFraction: counts.fraction };
  const batchSize = o.batchSize ?? 16;
  const lr = o.lr ?? defaultLearningRate(strategy);

  if (strategy.kind === "feature") {
    const cpu0 = process.cpuUsage();
    const rss = engine === "onnx" && o.profileMemory !== false ? new RssPeak() : null;
    const feats = await cachedFeatures(clf, data.train);
    const start = performance.now();
    const trainGold = isTagged(data.train) ? scoredRows(clf.encodeSet(data.train), data.train).gold : data.train.labels;
    const curve = await fitHeadOnFeatures(clf, feats.features, trainGold, { lr, seed, engine });
    const seconds = feats.seconds + (performance.now() - start) / 1000;
    // Cached features: the extraction's CPU time as recorded when it ran (wall time where an old cache lacks it), plus the head's.
    const cpuSeconds = feats.cached ? (feats.cpuSeconds ?? feats.seconds) + cpuSince(cpu0) : cpuSince(cpu0);
    const peak = o.profileMemory === false ? { bytes: 0, method: "sampled RSS" as const } : rss ? rss.stop() : await peakOfInference(clf, headOfSet(data.train, batchSize));
    const e0 = performance.now();
    const ev = await evalWith();
    const evalSeconds = (performance.now() - e0) / 1000;
    const examples = setSize(data.train);
    const tokens = clf.encodeSet(data.train).ids.reduce((s, x) => s + x.length, 0);
    const steps = curve.length ? curve[curve.length - 1].step + 1 : 0;
    return { ...base, accuracy: ev.accuracy, f1: ev.f1, seconds, cpuSeconds, evalSeconds, examples, tokens, examplesPerSecond: examples / seconds, tokensPerSecond: tokens / seconds, peakBytes: peak.bytes, peakMethod: peak.method, peakProcessBytes: peak.processBytes ?? null, steps, curve, evals: [{ step: steps, epoch: 1, accuracy: ev.accuracy, f1: ev.f1 }], predictions: ev.pred, gold: scored.gold };
  }

  const epochs = o.epochs ?? 3;
  const rng = mulberry32(seed);
  const trainEnc: EncodedTexts = clf.encodeSet(data.train);
  const train = data.train;
  const perEpoch = Math.ceil(trainEnc.ids.length / batchSize);
  const plan: Batch[] = [];
  for (let e = 0; e < epochs; e++) plan.push(...makeBatches(trainEnc, batchSize, rng));
  const totalSteps = plan.length;
  const schedule = { peak: lr, warmup: Math.max(1, warmupSteps(totalSteps, WARMUP_FRACTION)), total: totalSteps, decay: "linear" as const };
  const policy = shapePolicy(engine);
  const maxPositions = clf.bert.config.max_position_embeddings;
  const inputsOf = (b: Batch) => classifierInputs(b, { policy, maxPositions, rows: batchSize, padId: trainEnc.padId, labels: isTagged(train) ? "tokens" : b.rows.map((r) => train.labels[r]) });
  const evalsPerEpoch = o.evalsPerEpoch ?? 1;
  const evalEvery = evalsPerEpoch > 0 ? Math.max(1, Math.floor(perEpoch / evalsPerEpoch)) : undefined;
  const curve: RunResult["curve"] = [];
  const evals: RunResult["evals"] = [];
  const profile = o.profileMemory !== false;
  let peak: PeakMemory = { bytes: 0, method: engine === "onnx" ? "sampled RSS" : "tf.profile" };
  let rss: RssPeak | null = null;
  let examples = 0;
  let tokens = 0;
  let evalMs = 0;
  let evalCpu = 0;
  const final: { ev: { pred: number[]; accuracy: number; f1: number } | null; seconds: number } = { ev: null, seconds: 0 };

  const { key, fn } = clf.modelFn("loss");
  const predictFn = clf.modelFn("predict");
  const { hooks, hooksKey } = clf.hooks();
  if (clf.lora?.merged) throw new Error("the LoRA adapters are merged into the weights; unmerge() them before training");
  const trainer: Trainer = createTrainer(engine, { key, fn, params: clf.params, lossOutput: "loss", optimizer: FINETUNE_ADAMW, hooks, hooksKey, dropout: o.dropout ?? true, seed });
  const step = async (s: number): Promise<StepRecord> => {
    const t0 = performance.now();
    const b = plan[s];
    const rate = learningRate(s, schedule);
    const inputs = inputsOf(b);
    let r;
    if (s === 1 && profile && engine === "tfjs") {
      // tf.profile: the highest live-tensor byte count during the step (weights + activations + gradients + optimizer state).
      let res: Awaited<ReturnType<Trainer["step"]>> | null = null;
      const info = await tf().profile(async () => {
        res = await trainer.step(inputs, rate);
        return [] as unknown as import("@tensorflow/tfjs").TensorContainer;
      });
      peak = { bytes: info.peakBytes, method: "tf.profile" };
      r = res!;
    } else r = await trainer.step(inputs, rate);
    rss?.sample();
    const loss = r.metrics.loss;
    if (!Number.isFinite(loss)) throw new Error(`the loss became ${loss} at step ${s + 1} (${base.strategy}); lower the learning rate (lr, now ${lr})`);
    const realTokens = b.attentionMask.reduce((a, x) => a + x, 0);
    examples += b.B;
    tokens += realTokens;
    curve.push({ step: s, loss });
    const ms = performance.now() - t0;
    await o.onStep?.({ step: s, totalSteps, loss, lr: rate, gradNorm: r.gradNorm, tokens: realTokens, examples: b.B, ms });
    await new Promise((res) => setImmediate(res)); // let a notebook redraw
    return { step: s + 1, loss, losses: r.metrics, lr: rate, gradNorm: r.gradNorm, tokens: realTokens, ms };
  };
  const evaluate = async (done: number) => {
    const e0 = performance.now();
    const c0 = process.cpuUsage();
    const ev = await evalWith((inputs) => trainer.evaluate({ key: predictFn.key, fn: predictFn.fn, inputs, outputs: ["probs"], hooks, hooksKey }));
    evalMs += performance.now() - e0;
    evalCpu += cpuSince(c0);
    const rec = { step: done, epoch: done / perEpoch, accuracy: ev.accuracy, f1: ev.f1 };
    evals.push(rec);
    if (done === totalSteps) final.ev = ev;
    final.seconds = (performance.now() - e0) / 1000;
    await o.onEval?.(rec);
    return rec;
  };

  const start = performance.now();
  const cpu0 = process.cpuUsage();
  if (profile && engine === "onnx") rss = new RssPeak();
  try {
    await trainLoop({ startStep: 0, steps: totalSteps, step, evaluate: evalEvery ? evaluate : undefined, evalEvery, evalAtStart: false });
    if (rss) peak = rss.stop();
    trainer.sync();
  } finally {
    trainer.dispose();
  }
  const seconds = (performance.now() - start - evalMs) / 1000;
  const cpuSeconds = cpuSince(cpu0) - evalCpu;
  // The final evaluation: already done by the loop when an evaluation fell on the last step.
  const e0 = performance.now();
  const inLoop = final.ev;
  const ev = inLoop ?? (await evalWith());
  if (!inLoop) evals.push({ step: totalSteps, epoch: epochs, accuracy: ev.accuracy, f1: ev.f1 });
  const evalSeconds = inLoop ? final.seconds : (performance.now() - e0) / 1000;
  return { ...base, accuracy: ev.accuracy, f1: ev.f1, seconds, cpuSeconds, evalSeconds, examples, tokens, examplesPerSecond: examples / seconds, tokensPerSecond: tokens / seconds, peakBytes: peak.bytes, peakMethod: peak.method, peakProcessBytes: peak.processBytes ?? null, steps: totalSteps, curve, evals, predictions: ev.pred, gold: scored.gold };
}

/** tfjs: peak live-tensor bytes of one inference batch of the training batch size (comparable with a training step). */
async function peakOfInference(clf: SequenceClassifier, set: LabelledSet): Promise<PeakMemory> {
  const enc = clf.encodeSet(set);
  const info = await tf().profile(async () => {
    await clf.features(enc, enc.ids.length);
    return [] as unknown as import("@tensorflow/tfjs").TensorContainer;
  });
  return { bytes: info.peakBytes, method: "tf.profile" };
}

function cpuSince(c0: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(c0);
  return (d.user + d.system) / 1e6;
}
