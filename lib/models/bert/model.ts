/**
 * A BERT model object: its config, its parameters (named as in Hugging Face checkpoints), and two
 * ways to run the one definition in ./bert.ts:
 *
 *   - `await model.run(batch)`: on the course's engine (ONNX Runtime when available, else tfjs);
 *     returns plain arrays. What notebooks and tools use.
 *   - `model.forward(batch)`: eagerly on TensorFlow.js, returning tf tensors that tf.variableGrads
 *     can differentiate through (teaching, custom experiments). The caller disposes them.
 *
 * Shapes: B = batch, T = sequence length, H = hidden_size, nh = attention heads, V = vocab_size.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { engineFor } from "../../engine/select";
import { tf } from "../../engine/tfjs/backend";
import { HostTensor } from "../../engine/ops";
import { AnyHook, EngineName, ModelFn, runModel } from "../../engine/run";
import { TfjsOps } from "../../engine/tfjs/ops";
import type { Ctx } from "../nn";
import { bertEncoder, bertPooler, mlmHead, nspHead } from "./bert";
import { BertRunInputs, runInChunks, tfjsChunkSize } from "./chunks";
import { BertConfig, makeConfig } from "./config";
import { ALL_HEADS, BertParams, HeadsSpec } from "./params";
import { checkBertInputs } from "./inputs";

type IntMatrix = tfTypes.Tensor2D | number[][] | Int32Array[];

export interface BertInputs {
  /** Token ids [B, T]. */
  inputIds: IntMatrix;
  /** 1 for real tokens, 0 for padding [B, T]; default all ones. */
  attentionMask?: IntMatrix;
  /** Segment ids [B, T] (0 = sentence A, 1 = sentence B); default all zeros. */
  tokenTypeIds?: IntMatrix;
}

export interface ForwardOptions {
  /** Dropout on (as model.train() in PyTorch). Default false. */
  training?: boolean;
  /** Also return each layer's attention probabilities [B, nh, T, T]. Default false. */
  outputAttentions?: boolean;
  /** Run the MLM/NSP heads the model has. Default true; false skips them (faster for embeddings). */
  heads?: boolean;
  /** Score the MLM head only at these flat row indices into the B*T tokens; mlmLogits is then [N, V]. */
  mlmRows?: tfTypes.Tensor1D | number[];
}

export interface BertOutput {
  /** Embedding output, then each layer's output: L+1 tensors [B, T, H]. */
  hiddenStates: tfTypes.Tensor3D[];
  /** The last hidden state [B, T, H] (the same tensor as hiddenStates[L]). */
  lastHiddenState: tfTypes.Tensor3D;
  /** tanh(dense([CLS])) [B, H], when the model has a pooler. */
  poolerOutput?: tfTypes.Tensor2D;
  /** Per layer [B, nh, T, T], with outputAttentions. */
  attentions?: tfTypes.Tensor4D[];
  /** [B, T, V] (or [N, V] with mlmRows), when the model has the MLM head. */
  mlmLogits?: tfTypes.Tensor;
  /** [B, 2], when the model has the NSP head. */
  nspLogits?: tfTypes.Tensor2D;
}

export interface RunOptions {
  /** Which hidden states to return (0 = embeddings … L; negative from the end). Default: all. */
  layers?: number[];
  /** Attention probabilities of every layer [B, nh, T, T]. Default false. */
  attentions?: boolean;
  /** Pooler output. Default true when the model has a pooler. */
  pooler?: boolean;
  /** MLM logits [B, T, V] (or [N, V] at mlmRows) and NSP logits. Default false. */
  heads?: boolean;
  mlmRows?: number[];
  /** Engine to run on (default: the course's choice, lib/env). */
  engine?: EngineName;
  /** Extra dense-layer hooks (LoRA) and the key that identifies them. */
  hooks?: AnyHook[];
  hooksKey?: string;
}

export interface BertHostOutput {
  /** The requested hidden states, each [B, T, H], keyed by layer index. */
  hiddenStates: Map<number, HostTensor>;
  poolerOutput?: HostTensor;
  attentions?: HostTensor[];
  mlmLogits?: HostTensor;
  nspLogits?: HostTensor;
}

export interface CreateOptions {
  /** Which heads to build; default all (BertForPreTraining). */
  heads?: Partial<HeadsSpec>;
  /** Initialisation seed; default settings.seed. */
  seed?: number;
  /** Draw the initial values (default true); false leaves zeros for a checkpoint to fill. */
  init?: boolean;
}

