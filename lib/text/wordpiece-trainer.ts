/**
 * Learning a WordPiece vocabulary from a corpus, as Hugging Face tokenizers' `WordPieceTrainer`
 * does: it is a BPE trainer (Sennrich et al. 2016) whose symbols after a word's first character
 * carry the "##" continuation prefix.
 *
 *   1. normalise + pre-tokenise the text exactly as BertTokenizer will (lower-case, split on
 *      whitespace and punctuation), and count the words;
 *   2. start from the characters: the first character of a word as itself, later ones as "##c";
 *   3. repeatedly merge the most frequent adjacent pair (a, b) into one symbol a + b (without b's
 *      "##"), until the vocabulary has `vocabSize` entries or no pair occurs `minFrequency` times.
 *
 * The special tokens come first ([PAD] = 0, as BERT's pad_token_id), then the alphabet, then the
 * merges in the order they were learned. The result loads into BertTokenizer like any vocab.txt.
 *
 * `scoring: "likelihood"` uses Google's original WordPiece rule instead (Schuster & Nakajima 2012,
 * as the Hugging Face course explains it): merge the pair with the highest
 * freq(ab) / (freq(a) · freq(b)), which prefers pieces that rarely occur apart over merely frequent
 * ones. Every merge changes the frequencies of the symbols it touches, so this mode rescans all
 * pairs per merge: fine for a sample of a corpus, slow for a whole one. Either way a word is then
 * encoded greedily, longest vocabulary match first (BertTokenizer).
 */
import { DEFAULT_NORMALIZER, NormalizerOptions, normalize, preTokenize } from "./basic";
import type { TokenizerJson } from "./tokenizer";

export interface WordPieceTrainerOptions {
  /** Target vocabulary size, special tokens included (the course BERT: 8192). */
  vocabSize: number;
  /** A pair is merged only if it occurs at least this often (HF default 2). */
  minFrequency: number;
  /** Keep only the this-many most frequent characters (HF `limit_alphabet`); rarer ones become [UNK]. */
  limitAlphabet: number;
  /** Special tokens, in id order. */
  specialTokens: string[];
  continuingSubwordPrefix: string;
  normalizer: NormalizerOptions;
  /** "frequency": the most frequent pair (Hugging Face's WordPieceTrainer, i.e. BPE's rule); "likelihood": freq(ab)/(freq(a)·freq(b)). */
  scoring: "frequency" | "likelihood";
}

export const DEFAULT_TRAINER: WordPieceTrainerOptions = {
  vocabSize: 8192, // ~8k: small enough for a laptop model's embedding table, big enough for whole common words
  minFrequency: 2, // tokenizers' WordPieceTrainer default
  limitAlphabet: 1000, // tokenizers' BertWordPieceTokenizer.train default
  specialTokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"],
  continuingSubwordPrefix: "##",
  normalizer: DEFAULT_NORMALIZER,
  scoring: "frequency",
};

export interface TrainedVocab {
  /** Tokens in id order. */
  vocab: string[];
  /** Merges learned, in order ("a ##b"). */
  merges: string[];
  /** Distinct words counted. */
  words: number;
}

/** Counts pre-tokenised words in texts (normalised as BertTokenizer normalises). */
export function countWords(texts: Iterable<string>, normalizer: NormalizerOptions = DEFAULT_NORMALIZER): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) for (const w of preTokenize(normalize(text, normalizer))) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

/** Learns a WordPiece vocabulary from texts. Deterministic (ties: the pair seen first in id order). */
export function trainWordPiece(texts: Iterable<string>, options: Partial<WordPieceTrainerOptions> = {}): TrainedVocab {
  const o = { ...DEFAULT_TRAINER, ...options };
  const P = o.continuingSubwordPrefix;
  const counts = countWords(texts, o.normalizer);
  // The alphabet: the limitAlphabet most frequent characters.
  const charFreq = new Map<string, number>();
  for (const [w, c] of counts) for (const ch of w) charFreq.set(ch, (charFreq.get(ch) ?? 0) + c);
  const alphabet = [...charFreq.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, o.limitAlphabet).map(([ch]) => ch).sort();
  const inAlphabet = new Set(alphabet);

  const vocab: string[] = [...o.specialTokens];
  const idOf = new Map<string, number>();
  const add = (tok: string) => {
    if (!idOf.has(tok)) {
      idOf.set(tok, vocab.length);
      vocab.push(tok);
    }
    return idOf.get(tok)!;
  };
  o.specialTokens.forEach((s, i) => idOf.set(s, i));
  // Words as symbol-id sequences; words with a character outside the alphabet are skipped (they become [UNK]).
  const words: Int32Array[] = [];
  const freqs: number[] = [];
  for (const ch of alphabet) add(ch);
  for (const [w, c] of counts) {
    const chars = [...w];
    if (!chars.every((ch) => inAlphabet.has(ch))) continue;
    words.push(Int32Array.from(chars.map((ch, i) => add(i === 0 ? ch : P + ch))));
    freqs.push(c);
  }
  if (vocab.length > o.vocabSize) throw new Error(`vocabSize ${o.vocabSize} is smaller than the special tokens + alphabet (${vocab.length}); raise it or lower limitAlphabet`);
  if (o.scoring === "likelihood") return likelihoodMerges(words, freqs, vocab, add, o.vocabSize, o.minFrequency, P, counts.size);

  const merges = frequencyMerges(words, freqs, vocab, add, o.vocabSize, o.minFrequency, (ta, tb) => mergedToken(ta, tb, P));
  return { vocab, merges, words: counts.size };
}

