/**
 * The Unigram language-model tokenizer (Kudo 2018), the default model of SentencePiece (Kudo &
 * Richardson 2018), as T5, ALBERT, XLNet and Universal Sentence Encoder Lite use it.
 *
 * BPE and WordPiece **grow** a vocabulary by merging; Unigram **shrinks** one. A word's
 * segmentation x = (x1 … xn) has probability p(x1)·…·p(xn), each piece independent (a unigram
 * model), and a word is encoded by its most probable segmentation (Viterbi). Training:
 *
 *   1. seed: every substring (up to `maxPieceLength` characters) of the training words that occurs
 *      at least twice, the `seedSize` best by frequency × length (SentencePiece's seed score), plus
 *      every character;
 *   2. EM: the E-step runs forward–backward over each word's lattice of possible pieces and adds up
 *      how often each piece is *expected* to be used; the M-step sets p(piece) ∝ that count;
 *   3. prune: for each piece, how much the corpus log-likelihood would drop if it were removed and
 *      its occurrences re-segmented by the best alternative; keep the `shrinkFactor` share that
 *      matter most (single characters always stay, so every word stays encodable);
 *   4. repeat 2–3 until `vocabSize` pieces are left.
 *
 * As in SentencePiece, a word's first piece carries "▁" (U+2581, the marker for the space before
 * it): "▁the", "▁un" + "believ" + "able". Words come from BertTokenizer's normalisation and
 * pre-tokenisation, so notebook 01 compares the three families on the same words. Differences from
 * SentencePiece: the M-step is plain maximum likelihood (SentencePiece uses a Bayesian digamma
 * update), and the pruning loss uses the current model's probabilities for the alternatives.
 */
import { DEFAULT_NORMALIZER, NormalizerOptions, normalize, preTokenize } from "./basic";
import { countWords } from "./wordpiece-trainer";

/** SentencePiece's whitespace marker (U+2581 LOWER ONE EIGHTH BLOCK), written before each word. */
export const WORD_START = "\u2581";

export interface UnigramTrainerOptions {
  /** Target vocabulary size, special tokens included. */
  vocabSize: number;
  /** Seed vocabulary size before pruning (SentencePiece's `seed_sentencepiece_size` is 1M; 10× the target is plenty for small corpora). */
  seedSize: number;
  /** Longest piece in characters (SentencePiece's `max_sentencepiece_length` default). */
  maxPieceLength: number;
  /** Share of pieces kept at each pruning round (SentencePiece's `shrinking_factor` default). */
  shrinkFactor: number;
  /** EM iterations per round (SentencePiece's `num_sub_iterations` default). */
  emIterations: number;
  specialTokens: string[];
  unkToken: string;
  normalizer: NormalizerOptions;
}

export const DEFAULT_UNIGRAM_TRAINER: UnigramTrainerOptions = {
  vocabSize: 8192,
  seedSize: 0, // 0: 10 × vocabSize
  maxPieceLength: 16,
  shrinkFactor: 0.75,
  emIterations: 2,
  specialTokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"],
  unkToken: "[UNK]",
  normalizer: DEFAULT_NORMALIZER,
};

export interface UnigramModel {
  /** Tokens in id order: special tokens, then the pieces, most probable first. */
  vocab: string[];
  /** log p(piece) for each entry of `vocab` (0 for the special tokens, which never occur in a lattice). */
  scores: number[];
  /** Pruning rounds run. */
  rounds: number;
  /** Distinct words counted while training. */
  words: number;
}

/** log(exp(a) + exp(b)) without overflow. */
function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** The Viterbi segmentation of `s` under `logp` (pieces up to `maxLen` characters); null if some position cannot be reached. */
export function viterbi(s: string, logp: ReadonlyMap<string, number>, maxLen: number, exclude?: string): string[] | null {
  const chars = [...s];
  const n = chars.length;
  const best = new Float64Array(n + 1).fill(-Infinity);
  const from = new Int32Array(n + 1).fill(-1);
  best[0] = 0;
  // Relax forward: from every reachable position i, each vocabulary piece that starts there.
  for (let i = 0; i < n; i++) {
    if (best[i] === -Infinity) continue;
    let piece = "";
    for (let j = i + 1; j <= Math.min(n, i + maxLen); j++) {
      piece += chars[j - 1];
      if (piece === exclude) continue;
      const lp = logp.get(piece);
      if (lp === undefined) continue;
      const v = best[i] + lp;
      if (v > best[j]) {
        best[j] = v;
        from[j] = i;
      }
    }
  }
  if (best[n] === -Infinity) return null;
  const out: string[] = [];
  for (let j = n; j > 0; j = from[j]) out.push(chars.slice(from[j], j).join(""));
  return out.reverse();
}

