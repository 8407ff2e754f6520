/**
 * BERT's tokenizer: added/special tokens → basic tokenizer → WordPiece → [CLS] A [SEP] (B [SEP]),
 * with truncation, padding and batches. Loads from `tokenizer.json` (Hugging Face tokenizers) or
 * from `vocab.txt` (+ `tokenizer_config.json`), and gives the same ids as the fast tokenizer.
 *
 *   const tok = BertTokenizer.fromDir("tests/fixtures/tokenizers/bert-base-uncased");
 *   tok.encode("Hello, world!").ids            // [101, 7592, 1010, 2088, 999, 102]
 *   tok.encodeBatch([["A question?", "An answer."]], { padding: "longest" })
 */
import * as fs from "fs";
import * as path from "path";
import { DEFAULT_NORMALIZER, NormalizerOptions, normalize, preTokenize } from "./basic";
import { BatchEncoding, Encoding, Padding, TruncationStrategy, padEncoding, stack, truncatePair } from "./batch";
import { WordPiece, WordPieceOptions } from "./wordpiece";

export interface AddedToken {
  content: string;
  id: number;
  special: boolean;
  /** Matched on the normalised text (true) or the raw text (false; BERT's special tokens). */
  normalized: boolean;
  lstrip: boolean;
  rstrip: boolean;
}

export interface SpecialTokens {
  cls: string;
  sep: string;
  pad: string;
  unk: string;
  mask: string;
}

export const BERT_SPECIAL_TOKENS: SpecialTokens = { cls: "[CLS]", sep: "[SEP]", pad: "[PAD]", unk: "[UNK]", mask: "[MASK]" };

export interface EncodeOptions {
  /** Add [CLS] / [SEP] (default true). */
  addSpecialTokens?: boolean;
  /** Longest result, special tokens included. Default: modelMaxLength when truncating. */
  maxLength?: number;
  /** true = "longest_first". Default false, or true when maxLength is given. */
  truncation?: boolean | TruncationStrategy;
  /** Single encode: "max_length" pads to maxLength. Batches: "longest" pads to the longest in the batch. */
  padding?: Padding | true;
}

export interface TokenizerJson {
  model: { type: string; vocab: Record<string, number>; unk_token?: string; continuing_subword_prefix?: string; max_input_chars_per_word?: number };
  normalizer?: { type: string; clean_text?: boolean; handle_chinese_chars?: boolean; strip_accents?: boolean | null; lowercase?: boolean } | null;
  pre_tokenizer?: { type: string } | null;
  added_tokens?: { id: number; content: string; special?: boolean; normalized?: boolean; lstrip?: boolean; rstrip?: boolean }[];
  post_processor?: unknown;
}

export class BertTokenizer {
  readonly wordpiece: WordPiece;
  readonly normalizer: NormalizerOptions;
  readonly special: SpecialTokens;
  readonly addedTokens: AddedToken[];
  /** Longest input the model takes (bert-base: 512 positions). */
  modelMaxLength: number;
  private readonly added = new Map<string, AddedToken>();
  private readonly trieRaw: Trie;
  private readonly trieNormalized: Trie;

  constructor(
    wordpiece: WordPiece,
    options: { normalizer?: Partial<NormalizerOptions>; special?: Partial<SpecialTokens>; addedTokens?: AddedToken[]; modelMaxLength?: number } = {},
  ) {
    this.wordpiece = wordpiece;
    this.normalizer = { ...DEFAULT_NORMALIZER, ...options.normalizer };
    this.special = { ...BERT_SPECIAL_TOKENS, ...options.special };
    this.modelMaxLength = options.modelMaxLength ?? 512; // BERT's max_position_embeddings
    // Special tokens are always added tokens, matched on the raw text (what the fast tokenizer does).
    const added = options.addedTokens ?? [];
    for (const tok of Object.values(this.special)) {
      if (!added.some((a) => a.content === tok) && wordpiece.vocab.has(tok)) {
        added.push({ content: tok, id: wordpiece.vocab.get(tok)!, special: true, normalized: false, lstrip: false, rstrip: false });
      }
    }
    this.addedTokens = added;
    for (const a of added) {
      this.added.set(a.content, a);
      if (!wordpiece.vocab.has(a.content)) {
        wordpiece.vocab.set(a.content, a.id);
        wordpiece.idToToken[a.id] = a.content;
      }
    }
    this.trieRaw = new Trie(added.filter((a) => !a.normalized).map((a) => a.content));
    const normalizedAdded = added.filter((a) => a.normalized);
    for (const a of normalizedAdded) this.added.set(normalize(a.content, this.normalizer), a);
    this.trieNormalized = new Trie(normalizedAdded.map((a) => normalize(a.content, this.normalizer)));
    for (const [k, tok] of Object.entries(this.special)) {
      if (!wordpiece.vocab.has(tok)) throw new Error(`the vocabulary has no ${k} token "${tok}"`);
    }
  }

