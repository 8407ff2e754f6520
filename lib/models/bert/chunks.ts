/**
 * Running a large batch through BERT on tfjs in chunks of sequences.
 *
 * tfjs runs a forward pass eagerly inside one tf.tidy, so every intermediate tensor of every layer
 * stays alive until the pass ends. On the WebAssembly backend they all live in one heap of at most
 * 4 GiB; a batch that outgrows it fails deep inside a kernel ("remainder by zero" in batchMatMul,
 * "memory access out of bounds", "table index is out of bounds"), and the backend is unusable
 * afterwards. The course BERT (4 layers × 256) on 256 sequences of 128 tokens needs ~8 GiB that way.
 * So `BertModel.run` splits such a batch here and concatenates the outputs, which are all
 * batch-major: the result is the same as one run (each sequence is computed independently).
 */
import type { HostTensor } from "../../engine/ops";
import type { BertConfig } from "./config";

/** Token ids, attention mask and segment ids, one row per sequence (all rows one length T). */
export interface BertRunInputs {
  inputIds: ArrayLike<number>[];
  attentionMask?: ArrayLike<number>[];
  tokenTypeIds?: ArrayLike<number>[];
}

/** What one run returns (BertHostOutput's shape, declared here to keep this file a leaf). */
export interface ChunkOutput {
  hiddenStates: Map<number, HostTensor>;
  poolerOutput?: HostTensor;
  attentions?: HostTensor[];
  mlmLogits?: HostTensor;
  nspLogits?: HostTensor;
}

/**
 * Float32 values one forward pass may keep alive per chunk: 2^28 (1 GiB), a quarter of the wasm
 * heap's 4 GiB limit, leaving room for the weights and the outputs copied out.
 */
export const TFJS_CHUNK_BUDGET = 2 ** 28;

/**
 * How many sequences of length T one tfjs run takes. The estimate counts the tensors a layer
 * makes per token, read off lib/models/bert/bert.ts and lib/models/nn.ts: ~30 of width H
 * (projections, head splits, residuals, LayerNorm steps), ~6 of width I (the feed-forward
 * product and the exact-GELU steps) and ~5 of width nh·T (scores, scaled, biased, softmax steps);
 * plus ~3 of width V per scored token for the MLM head.
 */
export function tfjsChunkSize(cfg: BertConfig, B: number, T: number, o: { heads?: boolean; mlmRows?: number[] }): number {
  const perTokenLayer = 30 * cfg.hidden_size + 6 * cfg.intermediate_size + 5 * cfg.num_attention_heads * T;
  let perSequence = cfg.num_hidden_layers * perTokenLayer * T;
  if (o.heads) perSequence += 3 * cfg.vocab_size * (o.mlmRows ? o.mlmRows.length / B : T); // scored rows per sequence, on average
  return Math.max(1, Math.floor(TFJS_CHUNK_BUDGET / perSequence));
}

/**
 * Runs `run` on consecutive chunks of `size` sequences and joins the outputs along the batch.
 * `mlmRows` are flat indices into the whole batch's B*T tokens; each chunk gets its own, shifted,
 * and the joined MLM logits keep the caller's row order.
 */
export async function runInChunks(
  inputs: BertRunInputs,
  mlmRows: number[] | undefined,
  size: number,
  run: (part: BertRunInputs, mlmRows: number[] | undefined) => Promise<ChunkOutput>,
): Promise<ChunkOutput> {
  const B = inputs.inputIds.length;
  const T = inputs.inputIds[0].length;
  const parts: ChunkOutput[] = [];
  const rowsOf: number[][] = []; // for each chunk: the positions in mlmRows it answers
  for (let s = 0; s < B; s += size) {
    const e = Math.min(B, s + size);
    const part: BertRunInputs = { inputIds: inputs.inputIds.slice(s, e) };
    if (inputs.attentionMask) part.attentionMask = inputs.attentionMask.slice(s, e);
    if (inputs.tokenTypeIds) part.tokenTypeIds = inputs.tokenTypeIds.slice(s, e);
    let rows: number[] | undefined;
    if (mlmRows) {
      const mine = mlmRows.map((r, i) => [r, i]).filter(([r]) => r >= s * T && r < e * T);
      rowsOf.push(mine.map(([, i]) => i));
      // A chunk with no scored row still runs the encoder (hidden states, NSP); it scores one
      // throw-away row so the MLM head's input is never empty.
      rows = mine.length ? mine.map(([r]) => r - s * T) : [0];
    }
    parts.push(await run(part, rows));
  }
  const out: ChunkOutput = { hiddenStates: new Map() };
  for (const l of parts[0].hiddenStates.keys()) out.hiddenStates.set(l, concat(parts.map((p) => p.hiddenStates.get(l)!)));
  if (parts[0].poolerOutput) out.poolerOutput = concat(parts.map((p) => p.poolerOutput!));
  if (parts[0].attentions) out.attentions = parts[0].attentions.map((_, i) => concat(parts.map((p) => p.attentions![i])));
  if (parts[0].nspLogits) out.nspLogits = concat(parts.map((p) => p.nspLogits!));
  if (parts[0].mlmLogits) out.mlmLogits = mlmRows ? scatterRows(parts, rowsOf, mlmRows.length) : concat(parts.map((p) => p.mlmLogits!));
  return out;
}

/** Joins tensors along their first axis. */
function concat(xs: HostTensor[]): HostTensor {
  const n = xs.reduce((a, x) => a + x.data.length, 0);
  const data = xs[0].data instanceof Float32Array ? new Float32Array(n) : new Int32Array(n);
  let at = 0;
  for (const x of xs) {
    data.set(x.data, at);
    at += x.data.length;
  }
  return { data, shape: [xs.reduce((a, x) => a + x.shape[0], 0), ...xs[0].shape.slice(1)] };
}

/** MLM logits [N, V] back in the caller's row order, from each chunk's [n_i, V]. */
function scatterRows(parts: ChunkOutput[], rowsOf: number[][], N: number): HostTensor {
  const V = parts[0].mlmLogits!.shape[1];
  const data = new Float32Array(N * V);
  parts.forEach((p, c) => rowsOf[c].forEach((i, j) => data.set(p.mlmLogits!.data.subarray(j * V, (j + 1) * V), i * V)));
  return { data, shape: [N, V] };
}
