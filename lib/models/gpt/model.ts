/**
 * A small decoder-only transformer (GPT-2 shape; Radford et al. 2019) in TensorFlow.js,
 * written top to bottom like nanoGPT's model.py:
 *
 *   token embeddings (+ learned positions) → n_layer × Block(causal self-attention [RoPE], MLP) → LayerNorm → logits
 *
 * Positions are either GPT-2's learned table `wpe` or rotary (RoPE, Su et al. 2021, the rotate-half
 * layout of GPT-NeoX / Llama), chosen by config.position_embedding_type.
 *
 * Parameter names and layouts are GPT-2's (Hugging Face GPT2LMHeadModel without the "transformer."
 * prefix dropped): GPT-2 stores its Conv1D weights as [in, out], which is also the layout that keeps
 * tfjs-wasm on its fast 2-D product path (see ../bert/ops.ts), so a checkpoint is a plain copy.
 *
 * Shapes: B = batch, T = sequence length, C = n_embd, nh = n_head, hs = C / nh, V = vocab_size.
 * Activations stay 2-D [B*T, C] between blocks so each projection is one 2-D matmul.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { tf, settings } from "../../env";
import { activation, embeddingLookup, layerNorm, linear } from "../bert/ops";
import { GptConfig, innerSize, makeGptConfig } from "./config";

type Tensor = tfTypes.Tensor;
type T2 = tfTypes.Tensor2D;
type Param = (name: string) => Tensor;

// ------------------------------------------------------------------ parameters

export interface ParamSpec {
  name: string;
  shape: number[];
  init: "normal" | "proj" | "zeros" | "ones";
}

/** Every parameter with its shape and initialisation, in checkpoint order. */
export function gptParamSpecs(cfg: GptConfig): ParamSpec[] {
  const C = cfg.n_embd;
  const I = innerSize(cfg);
  const specs: ParamSpec[] = [
    { name: "transformer.wte.weight", shape: [cfg.vocab_size, C], init: "normal" }, // [V, C], tied with the output layer
  ];
  if (cfg.position_embedding_type === "learned") specs.push({ name: "transformer.wpe.weight", shape: [cfg.n_positions, C], init: "normal" }); // [n_positions, C]
  for (let i = 0; i < cfg.n_layer; i++) {
    const h = `transformer.h.${i}`;
    specs.push(
      { name: `${h}.ln_1.weight`, shape: [C], init: "ones" },
      { name: `${h}.ln_1.bias`, shape: [C], init: "zeros" },
      { name: `${h}.attn.c_attn.weight`, shape: [C, 3 * C], init: "normal" }, // [C, 3C]: q, k, v side by side
      { name: `${h}.attn.c_attn.bias`, shape: [3 * C], init: "zeros" },
      { name: `${h}.attn.c_proj.weight`, shape: [C, C], init: "proj" },
      { name: `${h}.attn.c_proj.bias`, shape: [C], init: "zeros" },
      { name: `${h}.ln_2.weight`, shape: [C], init: "ones" },
      { name: `${h}.ln_2.bias`, shape: [C], init: "zeros" },
      { name: `${h}.mlp.c_fc.weight`, shape: [C, I], init: "normal" },
      { name: `${h}.mlp.c_fc.bias`, shape: [I], init: "zeros" },
      { name: `${h}.mlp.c_proj.weight`, shape: [I, C], init: "proj" },
      { name: `${h}.mlp.c_proj.bias`, shape: [C], init: "zeros" },
    );
  }
  specs.push({ name: "transformer.ln_f.weight", shape: [C], init: "ones" }, { name: "transformer.ln_f.bias", shape: [C], init: "zeros" });
  return specs;
}

// ------------------------------------------------------------------ attention

/** Additive causal mask [T, T]: 0 where key j ≤ query i, −1e9 where j > i (the future). */
export function causalMask(T: number): T2 {
  const t = tf();
  return t.tidy(() => {
    const rows = t.range(0, T, 1, "int32").reshape([T, 1]);
    const cols = t.range(0, T, 1, "int32").reshape([1, T]);
    return t.mul(t.cast(t.greater(cols, rows), "float32"), -1e9) as T2; // [T, T]
  });
}

/**
 * RoPE tables for T positions: cos and sin [T, hs], angle(t, i) = t · θ^(−2i/hs) for the i-th pair,
 * repeated for the two halves (rotate-half layout).
 */
export function ropeTables(T: number, hs: number, theta: number): { cos: T2; sin: T2 } {
  const t = tf();
  const cos: number[] = [];
  const sin: number[] = [];
  for (let p = 0; p < T; p++) {
    for (let i = 0; i < hs; i++) {
      const angle = p * Math.pow(theta, -(2 * (i % (hs / 2))) / hs);
      cos.push(Math.cos(angle));
      sin.push(Math.sin(angle));
    }
  }
  return { cos: t.tensor2d(cos, [T, hs]), sin: t.tensor2d(sin, [T, hs]) };
}