  // ------------------------------------------------------------ loading

  /** From a folder: tokenizer.json if present, else vocab.txt (+ tokenizer_config.json). */
  static fromDir(dir: string): BertTokenizer {
    const json = path.join(dir, "tokenizer.json");
    const vocab = path.join(dir, "vocab.txt");
    const cfgFile = path.join(dir, "tokenizer_config.json");
    const cfg = fs.existsSync(cfgFile) ? (JSON.parse(fs.readFileSync(cfgFile, "utf8")) as Record<string, unknown>) : {};
    let tok: BertTokenizer;
    if (fs.existsSync(json)) tok = BertTokenizer.fromTokenizerJson(JSON.parse(fs.readFileSync(json, "utf8")) as TokenizerJson);
    else if (fs.existsSync(vocab)) tok = BertTokenizer.fromVocab(fs.readFileSync(vocab, "utf8"), tokenizerConfigOptions(cfg));
    else throw new Error(`${dir} has neither tokenizer.json nor vocab.txt; a BERT model folder needs one of them (\`npx course download <model>\` fetches them)`);
    const max = cfg.model_max_length;
    if (typeof max === "number" && max > 0 && max < 1e9) tok.modelMaxLength = max;
    return tok;
  }

  /** From vocab.txt's text. */
  static fromVocab(vocabText: string, options: { normalizer?: Partial<NormalizerOptions>; special?: Partial<SpecialTokens>; wordpiece?: Partial<WordPieceOptions> } = {}): BertTokenizer {
    const special = { ...BERT_SPECIAL_TOKENS, ...options.special };
    return new BertTokenizer(WordPiece.fromVocabText(vocabText, { unkToken: special.unk, ...options.wordpiece }), options);
  }

  /** From a parsed tokenizer.json (a BertNormalizer + BertPreTokenizer + WordPiece pipeline). */
  static fromTokenizerJson(json: TokenizerJson): BertTokenizer {
    if (json.model?.type !== "WordPiece") throw new Error(`tokenizer.json has a ${json.model?.type} model; BertTokenizer reads WordPiece tokenizers`);
    const n = json.normalizer;
    if (n && n.type !== "BertNormalizer") throw new Error(`tokenizer.json has a ${n.type} normalizer; BertTokenizer implements BertNormalizer`);
    if (json.pre_tokenizer && json.pre_tokenizer.type !== "BertPreTokenizer") throw new Error(`tokenizer.json has a ${json.pre_tokenizer.type} pre-tokenizer; BertTokenizer implements BertPreTokenizer`);
    const m = json.model;
    const wp = new WordPiece(new Map(Object.entries(m.vocab)), {
      unkToken: m.unk_token ?? "[UNK]",
      continuingSubwordPrefix: m.continuing_subword_prefix ?? "##",
      maxInputCharsPerWord: m.max_input_chars_per_word ?? 100,
    });
    const normalizer: Partial<NormalizerOptions> = n
      ? { cleanText: n.clean_text ?? true, handleChineseChars: n.handle_chinese_chars ?? true, lowercase: n.lowercase ?? true, stripAccents: n.strip_accents ?? null }
      : { cleanText: false, handleChineseChars: false, lowercase: false, stripAccents: false };
    const addedTokens: AddedToken[] = (json.added_tokens ?? []).map((a) => ({
      content: a.content,
      id: a.id,
      special: a.special ?? false,
      normalized: a.normalized ?? !(a.special ?? false),
      lstrip: a.lstrip ?? false,
      rstrip: a.rstrip ?? false,
    }));
    return new BertTokenizer(wp, { normalizer, addedTokens, special: { unk: m.unk_token ?? "[UNK]" } });
  }

  // ------------------------------------------------------------ tokenising

