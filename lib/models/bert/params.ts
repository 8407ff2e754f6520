/**
 * BERT's parameters: one store entry per Hugging Face checkpoint tensor, named exactly as in a
 * BertForPreTraining checkpoint (`bert.encoder.layer.0.attention.self.query.weight`, `cls.predictions.bias`).
 *
 * Layout: a Linear weight is stored [in, out] (tf.layers' "kernel" layout), the transpose of PyTorch's
 * [out, in]; every other tensor has the checkpoint's shape. Checkpoint io transposes at load and save
 * (see ops.ts for why: it keeps the wasm backend on its fast matmul path). `toCheckpointLayout` /
 * `fromCheckpointLayout` convert a single tensor.
 *
 * The MLM decoder is tied to the word embeddings (tie_word_embeddings), so it has no variable of its
 * own; `cls.predictions.decoder.weight` resolves to `bert.embeddings.word_embeddings.weight`.
 *
 * Groups, for freezing and inspection: "embeddings", "layer.<i>", "encoder" (all layers), "pooler",
 * "mlm", "nsp", "heads" (mlm + nsp), "all".
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { tf } from "../../engine/tfjs/backend";
import { settings } from "../../env";
import { ParamStore } from "../../engine/params";
import { sizeOf } from "../../engine/ops";
import { normalArray } from "../../engine/init";
import type { BertConfig } from "./config";

export type ParamKind = "linear" | "embedding" | "norm_weight" | "norm_bias" | "bias";

export interface ParamSpec {
  name: string;
  /** Shape in memory (Linear weights: [in, out]). */
  shape: number[];
  kind: ParamKind;
  group: string;
}

export interface HeadsSpec {
  /** bert.pooler (tanh dense on [CLS]); absent in BertForMaskedLM checkpoints. */
  pooler: boolean;
  /** cls.predictions (MLM head). */
  mlm: boolean;
  /** cls.seq_relationship (NSP head; needs the pooler). */
  nsp: boolean;
}

export const ALL_HEADS: HeadsSpec = { pooler: true, mlm: true, nsp: true };
export const NO_HEADS: HeadsSpec = { pooler: true, mlm: false, nsp: false };

export const WORD_EMBEDDINGS = "bert.embeddings.word_embeddings.weight";
export const TIED_DECODER = "cls.predictions.decoder.weight";

/** Every parameter a model with `heads` has, in checkpoint order (embeddings → layers → pooler → heads). */
export function paramSpecs(cfg: BertConfig, heads: HeadsSpec): ParamSpec[] {
  const H = cfg.hidden_size;
  const I = cfg.intermediate_size;
  const specs: ParamSpec[] = [];
  const add = (name: string, shape: number[], kind: ParamKind, group: string) => specs.push({ name, shape, kind, group });
  const dense = (prefix: string, inF: number, outF: number, group: string) => {
    add(`${prefix}.weight`, [inF, outF], "linear", group);
    add(`${prefix}.bias`, [outF], "bias", group);
  };
  const norm = (prefix: string, group: string) => {
    add(`${prefix}.weight`, [H], "norm_weight", group);
    add(`${prefix}.bias`, [H], "norm_bias", group);
  };
  add(WORD_EMBEDDINGS, [cfg.vocab_size, H], "embedding", "embeddings");
  add("bert.embeddings.position_embeddings.weight", [cfg.max_position_embeddings, H], "embedding", "embeddings");
  add("bert.embeddings.token_type_embeddings.weight", [cfg.type_vocab_size, H], "embedding", "embeddings");
  norm("bert.embeddings.LayerNorm", "embeddings");
  for (let i = 0; i < cfg.num_hidden_layers; i++) {
    const p = `bert.encoder.layer.${i}`;
    const g = `layer.${i}`;
    dense(`${p}.attention.self.query`, H, H, g);
    dense(`${p}.attention.self.key`, H, H, g);
    dense(`${p}.attention.self.value`, H, H, g);
    dense(`${p}.attention.output.dense`, H, H, g);
    norm(`${p}.attention.output.LayerNorm`, g);
    dense(`${p}.intermediate.dense`, H, I, g);
    dense(`${p}.output.dense`, I, H, g);
    norm(`${p}.output.LayerNorm`, g);
  }
  if (heads.pooler) dense("bert.pooler.dense", H, H, "pooler");
  if (heads.mlm) {
    dense("cls.predictions.transform.dense", H, H, "mlm");
    norm("cls.predictions.transform.LayerNorm", "mlm");
    if (cfg.tie_word_embeddings === false) add(TIED_DECODER, [H, cfg.vocab_size], "linear", "mlm");
    add("cls.predictions.bias", [cfg.vocab_size], "bias", "mlm");
  }
  if (heads.nsp) dense("cls.seq_relationship", H, 2, "nsp");
  return specs;
}

