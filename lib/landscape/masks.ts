/**
 * Attention masks: which positions a token may look at. mask[i][j] = 1 when the token at i may
 * attend to the token at j.
 *
 *  - bidirectional (encoders: BERT): every token sees every (non-padding) token. Masked-language
 *    modelling needs this: to fill "[MASK]" in "the [MASK] sat on the mat" the model must read
 *    both "the" and "sat on the mat".
 *  - causal (decoders: GPT, Llama): token i sees tokens 0 … i only. Generation needs this: at
 *    training time every position predicts the next token, and it must not peek at the answer;
 *    at generation time the future does not exist yet.
 *  - prefix (prefix-LM, T5's "PrefixLM", UniLM): bidirectional inside the prompt, causal after it.
 *
 * Padding (a batch of unequal lengths) removes the padded columns for every row.
 */

export type MaskKind = "bidirectional" | "causal" | "prefix";

export interface MaskOptions {
  /** prefix masks: the prompt length (default half of T). */
  prefixLength?: number;
  /** Real tokens in the sequence; positions ≥ length are padding (default T: no padding). */
  length?: number;
}

/** The T × T mask (1 = may attend, 0 = blocked). */
export function attentionMask(kind: MaskKind, T: number, options: MaskOptions = {}): number[][] {
  if (!Number.isInteger(T) || T <= 0) throw new Error(`attentionMask: T must be a positive integer, got ${T}`);
  const len = options.length ?? T;
  const prefix = options.prefixLength ?? Math.floor(T / 2);
  const allowed = (i: number, j: number): boolean => {
    if (j >= len) return false; // padding column
    switch (kind) {
      case "bidirectional":
        return true;
      case "causal":
        return j <= i;
      case "prefix":
        return j < prefix || j <= i;
      default:
        throw new Error(`unknown mask kind "${String(kind)}": use bidirectional, causal or prefix`);
    }
  };
  return Array.from({ length: T }, (_, i) => Array.from({ length: T }, (_, j) => (allowed(i, j) ? 1 : 0)));
}

/**
 * Softmax of each row of `scores` over the allowed positions (blocked ones get probability 0),
 * as attention computes it (the additive −∞ bias before softmax). Rows with nothing allowed stay 0.
 */
export function maskedSoftmax(scores: number[][], mask: number[][]): number[][] {
  return scores.map((row, i) => {
    const allowed = row.map((_, j) => mask[i][j] === 1);
    const max = Math.max(...row.filter((_, j) => allowed[j]));
    const e = row.map((s, j) => (allowed[j] ? Math.exp(s - max) : 0));
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((v) => (z > 0 ? v / z : 0));
  });
}

/** How many (query, key) pairs a mask allows: T² for bidirectional, T(T+1)/2 for causal. */
export function allowedPairs(mask: number[][]): number {
  return mask.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
}
