/**
 * Pre-training the small GPT on the synthetic task family (./synthetic.ts): next-label prediction
 * on sequences that each show a new random mapping, so the only way to lower the loss is to read
 * the examples in the context (an induction-head style copy: "which label followed this symbol before?").
 *
 * Everything but the data comes from the course's one training module: the loss is the GPT's
 * `gptLoss` (cross-entropy at the target positions), the update is AdamW with GPT_ADAMW (β2 = 0.95,
 * no weight decay on this tiny model, global-norm clipping at 1.0; GPT-3 / nanoGPT), the schedule is
 * linear warm-up then cosine decay to lr/10 (nanoGPT's get_lr), and the loop is lib/training's
 * `trainLoop` (Ctrl-C finishes the step and saves). The engine (ONNX Runtime or tfjs) runs the step.
 */
import { engineFor } from "../engine/select";
import { mulberry32 } from "../data/split";
import { HostTensor, IGNORE_INDEX } from "../engine/ops";
import { createTrainer, EngineName, OptimizerState, Trainer } from "../engine/run";
import { gptLoss, GptLossTensors } from "../models/gpt/gpt";
import { GPT } from "../models/gpt/model";
import type { Ctx } from "../models/nn";
import { AdamWConfig, GPT_ADAMW } from "../training/adamw";
import { StepRecord, trainLoop } from "../training/loop";
import { learningRate } from "../training/schedule";
import { SYNTHETIC, SyntheticVocab, trainingSequence } from "./synthetic";

/** A sequence and its targets: `[position, token]` means "the logits at `position` should predict `token`". */
export interface TargetSequence {
  ids: readonly number[];
  targets: readonly (readonly [number, number])[];
}

/**
 * Sequences as the loss's inputs: inputIds [B, T] right-padded with 0 (causal attention: padding
 * after a position never changes it), rows [B·R] (flat b·T + position) and labels [B·R], R rows
 * per sequence, unused rows labelled −100 (not scored). A fixed R keeps every batch one shape.
 */
export function targetBatch(seqs: readonly TargetSequence[], rowsPerSequence?: number): Record<string, HostTensor> {
  if (seqs.length === 0) throw new Error("a training batch needs at least one sequence");
  const B = seqs.length;
  const T = Math.max(...seqs.map((s) => s.ids.length));
  const R = rowsPerSequence ?? Math.max(1, ...seqs.map((s) => s.targets.length));
  const inputIds = new Int32Array(B * T); // [B, T]
  const rows = new Int32Array(B * R); // [B*R]
  const labels = new Int32Array(B * R).fill(IGNORE_INDEX); // [B*R]
  seqs.forEach((s, b) => {
    if (s.targets.length > R) throw new Error(`a sequence has ${s.targets.length} targets, more than the ${R} rows planned per sequence`);
    inputIds.set(s.ids, b * T);
    s.targets.forEach(([pos, tok], j) => {
      if (pos < 0 || pos >= s.ids.length) throw new Error(`target position ${pos} is outside a sequence of ${s.ids.length} tokens`);
      rows[b * R + j] = b * T + pos;
      labels[b * R + j] = tok;
    });
  });
  return {
    inputIds: { data: inputIds, shape: [B, T] },
    rows: { data: rows, shape: [B * R] },
    labels: { data: labels, shape: [B * R] },
  };
}

export interface GptTrainerOptions {
  /** Engine (default: the course's choice, lib/env). */
  engine?: EngineName;
  /** Default GPT_ADAMW (β2 0.95, no weight decay, clipping 1.0). */
  optimizer?: AdamWConfig;
  seed?: number;
}

/** A trainer (lib/engine/run.ts) minimizing `gptLoss` for `model`; its metric "loss" is the batch's mean cross-entropy. */
export async function createGptTrainer(model: GPT, o: GptTrainerOptions = {}): Promise<Trainer> {
  const cfg = model.config;
  const fn = <X>(c: Ctx<X>, x: Record<string, X>) => ({ loss: gptLoss(c, cfg, x as unknown as GptLossTensors<X>).loss });
  return createTrainer(await engineFor(o.engine), {
    key: `gpt-loss|${JSON.stringify(cfg)}`,
    fn,
    params: model.params,
    lossOutput: "loss",
    optimizer: o.optimizer ?? GPT_ADAMW,
    dropout: false, // the lab's GPT has no dropout (nanoGPT's default for small data is 0 too)
    seed: o.seed,
  });
}

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
  /** Optimizer moments to continue from (resume); default zeros. */
  optimizerState?: OptimizerState;
  seed: number;
  /** Engine (default: the course's choice, lib/env). */
  engine?: EngineName;
  /** Optimizer (default GPT_ADAMW). */
  optimizer?: AdamWConfig;
  /** Called after every step with its record (loss, lr, gradient norm, tokens, ms). */
  onStep?: (r: StepRecord) => void | Promise<void>;
  /** Called every `logEvery` steps with the mean loss over those steps. */
  onLog?: (info: { step: number; loss: number; lr: number; tokensPerSecond: number; seconds: number }) => void;
  logEvery?: number;
  /** Called every `checkpointEvery` steps, at the end and on Ctrl-C, with the weights in `model` up to date, e.g. to save. */
  onCheckpoint?: (step: number, optimizer: OptimizerState) => void | Promise<void>;
  checkpointEvery?: number;
}

