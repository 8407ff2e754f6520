/**
 * TF-IDF sentence vectors: the bag-of-words baseline every embedding is measured against. Words
 * are lower-cased letter/digit runs; the weight of word w in text d is tf(w, d) · idf(w) with
 * scikit-learn's smoothed idf = ln((1 + n) / (1 + df(w))) + 1, and each vector has unit length
 * (TfidfVectorizer's defaults). Fitted on the texts it embeds.
 */
export function tokenizeWords(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** TF-IDF vectors [n][V] of texts (V = the distinct words), unit length. */
export function tfidfVectors(texts: readonly string[]): { vectors: number[][]; vocabulary: string[] } {
  const docs = texts.map(tokenizeWords);
  const index = new Map<string, number>();
  for (const d of docs) for (const w of d) if (!index.has(w)) index.set(w, index.size);
  const V = index.size;
  const df = new Float64Array(V);
  for (const d of docs) for (const w of new Set(d)) df[index.get(w)!]++;
  const n = docs.length;
  const idf = Array.from(df, (x) => Math.log((1 + n) / (1 + x)) + 1);
  const vectors = docs.map((d) => {
    const v = new Array<number>(V).fill(0);
    for (const w of d) v[index.get(w)!] += 1;
    let norm = 0;
    for (let j = 0; j < V; j++) {
      v[j] *= idf[j];
      norm += v[j] * v[j];
    }
    norm = Math.sqrt(norm) || 1;
    return v.map((x) => x / norm);
  });
  return { vectors, vocabulary: [...index.keys()] };
}
