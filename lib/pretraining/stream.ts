/**
 * The training data stream: a deterministic function from (seed, sequence length, position) to
 * masked NSP examples, so a run resumed from a checkpoint at step s sees exactly the batches an
 * uninterrupted run sees from step s on.
 *
 * Epoch e: NSP pairs from every training document (create_pretraining_data.py, rng seeded by
 * seed, seqLen and e), shuffled; masks drawn afresh for each epoch from a per-example seed
 * ("dynamic masking", Liu et al. 2019 — the original duplicated the data 10× with different static
 * masks for the same effect). Example k of the stream is example (k − start of its epoch) of
 * its epoch.
 */
import { mixSeed, mulberry32, shuffle } from "../data/split";

export { mixSeed };
import type { TokenizedDocument } from "./corpus";
import { maskTokens, MaskingOptions } from "./masking";
import { createNspInstances, NspInstance } from "./nsp";

/** A batch as flat typed arrays (no nested JS arrays: cheap to build and to upload). */
export interface PretrainBatch {
  B: number;
  T: number;
  /** [B*T] token ids after masking. */
  inputIds: Int32Array;
  /** [B*T] 0 = sentence A, 1 = sentence B. */
  tokenTypeIds: Int32Array;
  /** [B*T] 1 = token, 0 = padding. */
  attentionMask: Int32Array;
  /** [N] flat row indices (b*T + t) of the positions chosen for MLM. */
  mlmRows: Int32Array;
  /** [N] the original token id at each chosen position. */
  mlmLabels: Int32Array;
  /** [B] 0 = IsNext, 1 = NotNext (transformers' convention). */
  nspLabels: Int32Array;
}

export interface StreamOptions {
  seed: number;
  maxLength: number;
  masking: MaskingOptions;
  clsId: number;
  sepId: number;
  padId: number;
}

export class PretrainStream {
  private epochs: NspInstance[][] = [];
  private starts: number[] = [0];

  constructor(readonly docs: readonly TokenizedDocument[], readonly options: StreamOptions) {}

  private epoch(e: number): NspInstance[] {
    while (this.epochs.length <= e) {
      const k = this.epochs.length;
      const rng = mulberry32(mixSeed(this.options.seed, this.options.maxLength, k));
      const inst = shuffle(createNspInstances(this.docs, rng, { maxLength: this.options.maxLength }), rng);
      if (!inst.length) throw new Error("the corpus produced no training pairs; it needs at least two documents with text");
      this.epochs.push(inst);
      this.starts.push(this.starts[k] + inst.length);
    }
    return this.epochs[e];
  }

  /** Examples per epoch (pairs in one pass over the documents). */
  epochSize(e = 0): number {
    return this.epoch(e).length;
  }

  /** Which epoch and index within it the k-th example of the stream is. */
  locate(k: number): { epoch: number; index: number } {
    let e = 0;
    for (;;) {
      this.epoch(e);
      if (k < this.starts[e + 1]) return { epoch: e, index: k - this.starts[e] };
      e++;
    }
  }

  /** The k-th example: [CLS] A [SEP] B [SEP], masked, unpadded. */
  example(k: number): { ids: Int32Array; types: Int32Array; labels: Int32Array; positions: number[]; nsp: number } {
    const { epoch, index } = this.locate(k);
    const x = this.epochs[epoch][index];
    const o = this.options;
    const n = x.a.length + x.b.length + 3;
    const ids = new Int32Array(n);
    const types = new Int32Array(n);
    const starts = new Uint8Array(n);
    ids[0] = o.clsId;
    ids.set(x.a, 1);
    starts.set(x.aStarts, 1);
    ids[x.a.length + 1] = o.sepId;
    ids.set(x.b, x.a.length + 2);
    starts.set(x.bStarts, x.a.length + 2);
    ids[n - 1] = o.sepId;
    types.fill(1, x.a.length + 2);
    const m = maskTokens(ids, mulberry32(mixSeed(o.seed, o.maxLength, epoch, index, 7)), o.masking, starts);
    return { ids: m.inputIds, types, labels: m.labels, positions: m.positions, nsp: x.label };
  }

  /** Examples [first, first + B) as a batch padded to `padTo` tokens (default: its longest sequence). */
  batch(first: number, B: number, padTo?: number): PretrainBatch {
    const ex = Array.from({ length: B }, (_, i) => this.example(first + i));
    return collate(ex, this.options.padId, padTo);
  }
}

/** Stacks examples into a flat, padded batch with the masked positions listed. */
export function collate(ex: { ids: Int32Array; types: Int32Array; labels: Int32Array; positions: number[]; nsp: number }[], padId: number, padTo?: number): PretrainBatch {
  const B = ex.length;
  const T = padTo ?? Math.max(...ex.map((e) => e.ids.length));
  const inputIds = new Int32Array(B * T).fill(padId);
  const tokenTypeIds = new Int32Array(B * T);
  const attentionMask = new Int32Array(B * T);
  const rows: number[] = [];
  const labels: number[] = [];
  ex.forEach((e, b) => {
    inputIds.set(e.ids, b * T);
    tokenTypeIds.set(e.types, b * T);
    attentionMask.fill(1, b * T, b * T + e.ids.length);
    for (const p of e.positions) {
      rows.push(b * T + p);
      labels.push(e.labels[p]);
    }
  });
  return { B, T, inputIds, tokenTypeIds, attentionMask, mlmRows: Int32Array.from(rows), mlmLabels: Int32Array.from(labels), nspLabels: Int32Array.from(ex.map((e) => e.nsp)) };
}

/** FNV-1a hash of a batch's inputs and labels: a fingerprint of the data order. */
export function batchHash(b: PretrainBatch): string {
  let h = 0x811c9dc5;
  const mix = (arr: Int32Array) => {
    for (let i = 0; i < arr.length; i++) h = Math.imul(h ^ (arr[i] & 0xffff), 0x01000193) >>> 0;
  };
  mix(b.inputIds);
  mix(b.mlmRows);
  mix(b.mlmLabels);
  mix(b.nspLabels);
  return h.toString(16).padStart(8, "0");
}