/** Model functions `run` keeps (a notebook's few batch shapes and output choices). */
const RUN_FNS_KEPT = 32;

export class BertModel {
  readonly config: BertConfig;
  readonly params: BertParams;
  /** The folder it was loaded from, if any (tokenizer files are looked up there). */
  sourceDir?: string;
  /** `run`'s model functions by what they compute and the batch shape, least recently used first. */
  private readonly runFns = new Map<string, ModelFn>();

  constructor(config: Partial<BertConfig> | BertConfig, options: CreateOptions = {}) {
    this.config = makeConfig(config);
    const heads = { ...ALL_HEADS, ...options.heads };
    if (heads.nsp && !heads.pooler) throw new Error("the NSP head needs the pooler: set heads.pooler to true or heads.nsp to false");
    this.params = new BertParams(this.config, heads, options.seed, options.init ?? true);
  }

  get heads(): HeadsSpec {
    return this.params.heads;
  }

  /** A context for the model definition on the tfjs engine (eager). */
  tfjsContext(training: boolean, seed?: number): Ctx<tfTypes.Tensor> {
    return { o: new TfjsOps({ training, seed }), p: (n) => this.params.get(n), has: (n) => this.params.has(n) };
  }

  /** Runs BERT eagerly on tfjs. Every returned tensor belongs to the caller: dispose with `disposeOutput(out)`. */
  forward(inputs: BertInputs, options: ForwardOptions = {}): BertOutput {
    const t = tf();
    const cfg = this.config;
    const runHeads = options.heads ?? true;
    return t.tidy(() => {
      const ids = toInt2D(inputs.inputIds, "inputIds"); // [B, T]
      const [B, T] = ids.shape;
      const H = cfg.hidden_size;
      const mask = inputs.attentionMask ? toInt2D(inputs.attentionMask, "attentionMask", [B, T]) : t.ones([B, T], "int32"); // [B, T]
      const types = inputs.tokenTypeIds ? toInt2D(inputs.tokenTypeIds, "tokenTypeIds", [B, T]) : t.zeros([B, T], "int32"); // [B, T]
      const c = this.tfjsContext(options.training ?? false);
      const enc = bertEncoder(c, cfg, { inputIds: ids, tokenTypeIds: types, attentionMask: mask });
      const hiddenStates = enc.hidden.map((h) => t.reshape(h, [B, T, H]) as tfTypes.Tensor3D); // (L+1) × [B, T, H]
      const last = enc.hidden[enc.hidden.length - 1]; // [B*T, H]
      const out: BertOutput = { hiddenStates, lastHiddenState: hiddenStates[hiddenStates.length - 1] };
      if (options.outputAttentions) out.attentions = enc.probs as tfTypes.Tensor4D[];
      if (this.heads.pooler) out.poolerOutput = bertPooler(c, last, B, T) as tfTypes.Tensor2D; // [B, H]
      if (runHeads && this.heads.mlm) {
        const rows = options.mlmRows === undefined ? null : options.mlmRows instanceof t.Tensor ? t.cast(options.mlmRows, "int32") : t.tensor1d(options.mlmRows, "int32");
        const logits = mlmHead(c, cfg, rows ? c.o.gather(last, rows) : last); // [N, V]
        out.mlmLogits = rows ? logits : t.reshape(logits, [B, T, cfg.vocab_size]); // [B, T, V]
      }
      if (runHeads && this.heads.nsp && out.poolerOutput) out.nspLogits = nspHead(c, out.poolerOutput) as tfTypes.Tensor2D; // [B, 2]
      return out as unknown as tfTypes.TensorContainer;
    }) as unknown as BertOutput;
  }

  /**
   * The pre-training loss (MLM + NSP, BERT §3.1) of a batch, eagerly on tfjs (a scalar the caller
   * disposes): mlmLabels [B, T] with −100 where not masked, nspLabels [B]. For teaching and
   * tf.variableGrads; training runs use lib/pretraining's Pretrainer on the course's engine.
   */
  pretrainingLoss(inputs: BertInputs, labels: { mlmLabels?: tfTypes.Tensor | number[][]; nspLabels?: tfTypes.Tensor | number[] }, options: ForwardOptions = {}): tfTypes.Scalar {
    const t = tf();
    return t.tidy(() => {
      const out = this.forward(inputs, options);
      let loss: tfTypes.Tensor = t.scalar(0);
      if (labels.mlmLabels !== undefined) {
        if (!out.mlmLogits) throw new Error("this model has no MLM head (it was loaded from a bare BertModel checkpoint)");
        loss = t.add(loss, crossEntropy(out.mlmLogits, labels.mlmLabels));
      }
      if (labels.nspLabels !== undefined) {
        if (!out.nspLogits) throw new Error("this model has no NSP head");
        loss = t.add(loss, crossEntropy(out.nspLogits, labels.nspLabels));
      }
      return loss as tfTypes.Scalar;
    });
  }

