/** One document of a corpus: the unit the corpus loaders (./corpus.ts, ./brown.ts, ./imdb-reviews.ts) return. */
export interface Document {
  /** Stable and unique within a corpus, e.g. "sotu-1790-george-washington", "moby-001". */
  id: string;
  title: string;
  text: string;
}
