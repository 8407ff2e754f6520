/**
 * Unlabelled sentences from a pre-training corpus, for the sentence-encoder commands (`course
 * simcse`, `course whiten`). Documents that quote the course's labelled evaluation sentences are
 * already left out by loadPretrainingDocuments (lib/pretraining/contamination.ts).
 */
import { mulberry32 } from "../data/split";
import { loadPretrainingDocuments } from "../pretraining/corpus";
import { splitSentences } from "../pretraining/sentences";

/** Each document of `corpus` as its list of sentences. */
export function documentSentences(corpus: string): string[][] {
  return loadPretrainingDocuments(corpus).docs.map((d) => splitSentences(d.text));
}

/** A sentence worth encoding: it has letters and 6–40 words (shorter is mostly headings, longer is mostly run-ons). */
export function fitsSentence(s: string): boolean {
  const words = s.split(/\s+/).length;
  return /\p{L}/u.test(s) && words >= 6 && words <= 40;
}

/** A seeded Fisher–Yates shuffle (a copy; `items` is left as it is). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = items.slice();
  const rng = mulberry32(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