/** A tensor in checkpoint layout ([out, in] for Linear weights) → memory layout. Caller owns the result. */
export function fromCheckpointLayout(t: tfTypes.Tensor, kind: ParamKind): tfTypes.Tensor {
  return kind === "linear" ? tf().transpose(t) : tf().clone(t);
}

/** A tensor in memory layout → checkpoint layout. Caller owns the result. */
export function toCheckpointLayout(t: tfTypes.Tensor, kind: ParamKind): tfTypes.Tensor {
  return kind === "linear" ? tf().transpose(t) : tf().clone(t);
}

/** A checkpoint-layout array ([out, in] for Linear weights) → memory layout ([in, out]); a copy. */
export function hostFromCheckpointLayout(data: Float32Array, memoryShape: readonly number[], kind: ParamKind): Float32Array {
  if (kind !== "linear") return Float32Array.from(data);
  const [inF, outF] = memoryShape;
  return transposeHost(data, outF, inF);
}

/** A memory-layout array → checkpoint layout; a copy. */
export function hostToCheckpointLayout(data: Float32Array, memoryShape: readonly number[], kind: ParamKind): { data: Float32Array; shape: number[] } {
  if (kind !== "linear") return { data: Float32Array.from(data), shape: [...memoryShape] };
  const [inF, outF] = memoryShape;
  return { data: transposeHost(data, inF, outF), shape: [outF, inF] };
}

/** [rows, cols] row-major → [cols, rows]. */
export function transposeHost(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    for (let j = 0; j < cols; j++) out[j * rows + i] = x[row + j];
  }
  return out;
}

/**
 * One model's parameters by checkpoint name: a parameter store (lib/engine/params.ts) with BERT's
 * specs, groups and the tied-decoder alias. The values live on the host; the tfjs engine reads
 * them through tf.Variable mirrors (`get`), the ONNX engine directly.
 */
export class BertParams extends ParamStore {
  readonly specs: ParamSpec[];
  private readonly specByName = new Map<string, ParamSpec>();

  /** `init: false` leaves every value 0 (a checkpoint is about to be read into it; `initialise` fills what it lacks). */
  constructor(readonly config: BertConfig, readonly heads: HeadsSpec, readonly seed: number = settings.seed, init = true) {
    super();
    this.specs = paramSpecs(config, heads);
    for (const spec of this.specs) {
      const n = sizeOf(spec.shape);
      const data = new Float32Array(n);
      this.add(spec.name, { shape: spec.shape, data }, spec.kind === "linear" || spec.kind === "embedding");
      this.specByName.set(spec.name, spec);
      if (init) this.initialise(spec.name);
    }
  }

  /**
   * Draws a parameter's initial value (seeded by the model's seed and the parameter's position):
   * transformers' BertPreTrainedModel._init_weights — Linear/Embedding ~ N(0, initializer_range),
   * biases 0, LayerNorm γ=1 β=0, the padding row of the word embeddings 0.
   */
  initialise(name: string): void {
    const spec = this.spec(name);
    const k = this.specs.indexOf(spec);
    const n = sizeOf(spec.shape);
    let data: Float32Array;
    if (spec.kind === "linear" || spec.kind === "embedding") {
      data = normalArray(n, this.config.initializer_range, this.seed * 1000 + k);
      const pad = this.config.pad_token_id;
      if (spec.name === WORD_EMBEDDINGS && pad >= 0 && pad < spec.shape[0]) data.fill(0, pad * spec.shape[1], (pad + 1) * spec.shape[1]);
    } else if (spec.kind === "norm_weight") data = new Float32Array(n).fill(1);
    else data = new Float32Array(n);
    this.adopt(spec.name, data);
  }