/** x·cos + rotate_half(x)·sin for x [N, T, hs]: each pair (x_i, x_{i+hs/2}) turned by its angle. */
export function applyRope(x: Tensor, cos: T2, sin: T2): Tensor {
  const t = tf();
  const hs = x.shape[x.shape.length - 1];
  const [x1, x2] = t.split(x, [hs / 2, hs / 2], -1); // each [N, T, hs/2]
  const rotated = t.concat([t.neg(x2), x1], -1); // [N, T, hs]
  return t.add(t.mul(x, cos), t.mul(rotated, sin));
}

/** Causal multi-head self-attention (Vaswani et al. 2017 §3.2, masked as in GPT). */
export function causalSelfAttention(p: Param, prefix: string, cfg: GptConfig, x: T2 /* [B*T, C] */, B: number, T: number, keep?: Tensor[]): T2 {
  const t = tf();
  const C = cfg.n_embd;
  const nh = cfg.n_head;
  const hs = C / nh;
  const qkv = linear(x, p(`${prefix}.c_attn.weight`) as T2, p(`${prefix}.c_attn.bias`)); // [B*T, 3C]
  // [B*T, 3C] → [B, T, 3, nh, hs] → [3, B, nh, T, hs]
  const split = t.transpose(t.reshape(qkv, [B, T, 3, nh, hs]), [2, 0, 3, 1, 4]);
  let [q, k, v] = t.unstack(split, 0).map((y) => t.reshape(y, [B * nh, T, hs])); // each [B*nh, T, hs]
  if (cfg.position_embedding_type === "rotary") {
    const { cos, sin } = ropeTables(T, hs, cfg.rope_theta); // [T, hs], broadcast over B*nh
    q = applyRope(q, cos, sin);
    k = applyRope(k, cos, sin);
  }
  const scores = t.mul(t.matMul(q, k, false, true), 1 / Math.sqrt(hs)); // [B*nh, T, T]
  const masked = t.add(scores, causalMask(T)); // a position sees itself and the past only
  const att = t.softmax(masked, -1); // [B*nh, T, T]
  if (keep) keep.push(t.reshape(att, [B, nh, T, T]));
  const y = t.matMul(att, v); // [B*nh, T, hs]
  // [B*nh, T, hs] → [B, nh, T, hs] → [B, T, nh, hs] → [B*T, C]: heads side by side again
  const merged = t.reshape(t.transpose(t.reshape(y, [B, nh, T, hs]), [0, 2, 1, 3]), [B * T, C]) as T2;
  return linear(merged, p(`${prefix}.c_proj.weight`) as T2, p(`${prefix}.c_proj.bias`)); // [B*T, C]
}

// ------------------------------------------------------------------ MLP and block

/** Position-wise feed-forward: C → 4C → GELU (tanh form, as GPT-2) → C. */
export function mlp(p: Param, prefix: string, x: T2 /* [B*T, C] */): T2 {
  const h = linear(x, p(`${prefix}.c_fc.weight`) as T2, p(`${prefix}.c_fc.bias`)); // [B*T, 4C]
  return linear(activation(h, "gelu_new") as T2, p(`${prefix}.c_proj.weight`) as T2, p(`${prefix}.c_proj.bias`)); // [B*T, C]
}

/** Pre-LayerNorm block (GPT-2): x + attn(ln_1(x)), then + mlp(ln_2(x)). */
export function block(p: Param, i: number, cfg: GptConfig, x: T2 /* [B*T, C] */, B: number, T: number, keep?: Tensor[]): T2 {
  const t = tf();
  const h = `transformer.h.${i}`;
  const eps = cfg.layer_norm_epsilon;
  const a = causalSelfAttention(p, `${h}.attn`, cfg, layerNorm(x, p(`${h}.ln_1.weight`), p(`${h}.ln_1.bias`), eps) as T2, B, T, keep);
  const x1 = t.add(x, a) as T2; // [B*T, C]
  const m = mlp(p, `${h}.mlp`, layerNorm(x1, p(`${h}.ln_2.weight`), p(`${h}.ln_2.bias`), eps) as T2);
  return t.add(x1, m) as T2; // [B*T, C]
}

// ------------------------------------------------------------------ the model

export interface GptForwardOptions {
  /** Also return each block's attention probabilities [B, nh, T, T]. */
  outputAttentions?: boolean;
}

export interface GptOutput {
  logits: tfTypes.Tensor3D; // [B, T, V]
  attentions?: tfTypes.Tensor4D[];
}

export class GPT {
  readonly config: GptConfig;
  /** The trainable variables by GPT-2 name. */
  readonly params = new Map<string, tfTypes.Variable>();

