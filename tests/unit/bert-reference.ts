/** Shared by the bert-*.test.ts files: the tiny-bert-hf fixture and its float64 reference outputs. */
import * as fs from "fs";
import * as path from "path";
import type * as tfTypes from "@tensorflow/tfjs";
import { BertModel, disposeOutput } from "../../lib/models/bert";

export const FIXTURE = path.join(__dirname, "..", "fixtures", "tiny-bert-hf");

type Nested = number | Nested[];

export interface Reference {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  hidden_states: Nested[];
  last_hidden_state: Nested;
  pooler_output: Nested;
  attentions_layer0: Nested;
  mlm_logits: Nested;
  nsp_logits: Nested;
}

export const REF: Reference = JSON.parse(fs.readFileSync(path.join(FIXTURE, "reference_outputs.json"), "utf8"));

/** Max |a − b| where the token axes (listed) are real tokens in the reference's attention mask. */
export function maxDiff(a: Nested, b: Nested, tokenAxes: number[] = []): number {
  let worst = 0;
  const walk = (x: Nested, y: Nested, idx: number[]) => {
    if (Array.isArray(y)) {
      if (!Array.isArray(x) || x.length !== y.length) throw new Error(`shape mismatch at [${idx}]`);
      y.forEach((yi, k) => walk(x[k], yi, [...idx, k]));
      return;
    }
    if (tokenAxes.some((ax) => REF.attention_mask[idx[0]][idx[ax]] === 0)) return;
    worst = Math.max(worst, Math.abs((x as number) - y));
  };
  walk(a, b, []);
  return worst;
}

/** Runs the model on the reference inputs; returns the max abs error of each output present. */
export function compareWithReference(model: BertModel): Record<string, number> {
  const out = model.forward({ inputIds: REF.input_ids, attentionMask: REF.attention_mask, tokenTypeIds: REF.token_type_ids }, { outputAttentions: true });
  const arr = (t: tfTypes.Tensor) => t.arraySync() as Nested;
  const errs: Record<string, number> = {};
  out.hiddenStates.forEach((h, i) => (errs[`hidden_states[${i}]`] = maxDiff(arr(h), REF.hidden_states[i], [1])));
  errs.last_hidden_state = maxDiff(arr(out.lastHiddenState), REF.last_hidden_state, [1]);
  if (out.poolerOutput) errs.pooler_output = maxDiff(arr(out.poolerOutput), REF.pooler_output);
  errs.attentions_layer0 = maxDiff(arr(out.attentions![0]), REF.attentions_layer0, [2, 3]);
  if (out.mlmLogits) errs.mlm_logits = maxDiff(arr(out.mlmLogits), REF.mlm_logits, [1]);
  if (out.nspLogits) errs.nsp_logits = maxDiff(arr(out.nspLogits), REF.nsp_logits);
  disposeOutput(out);
  return errs;
}