  /**
   * Runs BERT on the course's engine and returns plain arrays (no tensors to dispose).
   * On tfjs a large batch runs in chunks of sequences (see `tfjsChunkSize`): tfjs keeps every
   * intermediate tensor of a forward pass alive until it ends, and its WebAssembly heap (at most
   * 4 GiB) fails with "remainder by zero" or "memory access out of bounds" when they outgrow it.
   */
  async run(inputs: BertRunInputs, options: RunOptions = {}): Promise<BertHostOutput> {
    const B = inputs.inputIds.length;
    if (B === 0) throw new Error("BertModel.run needs at least one sequence");
    const engine = options.engine ?? (await engineFor());
    const chunk = engine === "tfjs" ? tfjsChunkSize(this.config, B, inputs.inputIds[0].length, options) : B;
    if (chunk >= B) return this.runBatch(inputs, { ...options, engine });
    return runInChunks(inputs, options.mlmRows, chunk, (part, mlmRows) => this.runBatch(part, { ...options, engine, mlmRows }));
  }

  private async runBatch(inputs: BertRunInputs, options: RunOptions): Promise<BertHostOutput> {
    const cfg = this.config;
    const B = inputs.inputIds.length;
    const T = inputs.inputIds[0].length;
    const L = cfg.num_hidden_layers;
    const flat = (rows: ArrayLike<number>[] | undefined, name: string, fill: number) => {
      const out = new Int32Array(B * T).fill(fill);
      if (!rows) return out;
      if (rows.length !== B) throw new Error(`${name} has ${rows.length} rows, inputIds has ${B}`);
      rows.forEach((r, i) => {
        if (r.length !== T) throw new Error(`${name}: rows have different lengths; pad them (the tokenizer's padding option does it)`);
        out.set(Array.from(r), i * T);
      });
      return out;
    };
    const layers = (options.layers ?? Array.from({ length: L + 1 }, (_, i) => i)).map((l) => {
      const idx = l < 0 ? L + 1 + l : l;
      if (!Number.isInteger(l) || idx < 0 || idx > L) throw new Error(`layer ${l} does not exist: hidden states are 0 (embeddings) … ${L}; -1 is the last`);
      return idx;
    });
    const wantPooler = (options.pooler ?? this.heads.pooler) && this.heads.pooler;
    const wantHeads = options.heads ?? false;
    const rows = options.mlmRows;
    const feeds: Record<string, HostTensor> = {
      inputIds: { data: flat(inputs.inputIds, "inputIds", 0), shape: [B, T] },
      tokenTypeIds: { data: flat(inputs.tokenTypeIds, "tokenTypeIds", 0), shape: [B, T] },
      attentionMask: { data: flat(inputs.attentionMask, "attentionMask", 1), shape: [B, T] },
    };
    checkBertInputs(cfg, B, T, feeds.inputIds.data, feeds.tokenTypeIds.data);
    if (wantHeads && rows) feeds.mlmRows = { data: Int32Array.from(rows), shape: [rows.length] };
    const heads = this.heads;
    const attentions = options.attentions ?? false;
    const key = `bert-run|${JSON.stringify(cfg)}|${JSON.stringify(heads)}|L=${layers.join(",")}|a=${attentions}|p=${wantPooler}|h=${wantHeads}|rows=${!!rows}`;
    // One function object per (key, B, T): the engine remembers what a function object traced to, so
    // a repeated call reuses the compiled graph without tracing, serializing and hashing it again.
    const fnKey = `${key}|B=${B}|T=${T}`;
    let fn = this.runFns.get(fnKey);
    if (fn) this.runFns.delete(fnKey); // most recently used goes last
    else fn = <X>(c: Ctx<X>, x: Record<string, X>): Record<string, X> => {
      const enc = bertEncoder(c, cfg, { inputIds: x.inputIds, tokenTypeIds: x.tokenTypeIds, attentionMask: x.attentionMask });
      const out: Record<string, X> = {};
      for (const l of layers) out[`hidden_${l}`] = c.o.reshape(enc.hidden[l], [B, T, cfg.hidden_size]);
      if (attentions) enc.probs.forEach((p, i) => (out[`attention_${i}`] = p));
      const last = enc.hidden[L];
      const pooled = heads.pooler && (wantPooler || (wantHeads && heads.nsp)) ? bertPooler(c, last, B, T) : null;
      if (wantPooler && pooled) out.pooler = pooled;
      if (wantHeads && heads.mlm) {
        const logits = mlmHead(c, cfg, x.mlmRows ? c.o.gather(last, x.mlmRows) : last);
        out.mlm = x.mlmRows ? logits : c.o.reshape(logits, [B, T, cfg.vocab_size]);
      }
      if (wantHeads && heads.nsp && pooled) out.nsp = nspHead(c, pooled);
      return out;
    };
    this.runFns.set(fnKey, fn);
    if (this.runFns.size > RUN_FNS_KEPT) this.runFns.delete(this.runFns.keys().next().value as string);
    const engine = options.engine ?? (await engineFor());
    const out = await runModel(engine, { key, fn, params: this.params, inputs: feeds, hooks: options.hooks, hooksKey: options.hooksKey });
    const res: BertHostOutput = { hiddenStates: new Map(layers.map((l) => [l, out[`hidden_${l}`]])) };
    if (out.pooler) res.poolerOutput = out.pooler;
    if (attentions) res.attentions = Array.from({ length: L }, (_, i) => out[`attention_${i}`]);
    if (out.mlm) res.mlmLogits = out.mlm;
    if (out.nsp) res.nspLogits = out.nsp;
    return res;
  }

