/**
 * The contrast to in-context learning: fine-tuning on the SAME k examples, i.e. gradient updates.
 * A copy of the model is trained on each example as a zero-shot sequence (`task:new x07` → `y2`);
 * the copy's weight hash changes, the original's does not. Afterwards the copy answers those
 * symbols without any examples in the prompt — the knowledge moved from the context into the weights.
 *
 * The update is the course's one training module: AdamW (GPT_ADAMW) at a constant learning rate,
 * run by `trainLoop` on the course's engine.
 */
import { cloneGpt, hashWeights } from "../models/gpt/checkpoint";
import { GPT } from "../models/gpt/model";
import type { EngineName } from "../engine/run";
import { trainLoop } from "../training/loop";
import { learningRate } from "../training/schedule";
import { createGptTrainer, targetBatch, TargetSequence } from "./pretrain";
import { buildPrompt, Example } from "./prompt";
import { SyntheticVocab, SYNTHETIC_FORMAT } from "./synthetic";

export interface FinetuneOptions {
  /** Gradient steps on the k examples (full batch); default 30. */
  steps?: number;
  /** Learning rate (constant); default 3e-3 (high, because there are only k examples and few steps). */
  lr?: number;
  /** Engine (default: the course's choice, lib/env). */
  engine?: EngineName;
}

export interface FinetuneResult {
  /** The fine-tuned copy (dispose it when done). */
  model: GPT;
  hashBefore: string;
  hashAfter: string;
  /** Loss on the k examples at each step (before that step's update). */
  losses: number[];
  seconds: number;
}

/** Fine-tunes a copy of `base` on `examples` (the original is untouched). */
export async function finetuneOnExamples(base: GPT, instruction: string, examples: readonly Example[], o: FinetuneOptions = {}): Promise<FinetuneResult> {
  if (examples.length === 0) throw new Error("fine-tuning needs at least one example");
  const t0 = Date.now();
  const vocab = new SyntheticVocab();
  const model = cloneGpt(base);
  const hashBefore = hashWeights(model);
  // All zero-shot sequences have the same length (<bos>, task, x), so they form one batch: predict the label after x.
  const seqs: TargetSequence[] = examples.map((ex) => {
    const ids = vocab.encode(buildPrompt({ instruction, examples: [], query: ex.input }, SYNTHETIC_FORMAT));
    return { ids, targets: [[ids.length - 1, vocab.id(ex.output)]] };
  });
  const batch = targetBatch(seqs);
  const steps = o.steps ?? 30;
  const schedule = { peak: o.lr ?? 3e-3, warmup: 0, total: steps, decay: "constant" as const };
  const trainer = await createGptTrainer(model, { engine: o.engine });
  const losses: number[] = [];
  try {
    await trainLoop({
      startStep: 0,
      steps,
      step: async (s) => {
        const t = Date.now();
        const lr = learningRate(s, schedule);
        const r = await trainer.step(batch, lr);
        losses.push(r.metrics.loss);
        return { step: s + 1, loss: r.metrics.loss, losses: r.metrics, lr, gradNorm: r.gradNorm, tokens: batch.inputIds.data.length, ms: Date.now() - t };
      },
    });
    trainer.sync();
  } finally {
    trainer.dispose();
  }
  return { model, hashBefore, hashAfter: hashWeights(model), losses, seconds: (Date.now() - t0) / 1000 };
}