  constructor(config: Partial<GptConfig> & { vocab_size: number }, seed: number = settings.seed) {
    this.config = makeGptConfig(config);
    const t = tf();
    const std = this.config.initializer_range;
    // GPT-2 scales the residual projections by 1/√(2·n_layer) so the residual stream's variance does not grow with depth.
    const projStd = std / Math.sqrt(2 * this.config.n_layer);
    gptParamSpecs(this.config).forEach((s, i) => {
      const init = t.tidy(() => {
        switch (s.init) {
          case "normal":
            return t.randomNormal(s.shape, 0, std, "float32", seed * 1000 + i);
          case "proj":
            return t.randomNormal(s.shape, 0, projStd, "float32", seed * 1000 + i);
          case "zeros":
            return t.zeros(s.shape);
          case "ones":
            return t.ones(s.shape);
        }
      });
      this.params.set(s.name, t.variable(init, true, `${s.name}_${Math.random().toString(36).slice(2)}`));
      init.dispose();
    });
  }

  get parameterCount(): number {
    let n = 0;
    for (const v of this.params.values()) n += v.size;
    return n;
  }

  private param: Param = (name) => {
    const v = this.params.get(name);
    if (!v) throw new Error(`GPT has no parameter "${name}"`);
    return v;
  };

  /** Final hidden states [B*T, C] for token ids [B, T]. */
  hidden(ids: number[][], keep?: Tensor[]): T2 {
    const t = tf();
    const B = ids.length;
    const T = ids[0]?.length ?? 0;
    if (B === 0 || T === 0) throw new Error("GPT.forward needs at least one sequence of at least one token");
    if (T > this.config.n_positions) {
      throw new Error(`sequence of ${T} tokens is longer than the model's ${this.config.n_positions} positions; use fewer examples in the prompt`);
    }
    for (const row of ids) if (row.length !== T) throw new Error("GPT.forward: all sequences in a batch must have the same length (pad or batch by length)");
    const flat = t.tensor1d(ids.flat(), "int32"); // [B*T]
    let x = embeddingLookup(this.param("transformer.wte.weight") as T2, flat); // [B*T, C]
    if (this.config.position_embedding_type === "learned") {
      const pos = t.tensor1d(Array.from({ length: B * T }, (_, i) => i % T), "int32"); // [B*T]
      x = t.add(x, embeddingLookup(this.param("transformer.wpe.weight") as T2, pos)) as T2; // [B*T, C]
    }
    for (let i = 0; i < this.config.n_layer; i++) x = block(this.param, i, this.config, x, B, T, keep);
    return layerNorm(x, this.param("transformer.ln_f.weight"), this.param("transformer.ln_f.bias"), this.config.layer_norm_epsilon) as T2; // [B*T, C]
  }

  /** Output logits for hidden rows [N, C] → [N, V], with the output layer tied to wte (as GPT-2). */
  head(h: T2): T2 {
    return linear(h, tf().transpose(this.param("transformer.wte.weight")) as T2); // [N, C]·[C, V]
  }

  /** Logits [B, T, V] for token ids [B, T]. Caller disposes (or wrap in tf.tidy). */
  forward(ids: number[][], options: GptForwardOptions = {}): GptOutput {
    const t = tf();
    const keep: Tensor[] | undefined = options.outputAttentions ? [] : undefined;
    const logits = t.tidy(() => {
      const h = this.hidden(ids, keep);
      const out = t.reshape(this.head(h), [ids.length, ids[0].length, this.config.vocab_size]) as tfTypes.Tensor3D;
      if (keep) keep.forEach((k) => t.keep(k));
      return out;
    });
    return { logits, attentions: keep as tfTypes.Tensor4D[] | undefined };
  }

  /**
   * Mean cross-entropy of the targets at chosen positions: `targets[b][j] = [position, token]`
   * means "the logits at `position` should predict `token`". The training objective and the
   * fine-tuning objective both use it.
   */
  loss(ids: number[][], targets: [number, number][][]): tfTypes.Scalar {
    const t = tf();
    return t.tidy(() => {
      const T = ids[0].length;
      const rows: number[] = [];
      const labels: number[] = [];
      targets.forEach((tg, b) => tg.forEach(([pos, tok]) => (rows.push(b * T + pos), labels.push(tok))));
      const h = this.hidden(ids); // [B*T, C]
      const picked = embeddingLookup(h, t.tensor1d(rows, "int32")); // [N, C] (its gradient is a scatter-add; wasm lacks gather's)
      const logits = this.head(picked); // [N, V]
      const logp = t.logSoftmax(logits, -1);
      const onehot = t.oneHot(t.tensor1d(labels, "int32"), this.config.vocab_size);
      return t.neg(t.mean(t.sum(t.mul(logp, onehot), -1))) as tfTypes.Scalar;
    });
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }
}