  /** Frees the model's variables. */
  dispose(): void {
    this.params.dispose();
  }
}

/**
 * Mean cross-entropy of logits [..., C] against integer labels [...] (−100 = not scored), eagerly on
 * tfjs: the engine's one cross-entropy (Ops.crossEntropy) on flattened rows.
 */
export function crossEntropy(logits: tfTypes.Tensor, labels: tfTypes.Tensor | number[] | number[][]): tfTypes.Scalar {
  const t = tf();
  return t.tidy(() => {
    const C = logits.shape[logits.shape.length - 1];
    const lab = t.reshape(labels instanceof t.Tensor ? t.cast(labels, "int32") : t.tensor(labels as number[], undefined, "int32"), [-1]);
    const rows = t.reshape(logits, [-1, C]);
    if (lab.shape[0] !== rows.shape[0]) throw new Error(`crossEntropy: ${lab.shape[0]} labels for ${rows.shape[0]} rows of logits`);
    return new TfjsOps().crossEntropy(rows, lab) as tfTypes.Scalar;
  });
}

/** Disposes every tensor of a forward output. */
export function disposeOutput(out: BertOutput): void {
  const all: tfTypes.Tensor[] = [...out.hiddenStates, out.lastHiddenState];
  for (const x of [out.poolerOutput, out.mlmLogits, out.nspLogits, ...(out.attentions ?? [])]) if (x) all.push(x);
  for (const x of new Set(all)) x.dispose();
}

function toInt2D(x: IntMatrix, name: string, shape?: [number, number]): tfTypes.Tensor2D {
  const t = tf();
  let out: tfTypes.Tensor;
  if (x instanceof t.Tensor) {
    if (x.rank !== 2) throw new Error(`${name} must be 2-D [batch, seq], got shape [${x.shape}]`);
    out = x.dtype === "int32" ? x : t.cast(x, "int32");
  } else {
    const rows = x as ArrayLike<number>[];
    const T = rows.length ? rows[0].length : 0;
    if (rows.some((r) => r.length !== T)) throw new Error(`${name}: rows have different lengths; pad them (the tokenizer's padding option does it)`);
    const flat = new Int32Array(rows.length * T);
    rows.forEach((r, i) => flat.set(Array.from(r), i * T));
    out = t.tensor2d(flat, [rows.length, T], "int32");
  }
  if (shape && (out.shape[0] !== shape[0] || out.shape[1] !== shape[1])) {
    throw new Error(`${name} has shape [${out.shape}], expected [${shape}] like inputIds`);
  }
  return out as tfTypes.Tensor2D;
}
