/**
 * Text-generation metrics, implemented from their papers:
 *
 *  - BLEU (Papineni et al. 2002): the geometric mean of modified n-gram precisions (n = 1 … 4, each
 *    n-gram's count clipped to its largest count in any one reference), times a brevity penalty
 *    BP = 1 if c > r else exp(1 − r/c) (c: hypothesis length, r: effective reference length, the
 *    reference length closest to c, summed over the corpus). Corpus BLEU sums the clipped matches and
 *    the totals over all sentences before dividing — not an average of sentence scores.
 *  - ROUGE-L (Lin 2004, §3): the longest common subsequence (LCS) of candidate and reference;
 *    R = LCS/|ref|, P = LCS/|cand|, F = (1 + β²)·R·P / (R + β²·P). β = 1 (the F1 that Google's
 *    rouge-score reports); Lin's paper sets β large, which makes F ≈ R. Several references: the best F.
 *  - perplexity: exp of the mean negative log-likelihood per token, exp(−(1/N) Σ log p(x_t | context)).
 *    A model that spreads probability uniformly over V tokens has perplexity exactly V.
 *
 * Scores depend on tokenization (Post 2018, "A Call for Clarity in Reporting BLEU Scores"): these
 * functions take token arrays, or strings split by `simpleTokenize` (lowercase, punctuation split off).
 */

export type Tokens = readonly string[];
export type TextOrTokens = string | Tokens;

/** Lowercases, puts spaces around punctuation, splits on whitespace. */
export function simpleTokenize(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/([^\p{L}\p{N}\s'])/gu, " $1 ")
    .split(/\s+/)
    .filter(Boolean);
}

function toks(x: TextOrTokens): Tokens {
  return typeof x === "string" ? simpleTokenize(x) : x;
}

/** Counts of each n-gram (joined with a space) in `tokens`. */
export function ngramCounts(tokens: Tokens, n: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const g = tokens.slice(i, i + n).join(" ");
    out.set(g, (out.get(g) ?? 0) + 1);
  }
  return out;
}

// ---------------------------------------------------------------- BLEU

export interface BleuOptions {
  /** Longest n-gram (default 4: "BLEU-4", the paper's baseline). */
  maxN?: number;
  /**
   * What to do when some precision is 0 (a short sentence often has no matching 4-gram):
   * "none" (default): BLEU = 0, as in the paper and sacrebleu's corpus score;
   * "add-one": add 1 to the matches and the totals of n ≥ 2 (Lin & Och 2004), for sentence-level use.
   */
  smoothing?: "none" | "add-one";
}

export interface BleuResult {
  /** In [0, 1] (multiply by 100 for the usual reporting). */
  bleu: number;
  /** Modified n-gram precision p_n = matches[n−1] / totals[n−1], n = 1 … maxN. */
  precisions: number[];
  /** Clipped n-gram matches, summed over the corpus. */
  matches: number[];
  /** Hypothesis n-grams, summed over the corpus. */
  totals: number[];
  brevityPenalty: number;
  /** c: hypothesis tokens. */
  hypLength: number;
  /** r: effective reference tokens (closest reference length per sentence, ties to the shorter). */
  refLength: number;
}

/** Corpus BLEU: hypotheses[i] is scored against references[i] (one or more references each). */
export function corpusBleu(hypotheses: readonly TextOrTokens[], references: readonly (readonly TextOrTokens[])[], options: BleuOptions = {}): BleuResult {
  if (hypotheses.length !== references.length) throw new Error(`corpusBleu: ${hypotheses.length} hypotheses but ${references.length} reference lists; give one list (of one or more references) per hypothesis`);
  const N = options.maxN ?? 4;
  const matches = new Array<number>(N).fill(0);
  const totals = new Array<number>(N).fill(0);
  let c = 0;
  let r = 0;
  hypotheses.forEach((h, i) => {
    const hyp = toks(h);
    const refs = references[i].map(toks);
    if (refs.length === 0) throw new Error(`corpusBleu: hypothesis ${i} has no reference`);
    c += hyp.length;
    // Effective reference length: the reference length closest to the hypothesis length (ties: the shorter).
    r += refs.map((x) => x.length).reduce((best, len) => (Math.abs(len - hyp.length) < Math.abs(best - hyp.length) || (Math.abs(len - hyp.length) === Math.abs(best - hyp.length) && len < best) ? len : best));
    for (let n = 1; n <= N; n++) {
      const hypCounts = ngramCounts(hyp, n);
      // Clip: an n-gram counts at most as often as it appears in any single reference.
      const maxRef = new Map<string, number>();
      for (const ref of refs) for (const [g, k] of ngramCounts(ref, n)) maxRef.set(g, Math.max(maxRef.get(g) ?? 0, k));
      for (const [g, k] of hypCounts) matches[n - 1] += Math.min(k, maxRef.get(g) ?? 0);
      totals[n - 1] += Math.max(0, hyp.length - n + 1);
    }
  });
  const smooth = options.smoothing ?? "none";
  const precisions = matches.map((m, i) => {
    const add = smooth === "add-one" && i > 0 ? 1 : 0;
    const tot = totals[i] + add;
    return tot > 0 ? (m + add) / tot : 0;
  });
  const brevityPenalty = c === 0 ? 0 : c > r ? 1 : Math.exp(1 - r / c);
  const logMean = precisions.some((p) => p === 0) ? -Infinity : precisions.reduce((s, p) => s + Math.log(p), 0) / N; // uniform weights 1/N
  return { bleu: brevityPenalty * Math.exp(logMean), precisions, matches, totals, brevityPenalty, hypLength: c, refLength: r };
}

/**
 * BLEU of one hypothesis against its references: a string (one reference) or a list of references
 * (strings or token arrays; a single token-array reference is `[tokens]`).
 */
export function sentenceBleu(hypothesis: TextOrTokens, references: string | readonly TextOrTokens[], options: BleuOptions = {}): BleuResult {
  return corpusBleu([hypothesis], [typeof references === "string" ? [references] : references], options);
}

// ---------------------------------------------------------------- ROUGE-L

/** Length of the longest common subsequence (dynamic programming, O(|a|·|b|)). */
export function lcsLength(a: Tokens, b: Tokens): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const cur = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    prev = cur;
  }
  return prev[b.length];
}

