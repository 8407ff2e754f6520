/**
 * What the ICL harness needs from a language model, whatever it is (the lab's synthetic GPT or a
 * real LLM through transformers.js): the log-probability of candidate continuations of a prompt
 * (label scoring) and free generation.
 *
 * Label scoring (Brown et al. 2020 §2.4 evaluate multiple-choice tasks this way): the answer is the
 * candidate with the highest total log-probability  Σ_t log p(c_t | prompt, c_<t). It never produces
 * an answer outside the label set, which makes small models measurable; free generation shows what
 * the model would actually write.
 */
import type { EngineName } from "../engine/run";
import { GPT } from "../models/gpt/model";
import { SyntheticVocab } from "./synthetic";

export interface LanguageModel {
  /** A name for tables and JSON reports. */
  name: string;
  /** log p(candidate | prompt) for each candidate (summed over the candidate's tokens). */
  scoreContinuations(prompt: string, candidates: readonly string[]): Promise<number[]>;
  /** Greedy continuation of `prompt`, up to `maxNewTokens` tokens, stopping at `stop` if given. */
  generate(prompt: string, options?: { maxNewTokens?: number; stop?: string }): Promise<string>;
}

/** Index of the best score (first on ties). */
export function argmax(xs: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

/** The attention probabilities of every block, per head [nh][T][T] (rows = queries, causal), and the tokens they are over. */
export interface AttentionMaps {
  tokens: string[];
  /** layers[l][h][i][j]: how much query position i attends to key position j in head h of block l. */
  layers: number[][][][];
}

/**
 * The lab's GPT with its word-level synthetic vocabulary, behind the LanguageModel interface. It
 * runs on the course's engine (lib/env; `engine` overrides it), in batches padded to few shapes.
 */
export class SyntheticLM implements LanguageModel {
  readonly name: string;
  constructor(readonly model: GPT, readonly vocab: SyntheticVocab = new SyntheticVocab(), name = "synthetic-gpt", public engine?: EngineName) {
    this.name = name;
  }

  /** Next-token log-probabilities [V] after `ids`. */
  async nextLogProbs(ids: readonly number[]): Promise<Float32Array> {
    return (await this.model.run([ids], { engine: this.engine })).logProbs[0];
  }

  async scoreContinuations(prompt: string, candidates: readonly string[]): Promise<number[]> {
    const ctx = this.vocab.encode(prompt);
    const conts = candidates.map((c) => this.vocab.encode(c, false));
    // One batch: prompt + candidate i as sequence i; the score sums log p(c_j | prompt, c_<j) over the candidate's tokens.
    const at: [number, number][] = [];
    conts.forEach((cont, i) => cont.forEach((_, j) => at.push([i, ctx.length - 1 + j])));
    const { logProbs } = await this.model.run(conts.map((cont) => [...ctx, ...cont]), { at, engine: this.engine });
    let r = 0;
    return conts.map((cont) => cont.reduce((s, tok) => s + logProbs[r++][tok], 0));
  }

  async generate(prompt: string, options: { maxNewTokens?: number; stop?: string } = {}): Promise<string> {
    const ids = this.vocab.encode(prompt);
    const start = ids.length;
    const max = options.maxNewTokens ?? 8;
    for (let i = 0; i < max && ids.length < this.model.config.n_positions; i++) {
      const best = argmax(await this.nextLogProbs(ids));
      ids.push(best);
      if (options.stop !== undefined && this.vocab.tokens[best] === options.stop) break;
    }
    return this.vocab.decode(ids.slice(start));
  }

  /**
   * Label scoring for many single-token candidates at once: one batched run over the prompts;
   * returns [prompts][candidates] log-probs (equal to `scoreContinuations` for one-token labels).
   * The evaluation harness uses it for speed.
   */
  async scoreBatch(prompts: readonly string[], candidates: readonly string[]): Promise<number[][]> {
    const enc = prompts.map((p) => this.vocab.encode(p));
    const candIds = candidates.map((c) => {
      const ids = this.vocab.encode(c, false);
      if (ids.length !== 1) throw new Error(`scoreBatch needs one-token candidates; "${c}" is ${ids.length} tokens`);
      return ids[0];
    });
    if (enc.length === 0) return [];
    const { logProbs } = await this.model.run(enc, { engine: this.engine });
    return logProbs.map((lp) => candIds.map((c) => lp[c]));
  }

  /** Every block's attention probabilities over the prompt's tokens (what each position looks at). */
  async attentionMaps(prompt: string): Promise<AttentionMaps> {
    const ids = this.vocab.encode(prompt);
    const T = ids.length;
    const { attentions } = await this.model.run([ids], { attentions: true, engine: this.engine });
    const layers = attentions!.map((a) => {
      const nh = a.shape[1];
      return Array.from({ length: nh }, (_, h) => Array.from({ length: T }, (_, i) => Array.from(a.data.subarray((h * T + i) * T, (h * T + i + 1) * T))));
    });
    return { tokens: ids.map((i) => this.vocab.tokens[i]), layers };
  }
}
