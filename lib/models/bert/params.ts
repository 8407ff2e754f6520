/**
 * BERT's parameters: one tf.Variable per Hugging Face checkpoint tensor, named exactly as in a
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
import { assignVariable, ParamSource } from "../../engine/params";
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

let modelCounter = 0;

/** The variables of one model, by checkpoint name. */
export class BertParams implements ParamSource {
  readonly specs: ParamSpec[];
  private readonly byName = new Map<string, { spec: ParamSpec; v: tfTypes.Variable }>();
  /** Prefix that keeps variable names unique in the tfjs engine when several models coexist. */
  readonly scope: string;
  /** Grows whenever a value or a trainable flag changes (engines cache host copies by it). */
  version = 0;

  constructor(readonly config: BertConfig, readonly heads: HeadsSpec, seed: number = settings.seed) {
    const t = tf();
    this.scope = `bert${modelCounter++}`;
    this.specs = paramSpecs(config, heads);
    const std = config.initializer_range;
    this.specs.forEach((spec, k) => {
      // transformers' BertPreTrainedModel._init_weights: Linear/Embedding ~ N(0, initializer_range),
      // biases 0, LayerNorm γ=1 β=0, the padding row of the word embeddings 0.
      const init = t.tidy(() => {
        switch (spec.kind) {
          case "linear":
            return t.randomNormal(spec.shape, 0, std, "float32", seed * 1000 + k);
          case "embedding": {
            const w = t.randomNormal(spec.shape, 0, std, "float32", seed * 1000 + k);
            if (spec.name !== WORD_EMBEDDINGS) return w;
            const rowKeep = new Float32Array(spec.shape[0]).fill(1);
            if (config.pad_token_id >= 0 && config.pad_token_id < spec.shape[0]) rowKeep[config.pad_token_id] = 0;
            return t.mul(w, t.tensor2d(rowKeep, [spec.shape[0], 1]));
          }
          case "norm_weight":
            return t.ones(spec.shape);
          default:
            return t.zeros(spec.shape);
        }
      });
      this.byName.set(spec.name, { spec, v: t.variable(init, true, `${this.scope}/${spec.name}`) });
      init.dispose();
    });
  }

  /** Canonical name: adds the `bert.` prefix where a bare-model name lacks it; maps the tied decoder. */
  canonical(name: string): string {
    if (/^(embeddings|encoder|pooler)\./.test(name)) name = `bert.${name}`;
    if (name === TIED_DECODER && !this.byName.has(TIED_DECODER)) return WORD_EMBEDDINGS;
    return name;
  }

  has(name: string): boolean {
    return this.byName.has(this.canonical(name));
  }

  /** Parameter names in checkpoint order. */
  names(group?: string | string[]): string[] {
    if (group === undefined) return this.specs.map((s) => s.name);
    const groups = this.expandGroups(group);
    return this.specs.filter((s) => groups.has(s.group)).map((s) => s.name);
  }

  spec(name: string): ParamSpec {
    return this.entry(name).spec;
  }

  /** The variable (memory layout). Do not dispose it; use `set` to change its value. */
  get(name: string): tfTypes.Variable {
    return this.entry(name).v;
  }

  /** Assigns a new value (memory layout, same shape). The caller keeps ownership of `value`. */
  set(name: string, value: tfTypes.Tensor | Float32Array | number[]): void {
    const { spec, v } = this.entry(name);
    const t = tf();
    const tensor = value instanceof t.Tensor ? value : t.tensor(value as Float32Array, spec.shape, "float32");
    try {
      if (!sameShape(tensor.shape, spec.shape)) {
        throw new Error(`parameter "${spec.name}": cannot set a value of shape [${tensor.shape}], expected [${spec.shape}]`);
      }
      v.assign(tensor.dtype === "float32" ? tensor : t.cast(tensor, "float32"));
      this.version++;
    } finally {
      if (tensor !== value) tensor.dispose();
    }
  }

  /** Group names this model has: embeddings, layer.0 … layer.{L-1}, pooler?, mlm?, nsp?. */
  groups(): string[] {
    return [...new Set(this.specs.map((s) => s.group))];
  }

  /** Marks the groups' variables untrainable (optimizers and tf.variableGrads skip them). */
  freeze(group: string | string[] = "all"): void {
    for (const n of this.names(group)) this.get(n).trainable = false;
    this.version++;
  }

  unfreeze(group: string | string[] = "all"): void {
    for (const n of this.names(group)) this.get(n).trainable = true;
    this.version++;
  }

  // ---- ParamSource (lib/engine/params.ts)

  variable(name: string): tfTypes.Variable {
    return this.get(name);
  }

  isTrainable(name: string): boolean {
    return this.get(name).trainable;
  }

  /** Weight decay for weight matrices and embeddings; not for biases or LayerNorm (BERT's optimization.py). */
  decays(name: string): boolean {
    const k = this.spec(name).kind;
    return k === "linear" || k === "embedding";
  }

  assign(name: string, values: Float32Array): void {
    assignVariable(this.get(name), values, name);
    this.version++;
  }

  touch(): void {
    this.version++;
  }

  /** Trainable variables (for optimizer.minimize's varList). */
  trainableVariables(): tfTypes.Variable[] {
    return this.specs.map((s) => this.get(s.name)).filter((v) => v.trainable);
  }

  /** Number of parameters (scalars), in total and trainable; optionally for some groups only. */
  count(group?: string | string[]): { total: number; trainable: number } {
    let total = 0;
    let trainable = 0;
    for (const n of this.names(group)) {
      const v = this.get(n);
      total += v.size;
      if (v.trainable) trainable += v.size;
    }
    return { total, trainable };
  }

  dispose(): void {
    for (const { v } of this.byName.values()) v.dispose();
    this.byName.clear();
  }

  private entry(name: string) {
    const e = this.byName.get(this.canonical(name));
    if (!e) {
      const near = this.specs.map((s) => s.name).filter((n) => n.includes(name.split(".").slice(-2).join("."))).slice(0, 5);
      throw new Error(`no parameter named "${name}"${near.length ? `; similar: ${near.join(", ")}` : ""}. List them with model.params.names().`);
    }
    return e;
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

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
