/**
 * BERT's "basic tokenizer": the normalisation and pre-tokenisation that run before WordPiece
 * (Devlin et al.'s tokenization.py, and Hugging Face tokenizers' BertNormalizer + BertPreTokenizer):
 *
 *  1. clean: drop NUL, U+FFFD and control characters; every whitespace character becomes a space;
 *  2. put spaces around CJK ideographs, so each one is a word of its own;
 *  3. lower-case and strip accents (NFD, then drop non-spacing marks), for uncased models;
 *  4. split on whitespace, and make every punctuation character a word of its own.
 *
 * One known difference from transformers.js 4.x: it scans for CJK ideographs by UTF-16 unit, so it
 * misses those outside the BMP (CJK Extension B+, e.g. U+20000) when they touch other letters;
 * we follow Python/Rust tokenizers and split them ("a\u{20000}b" → a, \u{20000}, b).
 */

export interface NormalizerOptions {
  /** Step 1 (default true). */
  cleanText: boolean;
  /** Step 2 (default true). */
  handleChineseChars: boolean;
  /** Lower-case (uncased models; default true). */
  lowercase: boolean;
  /** Strip accents; null follows `lowercase` (the Hugging Face default). */
  stripAccents: boolean | null;
}

export const DEFAULT_NORMALIZER: NormalizerOptions = { cleanText: true, handleChineseChars: true, lowercase: true, stripAccents: null };

const CONTROL = /^[\p{Cc}\p{Cf}\p{Co}\p{Cs}]$/u;
const WHITESPACE = /^\s$/u;
const MARK_NONSPACING = /\p{Mn}/gu;

/** Control characters, except the whitespace ones (\t, \n, \r), which cleaning turns into spaces. */
export function isControl(ch: string): boolean {
  if (ch === "\t" || ch === "\n" || ch === "\r") return false;
  return CONTROL.test(ch);
}

/**
 * The CJK Unified Ideographs blocks BERT treats as words of their own (tokenization.py's
 * _is_chinese_char). Korean Hangul and Japanese kana are not in them: they are written with spaces.
 */
export function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** ASCII non-alphanumerics count as punctuation (e.g. $ ^ `), as do all Unicode P* characters. */
const PUNCT = "\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E";
const PRETOKENIZE = new RegExp(`[^\\s${PUNCT}]+|[${PUNCT}]`, "gu");
const IS_PUNCT = new RegExp(`^[${PUNCT}]$`, "u");

export function isPunctuation(ch: string): boolean {
  return IS_PUNCT.test(ch);
}

/** Steps 1–3. Iterates by code point, so characters outside the BMP are handled whole. */
export function normalize(text: string, opts: NormalizerOptions = DEFAULT_NORMALIZER): string {
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (opts.cleanText) {
      if (cp === 0 || cp === 0xfffd || isControl(ch)) continue;
      if (WHITESPACE.test(ch)) {
        out += " ";
        continue;
      }
    }
    out += opts.handleChineseChars && isChineseChar(cp) ? ` ${ch} ` : ch;
  }
  const strip = opts.stripAccents ?? opts.lowercase;
  if (opts.lowercase) out = out.toLowerCase();
  if (strip) out = out.normalize("NFD").replace(MARK_NONSPACING, "");
  return out;
}

/** Step 4: words and single punctuation characters. */
export function preTokenize(normalized: string): string[] {
  return normalized.match(PRETOKENIZE) ?? [];
}

/** Steps 1–4. */
export function basicTokenize(text: string, opts: NormalizerOptions = DEFAULT_NORMALIZER): string[] {
  return preTokenize(normalize(text, opts));
}
