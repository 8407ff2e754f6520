/**
 * Fill-mask: what the MLM head predicts for each [MASK] in a text (transformers' "fill-mask"
 * pipeline): the top-k tokens with their probabilities.
 */
import type { BertModel } from "../models/bert/model";
import type { BertTokenizer } from "../text/tokenizer";

export interface FillMaskCandidate {
  token: string;
  id: number;
  score: number;
  /** The text with this token in place of the mask. */
  sequence: string;
}

/** Top-k candidates for every [MASK] in `text` (one list per mask, left to right), on the course's engine. */
export async function fillMask(model: BertModel, tokenizer: BertTokenizer, text: string, topK = 5): Promise<FillMaskCandidate[][]> {
  if (!model.heads.mlm) throw new Error("this model has no MLM head (load a BertForPreTraining / BertForMaskedLM checkpoint)");
  const enc = tokenizer.encode(text, null, { truncation: true, maxLength: Math.min(512, model.config.max_position_embeddings) });
  const maskPositions = enc.ids.map((id, i) => (id === tokenizer.maskId ? i : -1)).filter((i) => i >= 0);
  if (!maskPositions.length) throw new Error(`fillMask: the text has no ${tokenizer.special.mask} token: "${text}"`);
  const out = await model.run({ inputIds: [enc.ids], tokenTypeIds: [enc.tokenTypeIds] }, { layers: [], pooler: false, heads: true, mlmRows: maskPositions });
  const logits = out.mlmLogits!; // [masks, V]
  const V = logits.shape[1];
  return maskPositions.map((pos, m) => {
    const row = logits.data.subarray(m * V, (m + 1) * V);
    const probs = softmax(row);
    const top = topIndices(probs, Math.min(topK, V));
    return top.map((id) => {
      const filled = enc.ids.slice();
      filled[pos] = id;
      return { token: tokenizer.idToToken(id), id, score: probs[id], sequence: tokenizer.decode(filled, { skipSpecialTokens: true }) };
    });
  });
}

/** Cloze sentences (one [MASK] each) with the expected word; counts how many land in the top k. */
export async function clozeTopK(model: BertModel, tokenizer: BertTokenizer, items: readonly { text: string; answer: string }[], k = 5): Promise<{ hits: number; total: number; rows: { text: string; answer: string; top: string[]; hit: boolean }[] }> {
  const rows = [];
  for (const it of items) {
    const top = (await fillMask(model, tokenizer, it.text, k))[0].map((c) => c.token);
    rows.push({ text: it.text, answer: it.answer, top, hit: top.includes(it.answer.toLowerCase()) });
  }
  return { hits: rows.filter((r) => r.hit).length, total: rows.length, rows };
}

function softmax(x: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) max = Math.max(max, x[i]);
  const out = new Float64Array(x.length);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += out[i] = Math.exp(x[i] - max);
  for (let i = 0; i < x.length; i++) out[i] /= sum;
  return out;
}

function topIndices(x: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: x.length }, (_, i) => i);
  idx.sort((a, b) => x[b] - x[a]);
  return idx.slice(0, k);
}
