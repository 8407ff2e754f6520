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
import { tf } from "../env";
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
export function argmax(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

/** The lab's GPT with its word-level synthetic vocabulary, behind the LanguageModel interface. */
export class SyntheticLM implements LanguageModel {
  readonly name: string;
  constructor(readonly model: GPT, readonly vocab: SyntheticVocab = new SyntheticVocab(), name = "synthetic-gpt") {
    this.name = name;
  }

  /** Next-token log-probabilities [V] after `ids`. */
  nextLogProbs(ids: number[]): Float32Array {
    const t = tf();
    const out = this.model.forward([ids]);
    const lp = t.tidy(() => {
      const last = t.slice(out.logits, [0, ids.length - 1, 0], [1, 1, -1]).reshape([-1]);
      return t.logSoftmax(last).dataSync() as Float32Array;
    });
    out.logits.dispose();
    return lp;
  }

  async scoreContinuations(prompt: string, candidates: readonly string[]): Promise<number[]> {
    const ctx = this.vocab.encode(prompt);
    // One forward pass per candidate (they are one or two tokens here): sum of token log-probs.
    return candidates.map((c) => {
      const cont = this.vocab.encode(c, false);
      const ids = [...ctx, ...cont];
      const t = tf();
      const out = this.model.forward([ids]);
      const total = t.tidy(() => {
        const lp = t.logSoftmax(t.squeeze(out.logits, [0]), -1); // [T, V]
        let s = 0;
        const arr = lp.arraySync() as number[][];
        cont.forEach((tok, j) => (s += arr[ctx.length - 1 + j][tok]));
        return s;
      });
      out.logits.dispose();
      return total;
    });
  }

  async generate(prompt: string, options: { maxNewTokens?: number; stop?: string } = {}): Promise<string> {
    const ids = this.vocab.encode(prompt);
    const start = ids.length;
    const max = options.maxNewTokens ?? 8;
    for (let i = 0; i < max && ids.length < this.model.config.n_positions; i++) {
      const lp = this.nextLogProbs(ids);
      let best = 0;
      for (let v = 1; v < lp.length; v++) if (lp[v] > lp[best]) best = v;
      ids.push(best);
      if (options.stop !== undefined && this.vocab.tokens[best] === options.stop) break;
    }
    return this.vocab.decode(ids.slice(start));
  }

  /**
   * Label scoring for many single-token candidates at once: one forward pass over a batch of
   * prompts of equal length; returns [prompts][candidates] log-probs. The evaluation harness uses
   * it for speed (the result equals `scoreContinuations` for one-token labels).
   */
  scoreBatch(prompts: readonly string[], candidates: readonly string[]): number[][] {
    const t = tf();
    const enc = prompts.map((p) => this.vocab.encode(p));
    const candIds = candidates.map((c) => {
      const ids = this.vocab.encode(c, false);
      if (ids.length !== 1) throw new Error(`scoreBatch needs one-token candidates; "${c}" is ${ids.length} tokens`);
      return ids[0];
    });
    const results: number[][] = new Array(prompts.length);
    // Group by length so each forward pass is a rectangular batch.
    const byLen = new Map<number, number[]>();
    enc.forEach((ids, i) => byLen.set(ids.length, [...(byLen.get(ids.length) ?? []), i]));
    for (const [len, idx] of byLen) {
      for (let s = 0; s < idx.length; s += 64) {
        const chunk = idx.slice(s, s + 64);
        const out = this.model.forward(chunk.map((i) => enc[i]));
        const lp = t.tidy(() => t.logSoftmax(t.squeeze(t.slice(out.logits, [0, len - 1, 0], [-1, 1, -1]), [1]), -1).arraySync() as number[][]);
        out.logits.dispose();
        chunk.forEach((i, r) => (results[i] = candIds.map((c) => lp[r][c])));
      }
    }
    return results;
  }
}