export interface PretrainResult {
  /** Steps run in this call. */
  steps: number;
  seconds: number;
  finalLoss: number;
  /** Training tokens per second over the run (real tokens, excluding the first step's graph compilation on onnx). */
  tokensPerSecond: number;
  engine: EngineName;
  interrupted: boolean;
  records: StepRecord[];
}

/** The learning rate of update `step` (0-based): linear warm-up, then cosine to lr/10 at `steps` (nanoGPT's get_lr). */
export function pretrainLr(step: number, o: Pick<PretrainOptions, "lr" | "warmup" | "steps">): number {
  return learningRate(step, { peak: o.lr, warmup: o.warmup, total: o.steps, decay: "cosine", floor: 0.1 });
}

/** Trains `model` in place on freshly sampled synthetic sequences. */
export async function pretrainSynthetic(model: GPT, o: PretrainOptions): Promise<PretrainResult> {
  const vocab = new SyntheticVocab();
  const start = o.startStep ?? 0;
  // A different stream per start step, so a resumed run does not replay the same sequences.
  const rng = mulberry32(o.seed * 7919 + start);
  const trainer = await createGptTrainer(model, { engine: o.engine, optimizer: o.optimizer, seed: o.seed });
  if (o.optimizerState) trainer.loadOptimizerState(o.optimizerState);
  const logEvery = o.logEvery ?? 50;
  const records: StepRecord[] = [];
  let window = { loss: 0, count: 0, tokens: 0, ms: 0 };
  const t0 = Date.now();
  try {
    const res = await trainLoop({
      startStep: start,
      steps: o.steps,
      step: async (step) => {
        const t = Date.now();
        const batch = Array.from({ length: o.batchSize }, () => trainingSequence(vocab, rng));
        const lr = pretrainLr(step, o);
        // Every pre-training sequence has at most SYNTHETIC.trainExamples targets: one batch shape for the whole run.
        const r = await trainer.step(targetBatch(batch, SYNTHETIC.trainExamples), lr);
        const loss = r.metrics.loss;
        if (!Number.isFinite(loss)) throw new Error(`loss became ${loss} at step ${step}: lower the learning rate`);
        const rec: StepRecord = { step: step + 1, loss, losses: { loss }, lr, gradNorm: r.gradNorm, tokens: batch.reduce((n, b) => n + b.ids.length, 0), ms: Date.now() - t };
        records.push(rec);
        return rec;
      },
      onStep: async (rec) => {
        await o.onStep?.(rec);
        window = { loss: window.loss + rec.loss, count: window.count + 1, tokens: window.tokens + rec.tokens, ms: window.ms + rec.ms };
        if (rec.step % logEvery === 0 || rec.step === o.steps) {
          o.onLog?.({ step: rec.step, loss: window.loss / window.count, lr: rec.lr, tokensPerSecond: window.tokens / (Math.max(1, window.ms) / 1000), seconds: (Date.now() - t0) / 1000 });
          window = { loss: 0, count: 0, tokens: 0, ms: 0 };
          await new Promise((r) => setImmediate(r)); // let a notebook's progress bar draw
        }
      },
      save: o.onCheckpoint
        ? async (step) => {
            trainer.sync();
            await o.onCheckpoint!(step, trainer.optimizerState());
          }
        : undefined,
      saveEvery: o.checkpointEvery,
    });
    trainer.sync();
    const timed = records.slice(records.length > 1 ? 1 : 0);
    const ms = timed.reduce((n, r) => n + r.ms, 0);
    return {
      steps: res.step - start,
      seconds: res.seconds,
      finalLoss: records.length ? records[records.length - 1].loss : NaN,
      tokensPerSecond: timed.reduce((n, r) => n + r.tokens, 0) / (Math.max(1, ms) / 1000),
      engine: trainer.engine,
      interrupted: res.interrupted,
      records,
    };
  } finally {
    trainer.dispose();
  }
}
