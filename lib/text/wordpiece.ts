/**
 * WordPiece (Schuster & Nakajima 2012; Wu et al. 2016 §4.1), as BERT applies it to each word of the
 * basic tokenizer: greedy longest-match-first from the left; pieces after the first carry the
 * "##" prefix; a word with no full segmentation, or longer than 100 characters, becomes [UNK]
 * (BERT's tokenization.py: max_input_chars_per_word = 100).
 */

export interface WordPieceOptions {
  unkToken: string;
  continuingSubwordPrefix: string;
  maxInputCharsPerWord: number;
}

export const DEFAULT_WORDPIECE: WordPieceOptions = { unkToken: "[UNK]", continuingSubwordPrefix: "##", maxInputCharsPerWord: 100 };

export class WordPiece {
  readonly vocab: Map<string, number>;
  /** id → token */
  readonly idToToken: string[];
  readonly options: WordPieceOptions;
  readonly unkId: number;

  constructor(vocab: Map<string, number>, options: Partial<WordPieceOptions> = {}) {
    this.vocab = vocab;
    this.options = { ...DEFAULT_WORDPIECE, ...options };
    this.idToToken = [];
    for (const [tok, id] of vocab) this.idToToken[id] = tok;
    const unk = vocab.get(this.options.unkToken);
    if (unk === undefined) throw new Error(`the vocabulary has no unknown token "${this.options.unkToken}"`);
    this.unkId = unk;
  }

  /** vocab.txt: one token per line, the line number is the id. */
  static fromVocabText(text: string, options: Partial<WordPieceOptions> = {}): WordPiece {
    const vocab = new Map<string, number>();
    const lines = text.split("\n");
    if (lines.length && lines[lines.length - 1] === "") lines.pop();
    lines.forEach((line, i) => {
      const tok = line.replace(/\r$/, "");
      if (!vocab.has(tok)) vocab.set(tok, i);
    });
    return new WordPiece(vocab, options);
  }

  /** The pieces of one word (already normalised and pre-tokenised). */
  tokenizeWord(word: string): string[] {
    const chars = [...word];
    if (chars.length > this.options.maxInputCharsPerWord) return [this.options.unkToken];
    const pieces: string[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: string | null = null;
      while (start < end) {
        let sub = chars.slice(start, end).join("");
        if (start > 0) sub = this.options.continuingSubwordPrefix + sub;
        if (this.vocab.has(sub)) {
          found = sub;
          break;
        }
        end--;
      }
      if (found === null) return [this.options.unkToken];
      pieces.push(found);
      start = end;
    }
    return pieces;
  }

  tokenize(words: string[]): string[] {
    const out: string[] = [];
    for (const w of words) for (const p of this.tokenizeWord(w)) out.push(p);
    return out;
  }

  tokenToId(token: string): number {
    return this.vocab.get(token) ?? this.unkId;
  }

  get size(): number {
    return this.idToToken.length;
  }
}
