/**
 * The GPT's parameters: one parameter-store entry per GPT-2 checkpoint tensor (`transformer.wte.weight`,
 * `transformer.h.0.attn.c_attn.weight`, …), so both engines run the model (lib/engine/params.ts).
 *
 * Layout: GPT-2's Conv1D weights are stored [in, out] — the layout lib/models/nn.ts's `dense`
 * multiplies with — so a Hugging Face GPT2LMHeadModel checkpoint is a plain copy. The output layer
 * has no tensor of its own: it is tied to the token embeddings `wte` (GPT-2, Press & Wolf 2017).
 *
 * Change values through `set` (the store bumps its version; the tfjs engine's mirrors re-sync).
 */
import { settings } from "../../env";
import { normalArray } from "../../engine/init";
import { sizeOf } from "../../engine/ops";
import { ParamStore } from "../../engine/params";
import { GptConfig, innerSize } from "./config";

export interface ParamSpec {
  name: string;
  /** Shape in memory (= GPT-2's checkpoint shape). */
  shape: number[];
  /** Initialisation: N(0, initializer_range), N(0, initializer_range/√(2·n_layer)) for residual projections, zeros, ones. */
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

/** The parameters of one GPT, by GPT-2 name, initialised as GPT-2 (seeded). */
export class GptParams extends ParamStore {
  readonly specs: ParamSpec[];

  constructor(readonly config: GptConfig, seed: number = settings.seed) {
    super();
    const std = config.initializer_range;
    // GPT-2 scales the residual projections by 1/√(2·n_layer) so the residual stream's variance does not grow with depth.
    const projStd = std / Math.sqrt(2 * config.n_layer);
    this.specs = gptParamSpecs(config);
    this.specs.forEach((s, i) => {
      const n = sizeOf(s.shape);
      const data = s.init === "normal" ? normalArray(n, std, seed * 1000 + i) : s.init === "proj" ? normalArray(n, projStd, seed * 1000 + i) : new Float32Array(n).fill(s.init === "ones" ? 1 : 0);
      // Weight decay on matrices and embeddings only, never on biases or LayerNorm (nanoGPT's configure_optimizers: dim ≥ 2).
      this.add(s.name, { shape: s.shape, data }, s.shape.length >= 2);
    });
  }

  /** The parameter as a tf.Variable (the tfjs engine's mirror; loads TensorFlow.js). */
  get(name: string) {
    return this.variable(name);
  }

  /** Number of weights. */
  get count(): number {
    return this.sizes().total;
  }

  /** Copies every value from `other` (same config). */
  copyFrom(other: GptParams): void {
    for (const name of this.names()) this.set(name, other.entry(name).data);
  }
}
