/**
 * BERT (Devlin et al. 2019) in TensorFlow.js, numerically the same as transformers' BertForPreTraining:
 *
 *   embeddings → L × encoder layer → (pooler) → (MLM head, NSP head)
 *
 * One object holds the config and the variables (named as in Hugging Face checkpoints);
 * `forward` is a pure function of the inputs and those variables, so it works under
 * tf.variableGrads / optimizer.minimize for training (pass `training: true` for dropout).
 *
 * Shapes: B = batch, T = sequence length, H = hidden_size, nh = attention heads, V = vocab_size.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { tf } from "../../env";
import { attentionMaskBias } from "./attention";
import { BertConfig, makeConfig } from "./config";
import { bertEmbeddings, ParamGetter } from "./embeddings";
import { bertEncoder } from "./encoder";
import { mlmHead, mlmLoss, nspHead, nspLoss } from "./heads";
import { ALL_HEADS, BertParams, HeadsSpec } from "./params";
import { embeddingLookup } from "./ops";
import { bertPooler } from "./pooler";

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
  /**
   * Score the MLM head only at these flat row indices into the B*T tokens (e.g. the masked
   * positions); mlmLogits is then [N, V] instead of [B, T, V]. Saves most of the MLM cost.
   */
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

export interface CreateOptions {
  /** Which heads to build; default all (BertForPreTraining). */
  heads?: Partial<HeadsSpec>;
  /** Initialisation seed; default settings.seed. */
  seed?: number;
}

export class BertModel {
  readonly config: BertConfig;
  readonly params: BertParams;
  /** The folder it was loaded from, if any (tokenizer files are looked up there). */
  sourceDir?: string;

  constructor(config: Partial<BertConfig> | BertConfig, options: CreateOptions = {}) {
    this.config = makeConfig(config);
    const heads = { ...ALL_HEADS, ...options.heads };
    if (heads.nsp && !heads.pooler) throw new Error("the NSP head needs the pooler: set heads.pooler to true or heads.nsp to false");
    this.params = new BertParams(this.config, heads, options.seed);
  }

  get heads(): HeadsSpec {
    return this.params.heads;
  }

  /** Runs BERT. Every returned tensor belongs to the caller: dispose with `disposeOutput(out)`. */
  forward(inputs: BertInputs, options: ForwardOptions = {}): BertOutput {
    const t = tf();
    const cfg = this.config;
    const training = options.training ?? false;
    const runHeads = options.heads ?? true;
    const p: ParamGetter = (name) => this.params.get(name);
    return t.tidy(() => {
      const ids = toInt2D(inputs.inputIds, "inputIds"); // [B, T]
      const [B, T] = ids.shape;
      const H = cfg.hidden_size;
      const mask = inputs.attentionMask ? toInt2D(inputs.attentionMask, "attentionMask", [B, T]) : t.ones([B, T], "int32"); // [B, T]
      const types = inputs.tokenTypeIds ? toInt2D(inputs.tokenTypeIds, "tokenTypeIds", [B, T]) : t.zeros([B, T], "int32"); // [B, T]

      const emb = bertEmbeddings(p, cfg, ids as tfTypes.Tensor2D, types as tfTypes.Tensor2D, training); // [B*T, H]
      const maskBias = attentionMaskBias(mask as tfTypes.Tensor2D); // [B, 1, 1, T]
      const enc = bertEncoder(p, cfg, emb, maskBias, B, T, training, options.outputAttentions ?? false);
      const hiddenStates = enc.hidden.map((h) => t.reshape(h, [B, T, H]) as tfTypes.Tensor3D); // (L+1) × [B, T, H]
      const last = hiddenStates[hiddenStates.length - 1]; // [B, T, H]
      const out: BertOutput = { hiddenStates, lastHiddenState: last };
      if (options.outputAttentions) out.attentions = enc.probs;
      if (this.heads.pooler) out.poolerOutput = bertPooler(p, last); // [B, H]
      if (runHeads && this.heads.mlm) {
        const flat = enc.hidden[enc.hidden.length - 1]; // [B*T, H]
        const rows = options.mlmRows === undefined ? null : options.mlmRows instanceof t.Tensor ? (t.cast(options.mlmRows, "int32") as tfTypes.Tensor1D) : t.tensor1d(options.mlmRows, "int32");
        const scored = rows ? embeddingLookup(flat, rows) : flat; // [N, H] (a gather whose gradient runs on wasm)
        const logits = mlmHead(p, cfg, scored, cfg.tie_word_embeddings !== false); // [N, V]
        out.mlmLogits = rows ? logits : t.reshape(logits, [B, T, cfg.vocab_size]); // [B, T, V]
      }
      if (runHeads && this.heads.nsp && out.poolerOutput) out.nspLogits = nspHead(p, out.poolerOutput); // [B, 2]
      return out as unknown as tfTypes.TensorContainer;
    }) as unknown as BertOutput;
  }

  /**
   * The pre-training loss (MLM + NSP, BERT §3.1) for a batch; a scalar the caller disposes.
   * mlmLabels [B, T] with -100 where not masked; nspLabels [B] (optional).
   */
  pretrainingLoss(inputs: BertInputs, labels: { mlmLabels?: tfTypes.Tensor | number[][]; nspLabels?: tfTypes.Tensor | number[] }, options: ForwardOptions = {}): tfTypes.Scalar {
    const t = tf();
    return t.tidy(() => {
      const out = this.forward(inputs, options);
      let loss: tfTypes.Scalar = t.scalar(0);
      if (labels.mlmLabels !== undefined) {
        if (!out.mlmLogits) throw new Error("this model has no MLM head (it was loaded from a bare BertModel checkpoint)");
        loss = t.add(loss, mlmLoss(out.mlmLogits, labels.mlmLabels));
      }
      if (labels.nspLabels !== undefined) {
        if (!out.nspLogits) throw new Error("this model has no NSP head");
        loss = t.add(loss, nspLoss(out.nspLogits, labels.nspLabels));
      }
      return loss;
    });
  }

  /** Frees the model's variables. */
  dispose(): void {
    this.params.dispose();
  }
}

/** Disposes every tensor of a forward output. */
export function disposeOutput(out: BertOutput): void {
  const all: tfTypes.Tensor[] = [...out.hiddenStates, out.lastHiddenState];
  for (const x of [out.poolerOutput, out.mlmLogits, out.nspLogits, ...(out.attentions ?? [])]) if (x) all.push(x);
  for (const x of new Set(all)) x.dispose();
}

function toInt2D(x: IntMatrix, name: string, shape?: [number, number]): tfTypes.Tensor {
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
  return out;
}
