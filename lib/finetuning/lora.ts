/**
 * LoRA (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models"): freeze W and learn
 * a low-rank update ΔW = (α/r)·A·B beside it, here on the attention's query and value projections
 * (the paper's §7.1 choice). Per adapted H×H matrix that is 2·H·r trainable numbers instead of H².
 *
 * Initialisation as in Hugging Face PEFT: A ~ kaiming-uniform(a=√5) = U(−1/√in, 1/√in), B = 0, so
 * training starts from exactly the pre-trained model. `merge()` folds ΔW into W (no extra cost at
 * inference); `unmerge()` takes it out again.
 *
 * Files: PEFT's layout — `adapter_config.json` + `adapter_model.safetensors` with
 * `base_model.model.bert.encoder.layer.<i>.attention.self.query.lora_A.weight` [r, in] and
 * `….lora_B.weight` [out, r] (PyTorch Linear layout), plus the classification head
 * (`base_model.model.classifier.weight|bias`, PEFT's modules_to_save). A few hundred kB, against
 * tens of MB for the whole model.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { tf, settings } from "../env";
import type { BertModel } from "../models/bert";
import type { LoraPair, LoraView } from "./forward";

export type LoraTarget = "query" | "key" | "value" | "attention.output.dense" | "intermediate.dense" | "output.dense";

export interface LoraConfig {
  /** Rank r of the update (default 8, a common PEFT choice; the paper found r = 1–8 enough on GLUE, §7.2). */
  r: number;
  /** Scale numerator: ΔW = (alpha / r)·A·B (default 16 = 2r, PEFT's sequence-classification example). */
  alpha: number;
  /** Dropout on the adapter's input (default 0.1, PEFT's example). */
  dropout: number;
  /** Which Linear layers of each encoder layer get adapters (default query and value, LoRA §7.1). */
  targets: LoraTarget[];
}

export const DEFAULT_LORA: LoraConfig = { r: 8, alpha: 16, dropout: 0.1, targets: ["query", "value"] };

/** The Linear prefix of a target in layer i. */
export function targetPrefix(i: number, target: LoraTarget): string {
  const base = `bert.encoder.layer.${i}`;
  return target === "query" || target === "key" || target === "value" ? `${base}.attention.self.${target}` : `${base}.${target}`;
}

export const PEFT_PREFIX = "base_model.model.";

export class LoraAdapters implements LoraView {
  readonly config: LoraConfig;
  readonly pairs = new Map<string, LoraPair>();
  merged = false;

  constructor(readonly bert: BertModel, config: Partial<LoraConfig> = {}, seed: number = settings.seed) {
    const t = tf();
    this.config = { ...DEFAULT_LORA, ...config };
    const { r } = this.config;
    if (!Number.isInteger(r) || r < 1) throw new Error(`LoRA rank r must be a positive integer, got ${r}`);
    let k = 0;
    for (let i = 0; i < bert.config.num_hidden_layers; i++) {
      for (const target of this.config.targets) {
        const prefix = targetPrefix(i, target);
        const [inF, outF] = bert.params.spec(`${prefix}.weight`).shape;
        const bound = 1 / Math.sqrt(inF);
        const a0 = t.randomUniform([inF, r], -bound, bound, "float32", seed * 7919 + k++);
        this.pairs.set(prefix, {
          A: t.variable(a0, true, `lora${loraCounter}/${prefix}.lora_A`),
          B: t.tidy(() => t.variable(t.zeros([r, outF]), true, `lora${loraCounter}/${prefix}.lora_B`)),
        });
        a0.dispose();
      }
    }
    loraCounter++;
  }

  get scale(): number {
    return this.config.alpha / this.config.r;
  }

  get dropout(): number {
    return this.config.dropout;
  }

  /** Checkpoint-style names (without PEFT's prefix): `<prefix>.lora_A.weight`, `<prefix>.lora_B.weight`. */
  namedVariables(): { name: string; v: tfTypes.Variable }[] {
    const out: { name: string; v: tfTypes.Variable }[] = [];
    for (const [prefix, { A, B }] of this.pairs) out.push({ name: `${prefix}.lora_A.weight`, v: A }, { name: `${prefix}.lora_B.weight`, v: B });
    return out;
  }

  /** Number of adapter parameters: Σ over adapted layers of r·(in + out). */
  count(): number {
    let n = 0;
    for (const { A, B } of this.pairs.values()) n += A.size + B.size;
    return n;
  }

  /** W ← W + (α/r)·A·B for every adapted layer; the forward then skips the adapter term. */
  merge(): void {
    if (this.merged) return;
    this.apply(+1);
    this.merged = true;
  }

  /** W ← W − (α/r)·A·B: back to the base weights (up to float rounding, ~1e-7 relative). */
  unmerge(): void {
    if (!this.merged) return;
    this.apply(-1);
    this.merged = false;
  }

  /** Adapter tensors in PEFT's names and PyTorch layout: lora_A [r, in], lora_B [out, r]. Caller disposes. */
  checkpointTensors(): Map<string, tfTypes.Tensor> {
    const t = tf();
    const out = new Map<string, tfTypes.Tensor>();
    for (const [prefix, { A, B }] of this.pairs) {
      out.set(`${PEFT_PREFIX}${prefix}.lora_A.weight`, t.transpose(A)); // [r, in]
      out.set(`${PEFT_PREFIX}${prefix}.lora_B.weight`, t.transpose(B)); // [out, r]
    }
    return out;
  }

  /** Sets A and B from PEFT-layout tensors (as read from adapter_model.safetensors). */
  loadCheckpointTensors(get: (name: string) => { shape: number[]; data: Float32Array | Int32Array } | undefined, source: string): void {
    const t = tf();
    for (const [prefix, { A, B }] of this.pairs) {
      for (const [which, v] of [["lora_A", A], ["lora_B", B]] as const) {
        const name = `${PEFT_PREFIX}${prefix}.${which}.weight`;
        const raw = get(name);
        if (!raw) throw new Error(`${source} has no tensor "${name}"; the adapter was made for a different model or target list`);
        const want = [v.shape[1], v.shape[0]];
        if (raw.shape.join() !== want.join()) throw new Error(`${source}: "${name}" has shape [${raw.shape}], expected [${want}] (check r and the base model)`);
        const x = t.tidy(() => t.transpose(t.tensor2d(Float32Array.from(raw.data), raw.shape as [number, number])));
        v.assign(x);
        x.dispose();
      }
    }
  }

  dispose(): void {
    if (this.merged) this.unmerge();
    for (const { A, B } of this.pairs.values()) {
      A.dispose();
      B.dispose();
    }
    this.pairs.clear();
  }

  private apply(sign: 1 | -1): void {
    const t = tf();
    for (const [prefix, { A, B }] of this.pairs) {
      const W = this.bert.params.get(`${prefix}.weight`);
      const next = t.tidy(() => t.add(W, t.mul(t.matMul(A, B), sign * this.scale))); // [in, out]
      W.assign(next);
      next.dispose();
    }
  }
}

let loraCounter = 0;
