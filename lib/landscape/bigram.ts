/**
 * The smallest causal language model there is: a word bigram model, p(w_t | w_{t−1}), counted from
 * text. It stands in for a decoder when scoring perplexity (lib/landscape/perplexity.ts takes any
 * ids → next-token-logits function), so the perplexity code is exercised on a real causal model
 * without a trained transformer, and it gives the baselines any decoder must beat:
 *
 *   uniform  p(w) = 1/V                         perplexity = V exactly
 *   unigram  p(w) = (c(w) + 1) / (N + V')       add-one (Laplace) smoothing
 *   bigram   p(w | v) = λ·c(v, w)/c(v) + (1 − λ)·p_unigram(w)   (Jelinek & Mercer 1980 interpolation)
 *
 * Words outside the vocabulary (seen fewer than `minCount` times in training) become <unk>.
 * Every sequence starts with <s>, which is never predicted.
 */
import { perplexityFromNll, PerplexityResult, simpleTokenize } from "./metrics";
import type { CausalLM } from "./perplexity";

export const BOS = "<s>";
export const UNK = "<unk>";

export interface NgramOptions {
  /** 0 = uniform, 1 = unigram, 2 = bigram (default). */
  order?: 0 | 1 | 2;
  /** Words seen fewer times than this map to <unk> (default 2). */
  minCount?: number;
  /** Bigram weight λ of the interpolation (default 0.8; the rest goes to the unigram). */
  lambda?: number;
  tokenize?: (text: string) => string[];
}

export class NgramLM {
  readonly vocab: string[];
  readonly order: 0 | 1 | 2;
  readonly lambda: number;
  private readonly index: Map<string, number>;
  private readonly tokenizeFn: (text: string) => string[];
  private readonly unigramLog: Float64Array; // [V] log p_unigram (or uniform)
  private readonly unigramProb: Float64Array; // [V] p_unigram
  private readonly bigram: Map<number, Map<number, number>>; // prev → (next → count)
  private readonly prevTotals: Map<number, number>;

  private constructor(vocab: string[], options: Required<Pick<NgramOptions, "order" | "lambda">> & { tokenize: (t: string) => string[] }, unigramCounts: Float64Array, bigram: Map<number, Map<number, number>>) {
    this.vocab = vocab;
    this.order = options.order;
    this.lambda = options.lambda;
    this.tokenizeFn = options.tokenize;
    this.index = new Map(vocab.map((w, i) => [w, i]));
    this.bigram = bigram;
    this.prevTotals = new Map([...bigram].map(([p, m]) => [p, [...m.values()].reduce((a, b) => a + b, 0)]));
    const V = vocab.length;
    const bos = this.index.get(BOS)!;
    const N = unigramCounts.reduce((a, b) => a + b, 0);
    this.unigramLog = new Float64Array(V);
    for (let w = 0; w < V; w++) {
      if (w === bos) this.unigramLog[w] = -Infinity; // <s> is context only, never predicted
      else if (this.order === 0) this.unigramLog[w] = -Math.log(V - 1);
      else this.unigramLog[w] = Math.log((unigramCounts[w] + 1) / (N + V - 1)); // add-one over the V − 1 predictable words
    }
    this.unigramProb = this.unigramLog.map(Math.exp);
  }

  /** Counts a model from training texts (each text is one sequence). */
  static train(texts: readonly string[], options: NgramOptions = {}): NgramLM {
    const tokenize = options.tokenize ?? simpleTokenize;
    const minCount = options.minCount ?? 2;
    const raw = new Map<string, number>();
    const docs = texts.map(tokenize);
    for (const d of docs) for (const w of d) raw.set(w, (raw.get(w) ?? 0) + 1);
    const words = [...raw].filter(([, c]) => c >= minCount).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([w]) => w);
    const vocab = [BOS, UNK, ...words.filter((w) => w !== BOS && w !== UNK)];
    const index = new Map(vocab.map((w, i) => [w, i]));
    const unk = index.get(UNK)!;
    const unigram = new Float64Array(vocab.length);
    const bigram = new Map<number, Map<number, number>>();
    for (const d of docs) {
      let prev = index.get(BOS)!;
      for (const w of d) {
        const id = index.get(w) ?? unk;
        unigram[id]++;
        let m = bigram.get(prev);
        if (!m) bigram.set(prev, (m = new Map()));
        m.set(id, (m.get(id) ?? 0) + 1);
        prev = id;
      }
    }
    return new NgramLM(vocab, { order: options.order ?? 2, lambda: options.lambda ?? 0.8, tokenize }, unigram, bigram);
  }

  get size(): number {
    return this.vocab.length;
  }

  /** Text → ids, starting with <s>. */
  encode(text: string): number[] {
    const unk = this.index.get(UNK)!;
    return [this.index.get(BOS)!, ...this.tokenizeFn(text).map((w) => this.index.get(w) ?? unk)];
  }

  /** log p(next | prev) for every next word: a row of V log-probabilities (sums to 1 in probability). */
  nextLogProbs(prev: number): Float64Array {
    const V = this.vocab.length;
    if (this.order < 2) return this.unigramLog.slice();
    const counts = this.bigram.get(prev);
    const total = this.prevTotals.get(prev) ?? 0;
    const out = new Float64Array(V);
    const lam = total > 0 ? this.lambda : 0; // unseen context: back off to the unigram entirely
    if (lam === 0) return this.unigramLog.slice();
    for (let w = 0; w < V; w++) out[w] = Math.log((1 - lam) * this.unigramProb[w]);
    for (const [w, c] of counts!) out[w] = Math.log(lam * (c / total) + (1 - lam) * this.unigramProb[w]); // seen successors only
    return out;
  }

  /** log p(next | prev) for one pair: O(1), the same number as nextLogProbs(prev)[next]. */
  logProb(prev: number, next: number): number {
    if (this.order < 2) return this.unigramLog[next];
    const total = this.prevTotals.get(prev) ?? 0;
    if (total === 0) return this.unigramLog[next];
    const c = this.bigram.get(prev)!.get(next) ?? 0;
    return Math.log(this.lambda * (c / total) + (1 - this.lambda) * this.unigramProb[next]);
  }

  /**
   * Perplexity on id sequences (from `encode`, starting with <s>), one pair at a time: the same result
   * as causalPerplexity(lm.asCausalLM(), sequences), without building a V-wide row per token.
   */
  perplexity(sequences: readonly (readonly number[])[]): PerplexityResult {
    let nll = 0;
    let n = 0;
    for (const s of sequences) for (let i = 1; i < s.length; i++, n++) nll -= this.logProb(s[i - 1], s[i]);
    return perplexityFromNll(nll, n);
  }

  /** The model as a CausalLM for `causalPerplexity`: row t = log p(· | ids[t]). */
  asCausalLM(): CausalLM {
    return (ids: number[]) => ids.map((id) => this.nextLogProbs(id));
  }
}
