/**
 * Comparing tokenizer families on the same words: BPE (lib/text/bpe.ts), WordPiece
 * (lib/text/wordpiece-trainer.ts + BertTokenizer) and Unigram (lib/text/unigram.ts).
 *
 * Each family writes word boundaries its own way — WordPiece "##" before a continuation, BPE "</w>"
 * after a word's last piece, SentencePiece "▁" before its first — so vocabularies are compared on
 * the bare strings with those markers removed.
 */
import { END_OF_WORD } from "./bpe";
import { WORD_START } from "./unigram";

/** One tokenizer, seen word by word. */
export interface WordTokenizer {
  name: string;
  /** Pieces of one pre-tokenised word. */
  encodeWord(word: string): string[];
  /** The vocabulary (special tokens included). */
  vocab: readonly string[];
  /** The unknown token ("[UNK]"). */
  unk: string;
  /** Tokens that are not subword pieces ([PAD], [CLS], …). */
  special?: readonly string[];
}

/** A piece without its family's boundary marker: "##ing" → "ing", "ing</w>" → "ing", "▁the" → "the". */
export function barePiece(piece: string): string {
  if (piece.startsWith("##")) return piece.slice(2);
  if (piece.endsWith(END_OF_WORD)) return piece.slice(0, -END_OF_WORD.length);
  if (piece.startsWith(WORD_START)) return piece.slice(WORD_START.length);
  return piece;
}

/** The distinct bare strings of a vocabulary (special tokens left out). */
export function bareVocab(t: WordTokenizer): Set<string> {
  const special = new Set(t.special ?? ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]);
  return new Set(t.vocab.filter((p) => !special.has(p)).map(barePiece).filter(Boolean));
}

export interface FamilyStats {
  name: string;
  /** Vocabulary size (special tokens included). */
  vocab: number;
  words: number;
  /** Mean pieces per word. */
  piecesPerWord: number;
  /** Share of words kept whole (one piece). */
  wholeWords: number;
  /** Share of words whose pieces include the unknown token. */
  unkWords: number;
  /** Share of pieces that are the unknown token. */
  unkPieces: number;
}

/** Pieces per word, whole words and [UNK] rates of each tokenizer on the same words (each occurrence counts). */
export function familyStats(tokenizers: readonly WordTokenizer[], words: readonly string[]): FamilyStats[] {
  return tokenizers.map((t) => {
    let pieces = 0;
    let whole = 0;
    let unkWords = 0;
    let unkPieces = 0;
    for (const w of words) {
      const p = t.encodeWord(w);
      pieces += p.length;
      if (p.length === 1) whole++;
      const u = p.filter((x) => x === t.unk).length;
      unkPieces += u;
      if (u) unkWords++;
    }
    const n = Math.max(1, words.length);
    return { name: t.name, vocab: t.vocab.length, words: words.length, piecesPerWord: pieces / n, wholeWords: whole / n, unkWords: unkWords / n, unkPieces: unkPieces / Math.max(1, pieces) };
  });
}

/** Share of A's bare vocabulary that B also has (|A ∩ B| / |A|), for every ordered pair. */
export function vocabOverlap(tokenizers: readonly WordTokenizer[]): { a: string; b: string; common: number; share: number }[] {
  const bare = tokenizers.map(bareVocab);
  const out = [];
  for (let i = 0; i < tokenizers.length; i++)
    for (let j = 0; j < tokenizers.length; j++) {
      if (i === j) continue;
      let common = 0;
      for (const p of bare[i]) if (bare[j].has(p)) common++;
      out.push({ a: tokenizers[i].name, b: tokenizers[j].name, common, share: common / Math.max(1, bare[i].size) });
    }
  return out;
}