/**
 * The frequency rule's merge loop (BPE's, Sennrich et al. 2016), shared by the WordPiece and BPE trainers:
 * words are symbol-id sequences (`words[i]` occurs `freqs[i]` times); merge the most frequent adjacent pair
 * into the symbol `merge(a, b)` until the vocabulary has `vocabSize` entries or no pair occurs
 * `minFrequency` times. Rewrites `words` in place; returns the merges ("a b") in the order learned.
 */
export function frequencyMerges(words: Int32Array[], freqs: number[], vocab: string[], add: (tok: string) => number, vocabSize: number, minFrequency: number, merge: (a: string, b: string) => string): string[] {
  // Pair statistics: count per pair, the words each pair occurs in, and a max-heap with lazy deletion.
  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const heap = new PairHeap();
  const addPairs = (wi: number, sign: 1 | -1) => {
    const s = words[wi];
    for (let i = 0; i + 1 < s.length; i++) {
      const k = pairKey(s[i], s[i + 1]);
      const c = (pairCount.get(k) ?? 0) + sign * freqs[wi];
      pairCount.set(k, c);
      if (sign > 0) {
        let set = pairWords.get(k);
        if (!set) pairWords.set(k, (set = new Set()));
        set.add(wi);
      }
    }
  };
  for (let wi = 0; wi < words.length; wi++) addPairs(wi, 1);
  for (const [k, c] of pairCount) heap.push(c, k);

  const merges: string[] = [];
  while (vocab.length < vocabSize && heap.size > 0) {
    const [c, k] = heap.pop()!;
    const current = pairCount.get(k) ?? 0;
    if (current !== c) {
      if (current > 0) heap.push(current, k); // stale entry: re-queue with the true count
      continue;
    }
    if (c < minFrequency) break;
    const [a, b] = pairOf(k);
    const m = add(merge(vocab[a], vocab[b]));
    merges.push(`${vocab[a]} ${vocab[b]}`);
    const touched = new Set<number>();
    for (const wi of pairWords.get(k) ?? []) {
      const merged = mergeInWord(words[wi], a, b, m);
      if (!merged) continue;
      addPairs(wi, -1);
      words[wi] = merged;
      addPairs(wi, 1);
      touched.add(wi);
    }
    // Queue the pairs whose count grew (new pairs around the merged symbol).
    for (const wi of touched) {
      const s = words[wi];
      for (let i = 0; i + 1 < s.length; i++) {
        if (s[i] === m || s[i + 1] === m) {
          const kk = pairKey(s[i], s[i + 1]);
          heap.push(pairCount.get(kk)!, kk);
        }
      }
    }
    pairCount.delete(k);
  }
  return merges;
}

/** A pair of symbol ids as one number (ids < 2^21), and back. */
const pairKey = (a: number, b: number): number => a * 2 ** 21 + b;
function pairOf(k: number): [number, number] {
  const a = Math.floor(k / 2 ** 21);
  return [a, k - a * 2 ** 21];
}

/** The token a merge of `ta` and `tb` makes: `tb`'s continuation prefix `P` is dropped. */
const mergedToken = (ta: string, tb: string, P: string): string => ta + (tb.startsWith(P) ? tb.slice(P.length) : tb);

/** The word `s` with every adjacent (a, b) replaced by `m`, left to right; null when it has none. */
function mergeInWord(s: Int32Array, a: number, b: number, m: number): Int32Array | null {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
      out.push(m);
      i++;
    } else out.push(s[i]);
  }
  return out.length === s.length ? null : Int32Array.from(out);
}

