/**
 * The contrast to in-context learning: fine-tuning on the SAME k examples, i.e. gradient updates.
 * A copy of the model is trained on each example as a zero-shot sequence (`task:new x07` → `y2`);
 * the copy's weight hash changes, the original's does not. Afterwards the copy answers those
 * symbols without any examples in the prompt — the knowledge moved from the context into the weights.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { tf } from "../env";
import { cloneGpt, hashWeights } from "../models/gpt/checkpoint";
import { GPT } from "../models/gpt/model";
import { trainStep } from "./pretrain";
import { buildPrompt, Example } from "./prompt";
import { SyntheticVocab, SYNTHETIC_FORMAT } from "./synthetic";

export interface FinetuneOptions {
  /** Gradient steps on the k examples (full batch); default 30. */
  steps?: number;
  /** Adam learning rate; default 3e-3 (high, because there are only k examples and few steps). */
  lr?: number;
}

export interface FinetuneResult {
  /** The fine-tuned copy (dispose it when done). */
  model: GPT;
  hashBefore: string;
  hashAfter: string;
  /** Loss on the k examples after each step. */
  losses: number[];
  seconds: number;
}

/** Fine-tunes a copy of `base` on `examples` (the original is untouched). */
export function finetuneOnExamples(base: GPT, instruction: string, examples: readonly Example[], o: FinetuneOptions = {}): FinetuneResult {
  if (examples.length === 0) throw new Error("fine-tuning needs at least one example");
  const t0 = Date.now();
  const vocab = new SyntheticVocab();
  const model = cloneGpt(base);
  const hashBefore = hashWeights(model);
  const seqs = examples.map((ex) => {
    const ids = vocab.encode(buildPrompt({ instruction, examples: [], query: ex.input }, SYNTHETIC_FORMAT));
    return { ids, targets: [[ids.length - 1, vocab.id(ex.output)]] as [number, number][] };
  });
  // All zero-shot sequences have the same length (bos, task, x), so they form one batch.
  const optimizer: tfTypes.Optimizer = tf().train.adam(o.lr ?? 3e-3, 0.9, 0.95);
  const losses: number[] = [];
  for (let s = 0; s < (o.steps ?? 30); s++) {
    losses.push(trainStep(model, optimizer, seqs.map((q) => q.ids), seqs.map((q) => q.targets)));
  }
  optimizer.dispose();
  return { model, hashBefore, hashAfter: hashWeights(model), losses, seconds: (Date.now() - t0) / 1000 };
}
