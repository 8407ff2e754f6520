/**
 * The zero/one/few-shot evaluation harness: accuracy as a function of k (the number of examples
 * in the prompt), over several trials that each draw different examples in a different order, so
 * every point comes with its spread. Nothing here changes a weight: if the model can report a
 * weight hash, it is taken before and after and both are returned.
 */
import { mulberry32 } from "../data/split";
import { argmax, LanguageModel, SyntheticLM } from "./lm";
import { buildPrompt, continuation, Example, PromptFormat, DEFAULT_FORMAT } from "./prompt";
import { Embedder, bagOfWordsEmbedder, selectRandom, selectSimilar } from "./select";
import type { IclTask } from "./tasks";

export interface EvaluateOptions {
  /** Numbers of examples to try; default [0, 1, 2, 4, 8]. */
  shots?: number[];
  /** Independent draws of examples (and their order); default 5. */
  trials?: number;
  /** Test queries per trial; default 32. */
  testSize?: number;
  seed?: number;
  /** "random" (default) or "similar" (most similar pool examples to each query). */
  selection?: "random" | "similar";
  /** Embedder for "similar"; default a bag-of-words embedder. */
  embed?: Embedder;
  /** Keep the task description in the prompt (default true). */
  instruction?: boolean;
  /** Prompt layout; default the task's own (see IclTask.format). */
  format?: PromptFormat;
  /** Weight fingerprint, taken before and after (e.g. () => hashWeights(model)). */
  weightsHash?: () => string;
  /** Called after each (k, trial) with its accuracy. */
  onResult?: (r: { k: number; trial: number; accuracy: number }) => void;
}

export interface ShotStats {
  k: number;
  /** Accuracy of each trial. */
  accuracies: number[];
  mean: number;
  /** Sample standard deviation over trials. */
  std: number;
  min: number;
  max: number;
}

export interface EvaluateResult {
  model: string;
  task: string;
  selection: "random" | "similar";
  trials: number;
  testSize: number;
  chance: number;
  byShots: ShotStats[];
  /** One worked prompt per k (from trial 0, first query), to show what the model saw. */
  examplePrompts: Record<number, string>;
  hashBefore?: string;
  hashAfter?: string;
  /** true when both hashes exist and are equal: no weight changed during the evaluation. */
  weightsUnchanged?: boolean;
  seconds: number;
}

export function stats(k: number, accuracies: number[]): ShotStats {
  const n = accuracies.length;
  const mean = accuracies.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(accuracies.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { k, accuracies, mean, std, min: Math.min(...accuracies), max: Math.max(...accuracies) };
}

/** Accuracy vs k for `lm` on `task`. */
export async function evaluateIcl(lm: LanguageModel, task: IclTask, o: EvaluateOptions = {}): Promise<EvaluateResult> {
  const t0 = Date.now();
  const shots = o.shots ?? [0, 1, 2, 4, 8];
  const trials = o.trials ?? 5;
  const testSize = o.testSize ?? 32;
  const seed = o.seed ?? 42;
  const selection = o.selection ?? "random";
  const format = o.format ?? task.format ?? DEFAULT_FORMAT;
  const embed = o.embed ?? bagOfWordsEmbedder();
  const candidates = task.labels.map(continuation);
  const hashBefore = o.weightsHash?.();
  const acc = new Map<number, number[]>(shots.map((k) => [k, []]));
  const examplePrompts: Record<number, string> = {};
  const batched = lm instanceof SyntheticLM;

  for (let trial = 0; trial < trials; trial++) {
    const rng = mulberry32(seed * 1000 + trial);
    const data = task.sampleTrial(rng, testSize);
    const instruction = o.instruction === false ? undefined : data.instruction;
    const maxK = Math.max(...shots);
    // Random selection: one draw + order per trial, nested over k (k=2's examples contain k=1's).
    const randomDraw = selectRandom(data.pool, Math.min(maxK, data.pool.length), rng);
    let poolVecs: number[][] = [];
    let queryVecs: number[][] = [];
    if (selection === "similar") {
      poolVecs = await embed(data.pool.map((e) => e.input));
      queryVecs = await embed(data.test.map((e) => e.input));
    }
    for (const k of shots) {
      const prompts = data.test.map((q, qi) => {
        const examples: Example[] =
          k === 0 ? [] : selection === "similar" ? selectSimilar(data.pool, poolVecs, queryVecs[qi], k) : randomDraw.slice(0, k);
        return buildPrompt({ instruction, examples, query: q.input }, format);
      });
      if (trial === 0) examplePrompts[k] = prompts[0];
      let scores: number[][];
      if (batched) scores = await (lm as SyntheticLM).scoreBatch(prompts, candidates);
      else {
        scores = [];
        for (const p of prompts) scores.push(await lm.scoreContinuations(p, candidates));
      }
      let correct = 0;
      scores.forEach((s, i) => (correct += task.labels[argmax(s)] === data.test[i].output ? 1 : 0));
      const a = correct / data.test.length;
      acc.get(k)!.push(a);
      o.onResult?.({ k, trial, accuracy: a });
    }
  }
  const hashAfter = o.weightsHash?.();
  return {
    model: lm.name,
    task: task.name,
    selection,
    trials,
    testSize,
    chance: task.chance,
    byShots: shots.map((k) => stats(k, acc.get(k)!)),
    examplePrompts,
    hashBefore,
    hashAfter,
    weightsUnchanged: hashBefore !== undefined ? hashBefore === hashAfter : undefined,
    seconds: (Date.now() - t0) / 1000,
  };
}

/** "k=0: 25.0% ± 3.1 (…)" lines for logs. */
export function formatResult(r: EvaluateResult): string {
  const lines = r.byShots.map((s) => `  k=${String(s.k).padEnd(2)} ${(100 * s.mean).toFixed(1).padStart(5)}% ± ${(100 * s.std).toFixed(1)} (min ${(100 * s.min).toFixed(1)}, max ${(100 * s.max).toFixed(1)})`);
  return [`${r.model} on ${r.task} (${r.selection} examples, ${r.trials} trials × ${r.testSize} queries, chance ${(100 * r.chance).toFixed(1)}%)`, ...lines].join("\n");
}