  /** Canonical name: adds the `bert.` prefix where a bare-model name lacks it; maps the tied decoder. */
  canonical(name: string): string {
    if (/^(embeddings|encoder|pooler)\./.test(name)) name = `bert.${name}`;
    if (name === TIED_DECODER && !this.entries.has(TIED_DECODER)) return WORD_EMBEDDINGS;
    return name;
  }

  /** Parameter names in checkpoint order. */
  names(group?: string | string[]): string[] {
    if (group === undefined) return this.specs.map((s) => s.name);
    const groups = this.expandGroups(group);
    return this.specs.filter((s) => groups.has(s.group)).map((s) => s.name);
  }

  spec(name: string): ParamSpec {
    const spec = this.specByName.get(this.canonical(name));
    if (!spec) throw new Error(this.missing(name));
    return spec;
  }

  /** The parameter as a tf.Variable (the tfjs engine's mirror; loads TensorFlow.js). Change values with `set`. */
  get(name: string): tfTypes.Variable {
    return this.variable(name);
  }

  /** Sets a new value (memory layout, same shape): host values, or a tensor (tfjs code). The caller keeps `value`. */
  set(name: string, value: tfTypes.Tensor | ArrayLike<number>): void {
    const spec = this.spec(name);
    if (isTensor(value)) {
      if (!sameShape(value.shape, spec.shape)) throw new Error(`parameter "${spec.name}": cannot set a value of shape [${value.shape}], expected [${spec.shape}]`);
      super.set(name, value.dataSync() as ArrayLike<number>);
    } else super.set(name, value);
  }

  /** Group names this model has: embeddings, layer.0 … layer.{L-1}, pooler?, mlm?, nsp?. */
  groups(): string[] {
    return [...new Set(this.specs.map((s) => s.group))];
  }

  /** Marks the groups' parameters frozen (the engines build no gradient and keep no optimizer state for them). */
  freeze(group: string | string[] = "all"): void {
    for (const n of this.names(group)) this.setTrainable(n, false);
  }

  unfreeze(group: string | string[] = "all"): void {
    for (const n of this.names(group)) this.setTrainable(n, true);
  }

  /** Trainable parameters as tf.Variables (tfjs optimizers' varList; loads TensorFlow.js). */
  trainableVariables(): tfTypes.Variable[] {
    return this.specs.filter((s) => this.isTrainable(s.name)).map((s) => this.get(s.name));
  }

  /** Number of parameters (scalars), in total and trainable; optionally for some groups only. */
  count(group?: string | string[]): { total: number; trainable: number } {
    let total = 0;
    let trainable = 0;
    for (const n of this.names(group)) {
      const e = this.entry(n);
      total += e.data.length;
      if (e.trainable) trainable += e.data.length;
    }
    return { total, trainable };
  }

  protected missing(name: string): string {
    const near = this.specs.map((s) => s.name).filter((n) => n.includes(name.split(".").slice(-2).join("."))).slice(0, 5);
    return `no parameter named "${name}"${near.length ? `; similar: ${near.join(", ")}` : ""}. List them with model.params.names().`;
  }

  private expandGroups(group: string | string[]): Set<string> {
    const have = this.groups();
    const out = new Set<string>();
    for (const g of Array.isArray(group) ? group : [group]) {
      if (g === "all") have.forEach((h) => out.add(h));
      else if (g === "encoder") have.filter((h) => h.startsWith("layer.")).forEach((h) => out.add(h));
      else if (g === "heads") have.filter((h) => h === "mlm" || h === "nsp").forEach((h) => out.add(h));
      else if (have.includes(g)) out.add(g);
      else if (/^layer\.\d+$/.test(g) || ["pooler", "mlm", "nsp", "embeddings"].includes(g)) {
        throw new Error(`this model has no parameter group "${g}"; it has: ${have.join(", ")}`);
      } else {
        throw new Error(`unknown parameter group "${g}"; use one of: all, encoder, heads, ${have.join(", ")}`);
      }
    }
    return out;
  }
}

function isTensor(x: unknown): x is tfTypes.Tensor {
  return typeof x === "object" && x !== null && typeof (x as tfTypes.Tensor).dataSync === "function" && Array.isArray((x as tfTypes.Tensor).shape);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
