/**
 * The "token-frequency plateau" in numbers: a model that ignores context and predicts every masked
 * token from the training unigram distribution has expected held-out cross-entropy
 * H = −Σ_v p_heldout(v) log p_train(v) (nats/token), and its accuracy is the held-out share of the
 * most frequent training token. Counts are over sentence tokens (no [CLS]/[SEP]), add-one smoothed.
 */
import type { TokenizedDocument } from "../../../lib/pretraining/corpus";

export function unigramEntropy(train: readonly TokenizedDocument[], heldOut: readonly TokenizedDocument[], vocabSize: number): { crossEntropyNats: number; trainEntropyNats: number; topTokenShare: number; trainTokens: number; heldOutTokens: number } {
  const count = (docs: readonly TokenizedDocument[]) => {
    const c = new Float64Array(vocabSize);
    let n = 0;
    for (const d of docs) for (const s of d.sentences) for (const id of s) { c[id]++; n++; }
    return { c, n };
  };
  const tr = count(train);
  const ho = count(heldOut);
  let ce = 0;
  let h = 0;
  let top = 0;
  for (let v = 0; v < vocabSize; v++) {
    const p = (tr.c[v] + 1) / (tr.n + vocabSize);
    if (ho.c[v]) ce -= (ho.c[v] / ho.n) * Math.log(p);
    if (tr.c[v]) h -= (tr.c[v] / tr.n) * Math.log(tr.c[v] / tr.n);
    if (tr.c[v] > tr.c[top]) top = v;
  }
  return { crossEntropyNats: ce, trainEntropyNats: h, topTokenShare: ho.c[top] / ho.n, trainTokens: tr.n, heldOutTokens: ho.n };
}