export interface RougeLResult {
  lcs: number;
  precision: number;
  recall: number;
  f: number;
}

/**
 * ROUGE-L of a candidate against a reference string, or the best over a list of references
 * (strings or token arrays; a single token-array reference is `[tokens]`).
 */
export function rougeL(candidate: TextOrTokens, references: string | readonly TextOrTokens[], options: { beta?: number } = {}): RougeLResult {
  const beta = options.beta ?? 1;
  const cand = toks(candidate);
  const refs = (typeof references === "string" ? [references] : references).map(toks);
  let best: RougeLResult = { lcs: 0, precision: 0, recall: 0, f: 0 };
  for (const ref of refs) {
    const lcs = lcsLength(cand, ref);
    const precision = cand.length ? lcs / cand.length : 0;
    const recall = ref.length ? lcs / ref.length : 0;
    const f = precision + recall > 0 ? ((1 + beta * beta) * precision * recall) / (recall + beta * beta * precision) : 0;
    if (f > best.f || (f === best.f && lcs > best.lcs)) best = { lcs, precision, recall, f };
  }
  return best;
}

// ---------------------------------------------------------------- perplexity

/** log softmax of a logit vector (stable: subtracts the max). */
export function logSoftmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  let z = 0;
  for (let i = 0; i < logits.length; i++) z += Math.exp(logits[i] - max);
  const lz = max + Math.log(z);
  const out = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i] - lz;
  return out;
}

export interface PerplexityResult {
  /** Σ −log p over the scored tokens (nats). */
  nll: number;
  /** Tokens scored. */
  tokens: number;
  /** exp(nll / tokens). */
  perplexity: number;
  /** nll / tokens / ln 2: the average code length in bits a model would need per token. */
  bitsPerToken: number;
}

/** Perplexity from per-token natural-log probabilities log p(x_t | context). */
export function perplexityFromLogProbs(logProbs: ArrayLike<number>): PerplexityResult {
  let nll = 0;
  for (let i = 0; i < logProbs.length; i++) nll -= logProbs[i];
  return perplexityFromNll(nll, logProbs.length);
}

export function perplexityFromNll(nll: number, tokens: number): PerplexityResult {
  if (tokens <= 0) throw new Error("perplexity needs at least one scored token");
  return { nll, tokens, perplexity: Math.exp(nll / tokens), bitsPerToken: nll / tokens / Math.LN2 };
}
