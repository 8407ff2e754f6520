/**
 * Fill-mask: what the MLM head predicts for each [MASK] in a text (transformers' "fill-mask"
 * pipeline): the top-k tokens with their probabilities.
 */
import { tf } from "../env";
import type { BertModel } from "../models/bert/model";
import type { BertTokenizer } from "../text/tokenizer";

export interface FillMaskCandidate {
  token: string;
  id: number;
  score: number;
  /** The text with this token in place of the mask. */
  sequence: string;
}

/** Top-k candidates for every [MASK] in `text` (one list per mask, left to right). */
export function fillMask(model: BertModel, tokenizer: BertTokenizer, text: string, topK = 5): FillMaskCandidate[][] {
  const t = tf();
  const enc = tokenizer.encode(text, null, { truncation: true, maxLength: Math.min(512, model.config.max_position_embeddings) });
  const maskPositions = enc.ids.map((id, i) => (id === tokenizer.maskId ? i : -1)).filter((i) => i >= 0);
  if (!maskPositions.length) throw new Error(`fillMask: the text has no ${tokenizer.special.mask} token: "${text}"`);
  const T = enc.ids.length;
  const probs = t.tidy(() => {
    const out = model.forward({ inputIds: [enc.ids], tokenTypeIds: [enc.tokenTypeIds] });
    if (!out.mlmLogits) throw new Error("this model has no MLM head (load a BertForPreTraining / BertForMaskedLM checkpoint)");
    const logits = t.reshape(out.mlmLogits, [T, -1]);
    return t.softmax(t.gather(logits, t.tensor1d(maskPositions, "int32")), -1);
  });
  const { values, indices } = t.topk(probs, Math.min(topK, tokenizer.vocabSize));
  const vals = values.arraySync() as number[][];
  const ids = indices.arraySync() as number[][];
  t.dispose([probs, values, indices]);
  return maskPositions.map((pos, m) =>
    ids[m].map((id, k) => {
      const filled = enc.ids.slice();
      filled[pos] = id;
      return { token: tokenizer.idToToken(id), id, score: vals[m][k], sequence: tokenizer.decode(filled, { skipSpecialTokens: true }) };
    }),
  );
}

/** Cloze sentences (one [MASK] each) with the expected word; counts how many land in the top k. */
export function clozeTopK(model: BertModel, tokenizer: BertTokenizer, items: readonly { text: string; answer: string }[], k = 5): { hits: number; total: number; rows: { text: string; answer: string; top: string[]; hit: boolean }[] } {
  const rows = items.map((it) => {
    const top = fillMask(model, tokenizer, it.text, k)[0].map((c) => c.token);
    return { text: it.text, answer: it.answer, top, hit: top.includes(it.answer.toLowerCase()) };
  });
  return { hits: rows.filter((r) => r.hit).length, total: rows.length, rows };
}
