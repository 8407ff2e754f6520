/**
 * Perplexity of a causal (decoder) language model, and pseudo-perplexity of a masked one (BERT).
 *
 *  - A decoder gives p(x_t | x_<t) directly: perplexity = exp(−(1/N) Σ_t log p(x_t | x_<t)).
 *    `causalPerplexity` works with any model written as a function ids → next-token logits, so it
 *    scores the course's tiny bigram model, a tfjs decoder or a transformers.js one alike. Texts longer
 *    than the model's context are scored with a sliding window (each token once, with as much context
 *    as the window allows), as Hugging Face's perplexity guide does.
 *  - BERT has no left-to-right factorisation, so it has no perplexity. Its pseudo-log-likelihood
 *    (Salazar et al. 2020, "Masked Language Model Scoring", §2) masks each token in turn and sums
 *    log p(x_t | everything else); pseudo-perplexity = exp(−PLL / N). It is NOT comparable to a
 *    decoder's perplexity (BERT sees both sides, an easier task), only to other MLMs' pseudo-perplexity.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { tf } from "../engine/tfjs/backend";
import type { BertModel } from "../models/bert/model";
import type { BertTokenizer } from "../text/tokenizer";
import { logSoftmax, perplexityFromNll, PerplexityResult } from "./metrics";

// ---------------------------------------------------------------- causal

/**
 * A causal LM as a function: for ids[0 … T−1] it returns T rows of logits (or log-probabilities),
 * row t being the distribution of the token that follows ids[t]. May return a tfjs tensor [T, V]
 * (it is read and disposed) or a promise of either.
 */
export type CausalLM = (ids: number[]) => ArrayLike<number>[] | tfTypes.Tensor | Promise<ArrayLike<number>[] | tfTypes.Tensor>;

export interface CausalPerplexityOptions {
  /** Longest input the model takes (default: whole sequences). */
  contextLength?: number;
  /**
   * New targets scored per window (default contextLength − 1: windows overlap by one token, so no
   * target is lost). Smaller = more context for each token, more forward passes.
   */
  stride?: number;
  /** Prepended to every sequence so the first token is scored too (e.g. a BOS / <s> id). */
  bosId?: number;
}

/**
 * Perplexity of `lm` on token sequences (each sequence is scored separately; totals are summed).
 * Every token after the first is scored exactly once. A window scoring targets ids[a+1 … b] is the
 * input ids[max(0, b + 1 − contextLength) … b], so each target sees up to contextLength − 1 tokens.
 */
export async function causalPerplexity(lm: CausalLM, sequences: readonly (readonly number[])[], options: CausalPerplexityOptions = {}): Promise<PerplexityResult> {
  let nll = 0;
  let tokens = 0;
  for (const raw of sequences) {
    const ids = options.bosId === undefined ? raw.slice() : [options.bosId, ...raw];
    if (ids.length < 2) continue;
    const ctx = options.contextLength ?? ids.length;
    const stride = options.stride ?? ctx - 1;
    if (ctx < 2 || stride < 1 || stride > ctx - 1) throw new Error(`causalPerplexity: need contextLength ≥ 2 and 1 ≤ stride ≤ contextLength − 1 (got ${ctx}, ${stride})`);
    for (let done = 0; done < ids.length - 1; ) {
      const last = Math.min(done + stride, ids.length - 1); // score targets ids[done+1 … last]
      const begin = Math.max(0, last + 1 - ctx);
      const window = ids.slice(begin, last + 1);
      const rows = await readRows(await lm(window));
      if (rows.length !== window.length) throw new Error(`the model returned ${rows.length} rows of logits for ${window.length} tokens`);
      for (let target = done + 1; target <= last; target++) {
        const row = target - 1 - begin; // row j predicts window[j + 1]
        nll -= logSoftmax(rows[row])[ids[target]];
        tokens++;
      }
      done = last;
    }
  }
  return perplexityFromNll(nll, tokens);
}

async function readRows(x: ArrayLike<number>[] | tfTypes.Tensor): Promise<ArrayLike<number>[]> {
  const t = tf();
  if (!(x instanceof t.Tensor)) return x;
  if (x.rank !== 2) {
    x.dispose();
    throw new Error(`a causal LM must return logits [T, V]; got shape [${x.shape}]`);
  }
  const [T, V] = x.shape;
  const data = (await x.data()) as Float32Array;
  x.dispose();
  return Array.from({ length: T }, (_, i) => data.subarray(i * V, (i + 1) * V));
}