/** Learns a Unigram vocabulary from texts (deterministic). */
export function trainUnigram(texts: Iterable<string>, options: Partial<UnigramTrainerOptions> = {}): UnigramModel {
  const o = { ...DEFAULT_UNIGRAM_TRAINER, ...options };
  return trainUnigramFromCounts(countWords(texts, o.normalizer), o);
}

/** Learns a Unigram vocabulary from word counts (what `trainUnigram` does after counting). */
export function trainUnigramFromCounts(counts: ReadonlyMap<string, number>, options: Partial<UnigramTrainerOptions> = {}): UnigramModel {
  const o = { ...DEFAULT_UNIGRAM_TRAINER, ...options };
  const target = o.vocabSize - o.specialTokens.length;
  const words = [...counts.entries()].map(([w, c]) => ({ chars: [...(WORD_START + w)], freq: c }));
  // 1. The seed: every character, plus the best frequent substrings by frequency × length.
  const chars = new Map<string, number>();
  const subs = new Map<string, number>();
  for (const { chars: cs, freq } of words) {
    for (let i = 0; i < cs.length; i++) {
      chars.set(cs[i], (chars.get(cs[i]) ?? 0) + freq);
      let piece = cs[i];
      for (let j = i + 1; j < Math.min(cs.length, i + o.maxPieceLength); j++) {
        piece += cs[j];
        subs.set(piece, (subs.get(piece) ?? 0) + freq);
      }
    }
  }
  if (chars.size > target) throw new Error(`vocabSize ${o.vocabSize} is smaller than the special tokens + the ${chars.size} characters of the corpus; raise it`);
  const seedSize = o.seedSize || 10 * o.vocabSize;
  const seeds = [...subs.entries()].filter(([, c]) => c >= 2).sort((a, b) => b[1] * [...b[0]].length - a[1] * [...a[0]].length || (a[0] < b[0] ? -1 : 1)).slice(0, Math.max(0, seedSize - chars.size));
  const counted = new Map<string, number>([...chars, ...seeds]);
  const total0 = [...counted.values()].reduce((s, c) => s + c, 0);
  let logp = new Map<string, number>([...counted].map(([p, c]) => [p, Math.log(c / total0)]));

  let rounds = 0;
  for (;;) {
    for (let it = 0; it < o.emIterations; it++) logp = emStep(words, logp, o.maxPieceLength, chars);
    if (logp.size <= target) break;
    logp = prune(words, logp, o.maxPieceLength, chars, Math.max(target, Math.floor(logp.size * o.shrinkFactor)));
    rounds++;
  }
  const pieces = [...logp.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return { vocab: [...o.specialTokens, ...pieces.map(([p]) => p)], scores: [...o.specialTokens.map(() => 0), ...pieces.map(([, s]) => s)], rounds, words: counts.size };
}

/** One EM iteration: expected piece counts by forward–backward, then p ∝ count (pieces expected less than half a time are dropped, as in SentencePiece; characters stay). */
function emStep(words: { chars: string[]; freq: number }[], logp: Map<string, number>, maxLen: number, chars: ReadonlyMap<string, number>): Map<string, number> {
  const expected = new Map<string, number>();
  for (const { chars: cs, freq } of words) {
    const n = cs.length;
    // Edges (i, j, piece, logp) of the lattice.
    const edges: [number, number, string, number][] = [];
    for (let i = 0; i < n; i++) {
      let piece = "";
      for (let j = i + 1; j <= Math.min(n, i + maxLen); j++) {
        piece += cs[j - 1];
        const lp = logp.get(piece);
        if (lp !== undefined) edges.push([i, j, piece, lp]);
      }
    }
    const alpha = new Float64Array(n + 1).fill(-Infinity);
    const beta = new Float64Array(n + 1).fill(-Infinity);
    alpha[0] = 0;
    beta[n] = 0;
    // Edges are sorted by start i, so a forward pass in that order sees alpha[i] complete.
    for (const [i, j, , lp] of edges) alpha[j] = logAdd(alpha[j], alpha[i] + lp);
    for (let k = edges.length - 1; k >= 0; k--) {
      const [i, j, , lp] = edges[k];
      beta[i] = logAdd(beta[i], beta[j] + lp);
    }
    const z = alpha[n];
    if (z === -Infinity) continue;
    for (const [i, j, piece, lp] of edges) {
      const post = Math.exp(alpha[i] + lp + beta[j] - z);
      if (post > 0) expected.set(piece, (expected.get(piece) ?? 0) + freq * post);
    }
  }
  const kept = [...logp.keys()].filter((p) => chars.has(p) || (expected.get(p) ?? 0) >= 0.5);
  const total = kept.reduce((s, p) => s + Math.max(expected.get(p) ?? 0, 1e-3), 0);
  return new Map(kept.map((p) => [p, Math.log(Math.max(expected.get(p) ?? 0, 1e-3) / total)]));
}

/**
 * Keeps the `keep` pieces whose removal would cost the most likelihood. The cost of removing piece p:
 * (how often the Viterbi segmentations use p) × (log p(p) − log-probability of p's best segmentation
 * without p). Pieces no segmentation uses cost nothing and go first; characters always stay.
 */
function prune(words: { chars: string[]; freq: number }[], logp: Map<string, number>, maxLen: number, chars: ReadonlyMap<string, number>, keep: number): Map<string, number> {
  const used = new Map<string, number>();
  for (const { chars: cs, freq } of words) for (const p of viterbi(cs.join(""), logp, maxLen) ?? []) used.set(p, (used.get(p) ?? 0) + freq);
  const loss = new Map<string, number>();
  for (const [p, lp] of logp) {
    if (chars.has(p)) continue;
    const f = used.get(p) ?? 0;
    if (!f) {
      loss.set(p, 0);
      continue;
    }
    const alt = viterbi(p, logp, maxLen, p)!; // characters keep every piece segmentable
    loss.set(p, f * (lp - alt.reduce((s, a) => s + logp.get(a)!, 0)));
  }
  const ranked = [...loss.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const nChars = [...logp.keys()].filter((p) => chars.has(p)).length;
  const kept = new Set(ranked.slice(0, Math.max(0, keep - nChars)).map(([p]) => p));
  return new Map([...logp].filter(([p]) => chars.has(p) || kept.has(p)));
}

/** A Unigram encoder: each word ("▁" + word) → its most probable segmentation. */
export class Unigram {
  private readonly logp = new Map<string, number>();
  private readonly ids = new Map<string, number>();
  private readonly maxLen: number;
  private readonly unkScore: number;
  private readonly cache = new Map<string, string[]>();

  constructor(readonly model: UnigramModel, readonly options: { unkToken?: string; normalizer?: NormalizerOptions; specialTokens?: string[] } = {}) {
    const specials = new Set(options.specialTokens ?? DEFAULT_UNIGRAM_TRAINER.specialTokens);
    model.vocab.forEach((t, i) => {
      this.ids.set(t, i);
      if (!specials.has(t)) this.logp.set(t, model.scores[i]);
    });
    this.maxLen = Math.max(1, ...[...this.logp.keys()].map((p) => [...p].length));
    // An unknown character costs 10 nats more than the least likely piece (SentencePiece's kUnkPenalty).
    this.unkScore = Math.min(...this.logp.values()) - 10;
  }

  get unkToken(): string {
    return this.options.unkToken ?? DEFAULT_UNIGRAM_TRAINER.unkToken;
  }

  get vocabSize(): number {
    return this.model.vocab.length;
  }

  /** The pieces of one pre-tokenised word; a character no piece covers becomes [UNK]. */
  encodeWord(word: string): string[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    const s = WORD_START + word;
    let pieces = viterbi(s, this.logp, this.maxLen);
    if (!pieces) {
      // Unknown characters: give each a one-character edge with the [UNK] score, then map them to [UNK].
      const withUnk = new Map(this.logp);
      for (const ch of s) if (!withUnk.has(ch)) withUnk.set(ch, this.unkScore);
      pieces = viterbi(s, withUnk, this.maxLen)!.map((p) => (this.logp.has(p) ? p : this.unkToken));
    }
    if (this.cache.size < 100_000) this.cache.set(word, pieces);
    return pieces;
  }

  /** Text → pieces (BertTokenizer's normalisation and pre-tokenisation, then Viterbi per word). */
  tokenize(text: string): string[] {
    return preTokenize(normalize(text, this.options.normalizer ?? DEFAULT_NORMALIZER)).flatMap((w) => this.encodeWord(w));
  }

  encode(text: string): number[] {
    return this.tokenize(text).map((t) => this.ids.get(t)!);
  }

  /** Pieces → words: concatenate, and start a word at each "▁". */
  decode(ids: readonly number[]): string {
    return ids.map((i) => this.model.vocab[i]).join("").split(WORD_START).filter(Boolean).join(" ");
  }

  /** log-probability of a word's best segmentation (the quantity Viterbi maximises). */
  score(word: string): number {
    return this.encodeWord(word).reduce((s, p) => s + (this.logp.get(p) ?? this.unkScore), 0);
  }
}