  /** WordPiece tokens of a text, without special tokens. */
  tokenize(text: string): string[] {
    const out: string[] = [];
    const sections = splitAdded(text, this.trieRaw, this.added);
    for (const sec of sections) {
      if (sec.added) {
        out.push(sec.added.content);
        continue;
      }
      const norm = normalize(sec.text, this.normalizer);
      for (const sub of splitAdded(norm, this.trieNormalized, this.added)) {
        if (sub.added) out.push(sub.added.content);
        else for (const p of this.wordpiece.tokenize(preTokenize(sub.text))) out.push(p);
      }
    }
    return out;
  }

  tokenToId(token: string): number {
    return this.added.get(token)?.id ?? this.wordpiece.tokenToId(token);
  }

  idToToken(id: number): string {
    return this.wordpiece.idToToken[id] ?? this.special.unk;
  }

  get vocabSize(): number {
    return this.wordpiece.size;
  }

  get padId(): number {
    return this.tokenToId(this.special.pad);
  }
  get clsId(): number {
    return this.tokenToId(this.special.cls);
  }
  get sepId(): number {
    return this.tokenToId(this.special.sep);
  }
  get maskId(): number {
    return this.tokenToId(this.special.mask);
  }
  get unkId(): number {
    return this.tokenToId(this.special.unk);
  }

  /** Encodes a text, or a sentence pair: [CLS] A [SEP] B [SEP], token types 0…0 1…1. */
  encode(text: string, pair?: string | null, options: EncodeOptions = {}): Encoding {
    const a = this.tokenize(text);
    const b = pair === undefined || pair === null ? null : this.tokenize(pair);
    const enc = this.assemble(a, b, options);
    const padding = options.padding === true ? "longest" : options.padding ?? false;
    if (padding === "max_length") return padEncoding(enc, this.maxLengthOf(options), this.padId, this.special.pad);
    return enc;
  }

  /** Encodes many texts or pairs, padded to one length ("longest" by default). */
  encodeBatch(inputs: (string | [string, string])[], options: EncodeOptions = {}): BatchEncoding {
    const encs = inputs.map((x) => (Array.isArray(x) ? this.assemble(this.tokenize(x[0]), this.tokenize(x[1]), options) : this.assemble(this.tokenize(x), null, options)));
    const padding = options.padding === undefined || options.padding === true ? "longest" : options.padding;
    if (padding === false) return stack(encs);
    const length = padding === "max_length" ? this.maxLengthOf(options) : Math.max(0, ...encs.map((e) => e.ids.length));
    return stack(encs.map((e) => padEncoding(e, length, this.padId, this.special.pad)));
  }

  /** Ids → text: WordPiece pieces joined, "##" glued to the previous piece, spaces before punctuation cleaned up. */
  decode(ids: number[], options: { skipSpecialTokens?: boolean } = {}): string {
    let tokens = ids.map((id) => this.idToToken(id));
    if (options.skipSpecialTokens) tokens = tokens.filter((t) => !this.added.get(t)?.special);
    const prefix = this.wordpiece.options.continuingSubwordPrefix;
    let text = "";
    tokens.forEach((t, i) => {
      if (i > 0 && t.startsWith(prefix)) text += t.slice(prefix.length);
      else text += (i > 0 ? " " : "") + t;
    });
    return cleanUpTokenization(text);
  }

  private maxLengthOf(options: EncodeOptions): number {
    return options.maxLength ?? this.modelMaxLength;
  }

  private assemble(a: string[], b: string[] | null, options: EncodeOptions): Encoding {
    const addSpecial = options.addSpecialTokens ?? true;
    const strategy: TruncationStrategy | null =
      options.truncation === true || (options.truncation === undefined && options.maxLength !== undefined)
        ? "longest_first"
        : options.truncation
          ? options.truncation
          : null;
    if (strategy) {
      const nSpecial = addSpecial ? (b ? 3 : 2) : 0;
      const budget = this.maxLengthOf(options) - nSpecial;
      if (b) {
        const [na, nb] = truncatePair(a.length, b.length, budget, strategy);
        a = a.slice(0, na);
        b = b.slice(0, nb);
      } else {
        if (strategy === "only_second") throw new Error(`truncation "only_second" needs a sentence pair`);
        if (budget < 0) throw new Error(`maxLength ${this.maxLengthOf(options)} cannot hold the special tokens`);
        a = a.slice(0, budget);
      }
    }
    const tokens: string[] = [];
    const types: number[] = [];
    const specialMask: number[] = [];
    const push = (toks: string[], type: number, special: number) => {
      for (const t of toks) {
        tokens.push(t);
        types.push(type);
        specialMask.push(special);
      }
    };
    if (addSpecial) push([this.special.cls], 0, 1);
    push(a, 0, 0);
    if (addSpecial) push([this.special.sep], 0, 1);
    if (b) {
      push(b, 1, 0);
      if (addSpecial) push([this.special.sep], 1, 1);
    }
    return { ids: tokens.map((t) => this.tokenToId(t)), tokens, tokenTypeIds: types, attentionMask: tokens.map(() => 1), specialTokensMask: specialMask };
  }
}