// ---------------------------------------------------------------- BERT pseudo-perplexity

export interface PseudoPerplexityOptions {
  /** The [MASK] id. */
  maskId: number;
  /** Ids never masked or scored ([CLS], [SEP], [PAD]). */
  skipIds?: Iterable<number>;
  /** Masked copies per forward pass (default 32): all positions of a sequence are scored in batches. */
  batchSize?: number;
  /** Trailing tokens with this id are padding: they are cut off before scoring (never attended to). */
  padId?: number;
}

export interface PseudoPerplexityResult extends PerplexityResult {
  /** exp(−PLL / N): the same number as `perplexity`, named as in Salazar et al. 2020. */
  pseudoPerplexity: number;
  /** Per sequence: its pseudo-log-likelihood (natural log) and scored tokens. */
  perSequence: { pll: number; tokens: number }[];
}

/**
 * Pseudo-perplexity of a BERT with an MLM head on token sequences (with their [CLS] / [SEP]).
 * Each scored position t gets its own copy of the sequence with x_t replaced by [MASK]; the copies
 * go through the model in batches and only the masked rows are scored (mlmRows).
 */
export async function pseudoPerplexity(model: BertModel, sequences: readonly (readonly number[])[], options: PseudoPerplexityOptions): Promise<PseudoPerplexityResult> {
  const t = tf();
  if (!model.heads.mlm) throw new Error("pseudo-perplexity needs the MLM head: load a BertForPreTraining / BertForMaskedLM checkpoint, not a bare BertModel");
  const skip = new Set(options.skipIds ?? []);
  const batchSize = options.batchSize ?? 32;
  const perSequence: { pll: number; tokens: number }[] = [];
  for (const padded of sequences) {
    let T = padded.length;
    if (options.padId !== undefined) while (T > 0 && padded[T - 1] === options.padId) T--;
    const seq = padded.slice(0, T);
    if (T > model.config.max_position_embeddings) throw new Error(`a sequence of ${T} tokens is longer than the model's ${model.config.max_position_embeddings} positions; truncate it`);
    const positions = Array.from({ length: T }, (_, i) => i).filter((i) => !skip.has(seq[i]));
    let pll = 0;
    for (let s = 0; s < positions.length; s += batchSize) {
      const chunk = positions.slice(s, s + batchSize);
      const ids = new Int32Array(chunk.length * T);
      chunk.forEach((p, r) => {
        ids.set(seq, r * T);
        ids[r * T + p] = options.maskId;
      });
      const logp = t.tidy(() => {
        const inputIds = t.tensor2d(ids, [chunk.length, T], "int32"); // [R, T]
        const out = model.forward({ inputIds }, { mlmRows: chunk.map((p, r) => r * T + p) });
        const logits = out.mlmLogits!; // [R, V]: row r is the masked position of copy r
        const targets = t.tensor1d(chunk.map((p) => seq[p]), "int32"); // [R]
        return t.sum(t.mul(t.logSoftmax(logits), t.oneHot(targets, logits.shape[1]!)), 1); // [R] log p(x_p | rest); tidy frees the rest
      });
      const values = (await logp.data()) as Float32Array;
      logp.dispose();
      for (const v of values) pll += v;
    }
    perSequence.push({ pll, tokens: positions.length });
  }
  const nll = -perSequence.reduce((a, x) => a + x.pll, 0);
  const n = perSequence.reduce((a, x) => a + x.tokens, 0);
  const base = perplexityFromNll(nll, n);
  return { ...base, pseudoPerplexity: base.perplexity, perSequence };
}

/** Pseudo-perplexity of texts: each is tokenized with [CLS] … [SEP] (truncated to maxLength, default 128). */
export async function pseudoPerplexityOfTexts(
  model: BertModel,
  tokenizer: BertTokenizer,
  texts: readonly string[],
  options: { maxLength?: number; batchSize?: number } = {},
): Promise<PseudoPerplexityResult> {
  const maxLength = Math.min(options.maxLength ?? 128, model.config.max_position_embeddings);
  const sequences = texts.map((x) => tokenizer.encode(x, null, { maxLength, truncation: true }).ids).filter((ids) => ids.length > 2);
  return pseudoPerplexity(model, sequences, { maskId: tokenizer.maskId, skipIds: [tokenizer.clsId, tokenizer.sepId, tokenizer.padId], padId: tokenizer.padId, batchSize: options.batchSize });
}
