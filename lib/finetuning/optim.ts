/**
 * AdamW (Loshchilov & Hutter 2019) with linear warm-up and linear decay, and global-norm gradient
 * clipping: the optimiser of BERT fine-tuning (BERT §A.3; transformers' Trainer defaults:
 * β = (0.9, 0.999), ε = 1e-8, weight decay 0.01 except biases and LayerNorm, max_grad_norm 1.0,
 * warm-up 10% of the steps as in Google's run_classifier.py).
 *
 * Written out (rather than tf.train.adam) so the schedule, the decoupled weight decay and the
 * optimiser's memory (two moments per trainable number) are visible.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { tf } from "../env";

export interface AdamWOptions {
  lr: number;
  totalSteps: number;
  /** Share of the steps spent warming up (default 0.1). */
  warmup?: number;
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Clip the global gradient norm to this (default 1.0; 0 = off). */
  clipNorm?: number;
  /** Variables that get no weight decay (biases, LayerNorm). */
  noDecay?: Set<tfTypes.Variable>;
}

/** Learning-rate multiplier at a step: 0 → 1 over the warm-up, then linearly down to 0 at the end. */
export function scheduleFactor(step: number, totalSteps: number, warmup = 0.1): number {
  const w = Math.max(1, Math.round(totalSteps * warmup));
  if (step < w) return (step + 1) / w;
  return Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - w));
}

export class AdamW {
  private readonly m = new Map<tfTypes.Variable, tfTypes.Variable>();
  private readonly v = new Map<tfTypes.Variable, tfTypes.Variable>();
  step = 0;
  readonly o: Required<Omit<AdamWOptions, "noDecay">> & { noDecay: Set<tfTypes.Variable> };

  constructor(o: AdamWOptions) {
    this.o = { warmup: 0.1, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, clipNorm: 1.0, noDecay: new Set(), ...o };
  }

  get lr(): number {
    return this.o.lr * scheduleFactor(this.step, this.o.totalSteps, this.o.warmup);
  }

  /** One update from gradients keyed like `vars`; returns the gradient norm before clipping. Disposes nothing it was given. */
  apply(vars: tfTypes.Variable[], grads: tfTypes.Tensor[]): number {
    const t = tf();
    const { beta1, beta2, eps, weightDecay, clipNorm } = this.o;
    const lr = this.lr;
    const bc1 = 1 - Math.pow(beta1, this.step + 1);
    const bc2 = 1 - Math.pow(beta2, this.step + 1);
    const normT = t.tidy(() => t.sqrt(t.addN(grads.map((g) => t.sum(t.square(g))))));
    const norm = normT.dataSync()[0];
    normT.dispose();
    const clip = clipNorm > 0 && norm > clipNorm ? clipNorm / (norm + 1e-6) : 1;
    vars.forEach((w, i) => {
      if (!this.m.has(w)) {
        this.m.set(w, t.tidy(() => t.variable(t.zerosLike(w), false)));
        this.v.set(w, t.tidy(() => t.variable(t.zerosLike(w), false)));
      }
      const m = this.m.get(w)!;
      const v = this.v.get(w)!;
      t.tidy(() => {
        const g = clip === 1 ? grads[i] : t.mul(grads[i], clip);
        const m1 = t.add(t.mul(m, beta1), t.mul(g, 1 - beta1));
        const v1 = t.add(t.mul(v, beta2), t.mul(t.square(g), 1 - beta2));
        let upd = t.div(t.div(m1, bc1), t.add(t.sqrt(t.div(v1, bc2)), eps));
        if (weightDecay > 0 && !this.o.noDecay.has(w)) upd = t.add(upd, t.mul(w, weightDecay)); // decoupled decay (AdamW)
        m.assign(m1);
        v.assign(v1);
        w.assign(t.sub(w, t.mul(upd, lr)));
      });
    });
    this.step++;
    return norm;
  }

  /** Numbers held by the optimiser (two moments per trainable number). */
  stateSize(): number {
    let n = 0;
    for (const m of this.m.values()) n += 2 * m.size;
    return n;
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
    this.m.clear();
    this.v.clear();
  }
}
