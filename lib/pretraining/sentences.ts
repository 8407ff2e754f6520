/**
 * Sentence splitting for pre-training data. BERT's data (BooksCorpus + Wikipedia) came one
 * sentence per line, documents separated by blank lines (create_pretraining_data.py); our corpus
 * is running text, so we split it: a sentence ends at . ! or ? (optionally followed by closing
 * quotes or brackets) before whitespace and an upper-case letter, a digit or an opening quote,
 * except after common abbreviations (Mr. Dr. U.S. Jan. …) and single initials. Paragraph breaks
 * (blank lines) always end a sentence.
 */

/** Abbreviations after which a period does not end a sentence (lower-case, without the period). */
export const ABBREVIATIONS = new Set([
  "mr", "mrs", "ms", "dr", "st", "jr", "sr", "gen", "col", "capt", "lt", "hon", "messrs", "rev", "prof", "gov", "sen", "rep",
  "no", "nos", "vol", "vs", "etc", "viz", "co", "inc", "ltd", "u.s", "u.s.a", "d.c", "a.m", "p.m", "i.e", "e.g",
  "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "art", "sec", "ch",
]);

const BOUNDARY = /([.!?]+["'”’)\]]*)(\s+)(?=["'“‘(\[]?[A-Z0-9])/g;

/** Splits running text into sentences (trimmed, non-empty). */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const para of text.split(/\n\s*\n/)) {
    const p = para.replace(/\s+/g, " ").trim();
    if (!p) continue;
    let start = 0;
    BOUNDARY.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = BOUNDARY.exec(p)) !== null) {
      const endOfPunct = m.index + m[1].length;
      if (m[1].startsWith(".") && m[1].length === 1 && isAbbreviation(p, m.index)) continue;
      out.push(p.slice(start, endOfPunct).trim());
      start = endOfPunct + m[2].length;
    }
    const rest = p.slice(start).trim();
    if (rest) out.push(rest);
  }
  return out.filter((s) => s.length > 0);
}

/** Is the word ending at `dot` (the index of a ".") an abbreviation or an initial? */
function isAbbreviation(text: string, dot: number): boolean {
  let i = dot;
  while (i > 0 && /[A-Za-z.]/.test(text[i - 1])) i--;
  const word = text.slice(i, dot).toLowerCase();
  if (word.length === 1 && /[a-z]/.test(word)) return true; // an initial: "John Q. Adams"
  return ABBREVIATIONS.has(word);
}
