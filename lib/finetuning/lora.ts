/**
 * LoRA (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models"): freeze W and learn
 * a low-rank update ΔW = (α/r)·A·B beside it, here on the attention's query and value projections
 * (the paper's §7.1 choice). Per adapted H×H matrix that is 2·H·r trainable numbers instead of H².
 *
 * It is an extension point of the one BERT definition (lib/models/bert/bert.ts), not a rewrite: a
 * dense-layer hook (lib/models/nn.ts's DenseHook) that adds the adapter term to the output of each
 * adapted layer,
 *
 *   y = x·W + b   →   y + (α/r)·dropout(x)·A·B          A [in, r], B [r, out] (memory layout)
 *
 * and the same hook runs on either engine (tfjs eagerly, or traced into the ONNX graph, where the
 * autodiff builds gradients for A and B only, since W is frozen).
 *
 * Initialisation as in Hugging Face PEFT: A ~ kaiming-uniform(a=√5) = U(−1/√in, 1/√in), B = 0, so
 * training starts from exactly the pre-trained model. `merge()` folds ΔW into W (no extra cost at
 * inference; the hook then adds nothing); `unmerge()` takes it out again. Both write the parameter
 * store, so every engine sees the new weights.
 *
 * Files: PEFT's layout — `adapter_config.json` + `adapter_model.safetensors` with
 * `base_model.model.bert.encoder.layer.<i>.attention.self.query.lora_A.weight` [r, in] and
 * `….lora_B.weight` [out, r] (PyTorch Linear layout), plus the classification head
 * (`base_model.model.classifier.weight|bias`, PEFT's modules_to_save). A few hundred kB, against
 * tens of MB for the whole model.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { settings } from "../env";
import { uniformArray } from "../engine/init";
import { hostValues, ParamEntry, ParamStore } from "../engine/params";
import type { AnyHook } from "../engine/run";
import type { BertModel } from "../models/bert";
import type { Ctx } from "../models/nn";

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

/** Parameter names of an adapter pair (PEFT's names without its `base_model.model.` prefix). */
export const loraA = (prefix: string) => `${prefix}.lora_A.weight`;
export const loraB = (prefix: string) => `${prefix}.lora_B.weight`;

export const PEFT_PREFIX = "base_model.model.";

/** One adapter pair's store entries (memory layout: A [in, r], B [r, out]). */
export interface LoraPair {
  A: ParamEntry;
  B: ParamEntry;
}

export class LoraAdapters {
  readonly config: LoraConfig;
  /** The adapter matrices as a parameter source (joined with BERT's and the head's by the classifier). */
  readonly params = new ParamStore();
  /** The adapted Linear prefixes, in layer order. */
  readonly prefixes: string[] = [];
  private readonly prefixSet = new Set<string>();
  private mergedFlag = false;

  constructor(readonly bert: BertModel, config: Partial<LoraConfig> = {}, seed: number = settings.seed) {
    this.config = { ...DEFAULT_LORA, ...config };
    const { r } = this.config;
    if (!Number.isInteger(r) || r < 1) throw new Error(`LoRA rank r must be a positive integer, got ${r}`);
    if (!(this.config.dropout >= 0 && this.config.dropout < 1)) throw new Error(`LoRA dropout must be in [0, 1), got ${this.config.dropout}`);
    let k = 0;
    for (let i = 0; i < bert.config.num_hidden_layers; i++) {
      for (const target of this.config.targets) {
        const prefix = targetPrefix(i, target);
        const [inF, outF] = bert.params.spec(`${prefix}.weight`).shape;
        const bound = 1 / Math.sqrt(inF);
        // Adapters are matrices: weight decay applies (PEFT trains them with the Trainer's AdamW decay).
        this.params.add(loraA(prefix), { shape: [inF, r], data: uniformArray(inF * r, -bound, bound, seed * 7919 + k++) }, true);
        this.params.add(loraB(prefix), { shape: [r, outF] }, true);
        this.prefixes.push(prefix);
        this.prefixSet.add(prefix);
      }
    }
  }

  get scale(): number {
    return this.config.alpha / this.config.r;
  }

  get dropout(): number {
    return this.config.dropout;
  }

  /** ΔW is folded into the base weights (the hook adds nothing then). */
  get merged(): boolean {
    return this.mergedFlag;
  }

  /** The adapter pairs by Linear prefix (store entries; change values through `params.set`). */
  get pairs(): Map<string, LoraPair> {
    return new Map(this.prefixes.map((p) => [p, { A: this.params.entry(loraA(p)), B: this.params.entry(loraB(p)) }]));
  }