/** WordPiece's likelihood rule: each round, merge the pair maximising freq(ab) / (freq(a)·freq(b)) (a full rescan per merge). */
function likelihoodMerges(words: Int32Array[], freqs: number[], vocab: string[], add: (t: string) => number, vocabSize: number, minFrequency: number, P: string, distinctWords: number): TrainedVocab {
  const merges: string[] = [];
  while (vocab.length < vocabSize) {
    const pairs = new Map<number, number>();
    const sym = new Map<number, number>();
    words.forEach((s, wi) => {
      for (let i = 0; i < s.length; i++) {
        sym.set(s[i], (sym.get(s[i]) ?? 0) + freqs[wi]);
        if (i + 1 < s.length) {
          const k = pairKey(s[i], s[i + 1]);
          pairs.set(k, (pairs.get(k) ?? 0) + freqs[wi]);
        }
      }
    });
    let best = -1;
    let bestScore = -Infinity;
    for (const [k, c] of pairs) {
      if (c < minFrequency) continue;
      const [a, b] = pairOf(k);
      const score = c / (sym.get(a)! * sym.get(b)!);
      if (score > bestScore || (score === bestScore && k < best)) {
        bestScore = score;
        best = k;
      }
    }
    if (best < 0) break;
    const [a, b] = pairOf(best);
    const m = add(mergedToken(vocab[a], vocab[b], P));
    merges.push(`${vocab[a]} ${vocab[b]}`);
    words.forEach((s, wi) => {
      const merged = mergeInWord(s, a, b, m);
      if (merged) words[wi] = merged;
    });
  }
  return { vocab, merges, words: distinctWords };
}

/** vocab.txt content: one token per line, line number = id. */
export function vocabText(vocab: string[]): string {
  return vocab.join("\n") + "\n";
}

/** A tokenizer.json (Hugging Face tokenizers format) for a BERT WordPiece vocabulary. */
export function tokenizerJsonFor(vocab: string[], options: { specialTokens?: string[]; lowercase?: boolean } = {}): TokenizerJson & Record<string, unknown> {
  const specials = options.specialTokens ?? DEFAULT_TRAINER.specialTokens;
  const ids: Record<string, number> = {};
  vocab.forEach((t, i) => (ids[t] = i));
  const cls = ids["[CLS]"];
  const sep = ids["[SEP]"];
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: specials.map((content) => ({ id: ids[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: options.lowercase ?? true },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: "[CLS]", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "[SEP]", type_id: 0 } }],
      pair: [
        { SpecialToken: { id: "[CLS]", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "[SEP]", type_id: 0 } },
        { Sequence: { id: "B", type_id: 1 } },
        { SpecialToken: { id: "[SEP]", type_id: 1 } },
      ],
      special_tokens: { "[CLS]": { id: "[CLS]", ids: [cls], tokens: ["[CLS]"] }, "[SEP]": { id: "[SEP]", ids: [sep], tokens: ["[SEP]"] } },
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab: ids },
  };
}

/** tokenizer_config.json for the trained vocabulary (what transformers' BertTokenizer reads). */
export function tokenizerConfigFor(modelMaxLength = 512): Record<string, unknown> {
  return {
    tokenizer_class: "BertTokenizer",
    do_lower_case: true,
    model_max_length: modelMaxLength,
    cls_token: "[CLS]",
    sep_token: "[SEP]",
    pad_token: "[PAD]",
    unk_token: "[UNK]",
    mask_token: "[MASK]",
  };
}

/** Binary max-heap of (count, key); ties: the smaller key first (deterministic). */
class PairHeap {
  private c: number[] = [];
  private k: number[] = [];
  get size(): number {
    return this.c.length;
  }
  private before(i: number, j: number): boolean {
    return this.c[i] > this.c[j] || (this.c[i] === this.c[j] && this.k[i] < this.k[j]);
  }
  private swap(i: number, j: number) {
    [this.c[i], this.c[j]] = [this.c[j], this.c[i]];
    [this.k[i], this.k[j]] = [this.k[j], this.k[i]];
  }
  push(count: number, key: number): void {
    this.c.push(count);
    this.k.push(key);
    let i = this.c.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  pop(): [number, number] | undefined {
    if (!this.c.length) return undefined;
    const top: [number, number] = [this.c[0], this.k[0]];
    const lc = this.c.pop()!;
    const lk = this.k.pop()!;
    if (this.c.length) {
      this.c[0] = lc;
      this.k[0] = lk;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.c.length && this.before(l, m)) m = l;
        if (r < this.c.length && this.before(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}
