/**
 * The GPT's parameters: one tf.Variable per GPT-2 checkpoint tensor (`transformer.wte.weight`,
 * `transformer.h.0.attn.c_attn.weight`, …), behind the engine's `ParamSource` so both engines run
 * the model (lib/engine/params.ts).
 *
 * Layout: GPT-2's Conv1D weights are stored [in, out] — the layout lib/models/nn.ts's `dense`
 * multiplies with — so a Hugging Face GPT2LMHeadModel checkpoint is a plain copy. The output layer
 * has no tensor of its own: it is tied to the token embeddings `wte` (GPT-2, Press & Wolf 2017).
 *
 * Change values through `assign` (or call `touch()` after assigning a variable directly) so the
 * ONNX engine's cached host copies are refreshed.
 */
import { tf } from "../../engine/tfjs/backend";
import { settings } from "../../env";
import { VariableParams } from "../../engine/params";
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

let modelCounter = 0;

/** The variables of one GPT, by GPT-2 name, initialised as GPT-2 (seeded). */
export class GptParams extends VariableParams {
  readonly specs: ParamSpec[];

  constructor(readonly config: GptConfig, seed: number = settings.seed) {
    super();
    const t = tf();
    const scope = `gpt${modelCounter++}`;
    const std = config.initializer_range;
    // GPT-2 scales the residual projections by 1/√(2·n_layer) so the residual stream's variance does not grow with depth.
    const projStd = std / Math.sqrt(2 * config.n_layer);
    this.specs = gptParamSpecs(config);
    this.specs.forEach((s, i) => {
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
      // Weight decay on matrices and embeddings only, never on biases or LayerNorm (nanoGPT's configure_optimizers: dim ≥ 2).
      this.add(s.name, t.variable(init, true, `${scope}/${s.name}`), s.shape.length >= 2);
      init.dispose();
    });
  }

  /** The variable of a parameter (throws naming the parameter if there is none). */
  get(name: string) {
    return this.variable(name);
  }

  has(name: string): boolean {
    return this.vars.has(name);
  }

  /** Number of weights. */
  get count(): number {
    let n = 0;
    for (const { v } of this.vars.values()) n += v.size;
    return n;
  }

  /** Copies every value from `other` (same config). */
  copyFrom(other: GptParams): void {
    for (const name of this.names()) this.assign(name, Float32Array.from(other.get(name).dataSync() as Float32Array));
  }

  dispose(): void {
    for (const { v } of this.vars.values()) v.dispose();
    this.vars.clear();
    this.touch();
  }
}