/** Reads the slow tokenizer's options (do_lower_case …) from tokenizer_config.json. */
function tokenizerConfigOptions(cfg: Record<string, unknown>): { normalizer: Partial<NormalizerOptions>; special: Partial<SpecialTokens> } {
  const lower = cfg.do_lower_case === undefined ? true : Boolean(cfg.do_lower_case);
  const str = (k: string) => (typeof cfg[k] === "string" ? (cfg[k] as string) : undefined);
  const special: Partial<SpecialTokens> = {};
  const pairs: [keyof SpecialTokens, string][] = [["cls", "cls_token"], ["sep", "sep_token"], ["pad", "pad_token"], ["unk", "unk_token"], ["mask", "mask_token"]];
  for (const [k, key] of pairs) if (str(key)) special[k] = str(key);
  return {
    normalizer: {
      lowercase: lower,
      stripAccents: cfg.strip_accents === undefined || cfg.strip_accents === null ? null : Boolean(cfg.strip_accents),
      handleChineseChars: cfg.tokenize_chinese_chars === undefined ? true : Boolean(cfg.tokenize_chinese_chars),
    },
    special,
  };
}

/** transformers' clean_up_tokenization: no space before . , ! ? and in common English contractions. */
export function cleanUpTokenization(text: string): string {
  return text
    .replace(/ \./g, ".")
    .replace(/ \?/g, "?")
    .replace(/ !/g, "!")
    .replace(/ ,/g, ",")
    .replace(/ ' /g, "'")
    .replace(/ n't/g, "n't")
    .replace(/ 'm/g, "'m")
    .replace(/ 's/g, "'s")
    .replace(/ 've/g, "'ve")
    .replace(/ 're/g, "'re");
}

// ---------------------------------------------------------------- added-token splitting

class Trie {
  private root: TrieNode = new Map();
  constructor(words: string[]) {
    for (const w of words) {
      let node = this.root;
      for (let k = 0; k < w.length; k++) {
        const ch = w[k]; // UTF-16 units, as match() walks the text
        if (!node.has(ch)) node.set(ch, new Map());
        node = node.get(ch) as TrieNode;
      }
      node.set(END, w);
    }
  }
  /** Longest word starting at text[i], or null. */
  match(text: string, i: number): string | null {
    let node: TrieNode | undefined = this.root;
    let found: string | null = null;
    for (let j = i; j < text.length && node; j++) {
      node = node.get(text[j]) as TrieNode | undefined;
      if (node?.has(END)) found = node.get(END) as string;
    }
    return found;
  }
  get empty(): boolean {
    return this.root.size === 0;
  }
}
const END = "\u0000end";
type TrieNode = Map<string, TrieNode | string>;

interface Section {
  text: string;
  added?: AddedToken;
}

/** Splits text around added tokens (leftmost, longest match), honouring their lstrip / rstrip. */
function splitAdded(text: string, trie: Trie, added: Map<string, AddedToken>): Section[] {
  if (trie.empty) return text ? [{ text }] : [];
  const out: Section[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const m = trie.match(text, i);
    if (m) {
      if (i > start) out.push({ text: text.slice(start, i) });
      out.push({ text: m, added: added.get(m) });
      i += m.length;
      start = i;
    } else i++;
  }
  if (start < text.length) out.push({ text: text.slice(start) });
  out.forEach((s, k) => {
    if (!s.added) return;
    if (s.added.lstrip && k > 0 && !out[k - 1].added) out[k - 1].text = out[k - 1].text.trimEnd();
    if (s.added.rstrip && k + 1 < out.length && !out[k + 1].added) out[k + 1].text = out[k + 1].text.trimStart();
  });
  return out.filter((s) => s.added || s.text.length > 0);
}
