/**
 * Byte-Pair Encoding as Sennrich et al. (2016) introduced it for words: learn merges by frequency,
 * then encode a word by **replaying the merges in the order they were learned** (GPT-2 and
 * Hugging Face's `BPE` model do the same). The vocabulary is the one the frequency rule of
 * `wordpiece-trainer.ts` learns (the merge loop is shared); the differences from WordPiece are how a
 * word boundary is written and how a word is encoded:
 *
 *   - the **end** of a word is marked (the last symbol carries "</w>", the paper's end-of-word symbol),
 *     where WordPiece marks every piece after the first with "##";
 *   - encoding applies the earliest-learned merge present in the word, again and again, until none
 *     applies — where WordPiece takes the longest vocabulary entry that starts the rest of the word.
 *
 * A character outside the alphabet becomes [UNK] on its own (WordPiece makes the whole word [UNK]).
 * Text is normalised and pre-tokenised exactly as BertTokenizer does, so the three tokenizer
 * families of notebook 01 see the same words.
 */
import { DEFAULT_NORMALIZER, NormalizerOptions, normalize, preTokenize } from "./basic";
import { countWords, frequencyMerges } from "./wordpiece-trainer";

/** The paper's end-of-word symbol (Sennrich et al. 2016, Algorithm 1), attached to a word's last symbol as in tokenizers' `end_of_word_suffix`. */
export const END_OF_WORD = "</w>";

export interface BpeTrainerOptions {
  /** Target vocabulary size, special tokens included. */
  vocabSize: number;
  /** A pair is merged only if it occurs at least this often (tokenizers' BpeTrainer default is 0; 2 as the WordPiece trainer). */
  minFrequency: number;
  /** Keep only the this-many most frequent characters; rarer ones become [UNK]. */
  limitAlphabet: number;
  specialTokens: string[];
  unkToken: string;
  normalizer: NormalizerOptions;
}

export const DEFAULT_BPE_TRAINER: BpeTrainerOptions = {
  vocabSize: 8192,
  minFrequency: 2,
  limitAlphabet: 1000,
  specialTokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"],
  unkToken: "[UNK]",
  normalizer: DEFAULT_NORMALIZER,
};

export interface BpeModel {
  /** Tokens in id order: special tokens, the alphabet (each character, and with "</w>"), then one token per merge. */
  vocab: string[];
  /** Merges in the order learned ("a b"); encoding replays them in this order. */
  merges: string[];
  /** Distinct words counted while training. */
  words: number;
}

/** Learns BPE merges from texts (the frequency rule; ties: the pair of smaller symbol ids). */
export function trainBpe(texts: Iterable<string>, options: Partial<BpeTrainerOptions> = {}): BpeModel {
  const o = { ...DEFAULT_BPE_TRAINER, ...options };
  const counts = countWords(texts, o.normalizer);
  return trainBpeFromCounts(counts, o);
}

/** Learns BPE merges from word counts (what `trainBpe` does after counting). */
export function trainBpeFromCounts(counts: ReadonlyMap<string, number>, options: Partial<BpeTrainerOptions> = {}): BpeModel {
  const o = { ...DEFAULT_BPE_TRAINER, ...options };
  const charFreq = new Map<string, number>();
  for (const [w, c] of counts) for (const ch of w) charFreq.set(ch, (charFreq.get(ch) ?? 0) + c);
  const alphabet = [...charFreq.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, o.limitAlphabet).map(([ch]) => ch).sort();
  const inAlphabet = new Set(alphabet);
  const vocab: string[] = [];
  const idOf = new Map<string, number>();
  const add = (tok: string) => {
    if (!idOf.has(tok)) {
      idOf.set(tok, vocab.length);
      vocab.push(tok);
    }
    return idOf.get(tok)!;
  };
  for (const s of o.specialTokens) add(s);
  // The alphabet in both forms: inside a word ("a") and at its end ("a</w>").
  for (const ch of alphabet) add(ch);
  for (const ch of alphabet) add(ch + END_OF_WORD);
  if (vocab.length > o.vocabSize) throw new Error(`vocabSize ${o.vocabSize} is smaller than the special tokens + alphabet (${vocab.length}); raise it or lower limitAlphabet`);
  const words: Int32Array[] = [];
  const freqs: number[] = [];
  for (const [w, c] of counts) {
    const chars = [...w];
    if (!chars.every((ch) => inAlphabet.has(ch))) continue; // such words hold an [UNK] character and teach no merge across it
    words.push(Int32Array.from(chars.map((ch, i) => idOf.get(i === chars.length - 1 ? ch + END_OF_WORD : ch)!)));
    freqs.push(c);
  }
  const merges = frequencyMerges(words, freqs, vocab, add, o.vocabSize, o.minFrequency, (a, b) => a + b);
  return { vocab, merges, words: counts.size };
}

/** A BPE encoder: words → pieces by replaying the merges in rank order. */
export class Bpe {
  private readonly rank = new Map<string, number>();
  private readonly ids = new Map<string, number>();
  private readonly cache = new Map<string, string[]>();

  constructor(readonly model: BpeModel, readonly options: { unkToken?: string; normalizer?: NormalizerOptions } = {}) {
    model.merges.forEach((m, i) => this.rank.set(m, i));
    model.vocab.forEach((t, i) => this.ids.set(t, i));
  }

  get unkToken(): string {
    return this.options.unkToken ?? DEFAULT_BPE_TRAINER.unkToken;
  }

  get vocabSize(): number {
    return this.model.vocab.length;
  }

  /** The pieces of one pre-tokenised word. */
  encodeWord(word: string): string[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    const chars = [...word];
    let syms = chars.map((ch, i) => (i === chars.length - 1 ? ch + END_OF_WORD : ch));
    for (;;) {
      // The adjacent pair learned earliest (lowest rank) …
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < syms.length; i++) {
        const r = this.rank.get(`${syms[i]} ${syms[i + 1]}`);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      // … merged everywhere in the word, left to right.
      const [a, b] = [syms[best], syms[best + 1]];
      const out: string[] = [];
      for (let i = 0; i < syms.length; i++) {
        if (i + 1 < syms.length && syms[i] === a && syms[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(syms[i]);
      }
      syms = out;
    }
    const pieces = syms.map((s) => (this.ids.has(s) ? s : this.unkToken));
    if (this.cache.size < 100_000) this.cache.set(word, pieces);
    return pieces;
  }

  /** Text → pieces (BertTokenizer's normalisation and pre-tokenisation, then BPE per word). */
  tokenize(text: string): string[] {
    return preTokenize(normalize(text, this.options.normalizer ?? DEFAULT_NORMALIZER)).flatMap((w) => this.encodeWord(w));
  }

  encode(text: string): number[] {
    return this.tokenize(text).map((t) => this.ids.get(t)!);
  }

  /** Pieces → words: concatenate, and end a word at each "</w>". */
  decode(ids: readonly number[]): string {
    return ids.map((i) => this.model.vocab[i]).join("").split(END_OF_WORD).filter(Boolean).join(" ");
  }
}