  // #region lora-forward
  /**
   * The dense-layer hook: y + (α/r)·dropout(x)·A·B on adapted layers while not merged. The dropout
   * acts on the adapter's input only (PEFT's lora_dropout) and is active only in training.
   */
  readonly hook: AnyHook = <X>(c: Ctx<X>, prefix: string, x: X, y: X): X => {
    if (this.mergedFlag || !this.prefixSet.has(prefix)) return y;
    const { o } = c;
    const xd = o.dropout(x, this.config.dropout); // [N, in]
    const delta = o.matmul(o.matmul(xd, c.p(loraA(prefix))), c.p(loraB(prefix))); // [N, r] → [N, out]
    return o.add(y, o.mul(delta, this.scale)); // [N, out]
  };
  // #endregion

  /** Identifies the hook's configuration (the ONNX engine caches compiled graphs by it). */
  get hooksKey(): string {
    const c = this.config;
    return `lora:r=${c.r}:alpha=${c.alpha}:dropout=${c.dropout}:targets=${c.targets.join(",")}:merged=${this.mergedFlag}`;
  }

  /** Checkpoint-style names (without PEFT's prefix) with tf.Variable mirrors (tfjs code; loads TensorFlow.js). */
  namedVariables(): { name: string; v: tfTypes.Variable }[] {
    return this.params.names().map((name) => ({ name, v: this.params.variable(name) }));
  }

  /** Number of adapter parameters: Σ over adapted layers of r·(in + out). */
  count(): number {
    return this.params.sizes().total;
  }

  /** W ← W + (α/r)·A·B for every adapted layer; the hook then skips the adapter term. */
  merge(): void {
    if (this.mergedFlag) return;
    this.apply(+1);
    this.mergedFlag = true;
  }

  /** W ← W − (α/r)·A·B: back to the base weights (up to float rounding, ~1e-7 relative). */
  unmerge(): void {
    if (!this.mergedFlag) return;
    this.apply(-1);
    this.mergedFlag = false;
  }

  /** Adapter tensors in PEFT's names and PyTorch layout: lora_A [r, in], lora_B [out, r]. */
  checkpointTensors(): Map<string, { shape: number[]; data: Float32Array }> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const prefix of this.prefixes) {
      for (const name of [loraA(prefix), loraB(prefix)]) {
        const [rows, cols] = this.params.entry(name).shape;
        out.set(`${PEFT_PREFIX}${name}`, { shape: [cols, rows], data: transpose(hostValues(this.params, name), rows, cols) });
      }
    }
    return out;
  }

  /** Sets A and B from PEFT-layout tensors (as read from adapter_model.safetensors). */
  loadCheckpointTensors(get: (name: string) => { shape: number[]; data: Float32Array | Int32Array } | undefined, source: string): void {
    for (const prefix of this.prefixes) {
      for (const name of [loraA(prefix), loraB(prefix)]) {
        const key = `${PEFT_PREFIX}${name}`;
        const raw = get(key);
        if (!raw) throw new Error(`${source} has no tensor "${key}"; the adapter was made for a different model or target list`);
        const [rows, cols] = this.params.entry(name).shape;
        if (raw.shape.join() !== [cols, rows].join()) throw new Error(`${source}: "${key}" has shape [${raw.shape}], expected [${cols},${rows}] (check r and the base model)`);
        this.params.set(name, transpose(Float32Array.from(raw.data), cols, rows));
      }
    }
  }

  dispose(): void {
    if (this.mergedFlag) this.unmerge();
    this.params.dispose();
    this.prefixes.length = 0;
    this.prefixSet.clear();
  }

  // #region lora-merge
  /** W ± (α/r)·A·B on the host, written into the store (every engine reads it from there). */
  private apply(sign: 1 | -1): void {
    const bp = this.bert.params;
    const r = this.config.r;
    for (const prefix of this.prefixes) {
      const wName = `${prefix}.weight`;
      const [inF, outF] = bp.spec(wName).shape;
      const W = Float32Array.from(hostValues(bp, wName)); // [in, out]
      const A = hostValues(this.params, loraA(prefix)); // [in, r]
      const B = hostValues(this.params, loraB(prefix)); // [r, out]
      const s = sign * this.scale;
      const delta = new Float64Array(outF); // one row of ΔW, summed in float64 so unmerge restores W to the last bit or so
      for (let i = 0; i < inF; i++) {
        delta.fill(0);
        for (let k = 0; k < r; k++) {
          const a = A[i * r + k];
          if (a === 0) continue;
          const bRow = k * outF;
          for (let j = 0; j < outF; j++) delta[j] += a * B[bRow + j];
        }
        const row = i * outF;
        for (let j = 0; j < outF; j++) W[row + j] += s * delta[j];
      }
      bp.set(wName, W);
    }
  }
  // #endregion
}

/** [rows, cols] row-major → [cols, rows]. */
function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = x[i * cols + j];
  return out;
}

