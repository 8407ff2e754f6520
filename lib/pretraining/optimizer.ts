/**
 * AdamW (Loshchilov & Hutter 2019: Adam with decoupled weight decay), the learning-rate schedule
 * and gradient clipping of BERT's optimization.py:
 *  - lr: linear warm-up from 0 over the first `warmup` steps, then linear decay to 0 at the last step;
 *  - weight decay 0.01 on weights, not on biases or LayerNorm parameters;
 *  - the gradient's global L2 norm clipped to 1.0;
 *  - β1 = 0.9, β2 = 0.999, ε = 1e-6 (BERT paper Appendix A.2; ε from optimization.py).
 * With bias correction, as torch.optim.AdamW (BERT's own optimizer omitted it).
 * Everything stays on the backend: no values are downloaded to JS during a step.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { tf } from "../env";

export interface AdamWOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Clip the global gradient norm to this (0: no clipping). */
  clipNorm: number;
}

export const BERT_ADAMW: Omit<AdamWOptions, "lr"> = { beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: 0.01, clipNorm: 1.0 };

/** Learning rate at `step` (0-based): linear warm-up over `warmup` steps, linear decay to 0 at `total`. */
export function learningRate(step: number, total: number, peak: number, warmup: number): number {
  if (warmup > 0 && step < warmup) return (peak * (step + 1)) / warmup;
  const rest = Math.max(1, total - warmup);
  return Math.max(0, (peak * (total - step)) / rest);
}

let adamCounter = 0;

export class AdamW {
  readonly m = new Map<string, tfTypes.Variable>();
  readonly v = new Map<string, tfTypes.Variable>();
  /** Updates done so far (for bias correction). */
  t = 0;

  constructor(readonly params: Map<string, tfTypes.Variable>, readonly decay: (name: string) => boolean, readonly options: Omit<AdamWOptions, "lr">) {
    const t = tf();
    adamCounter++;
    for (const [name, p] of params) {
      this.m.set(name, t.variable(t.zerosLike(p), false, `${p.name}/adam_m${adamCounter}`));
      this.v.set(name, t.variable(t.zerosLike(p), false, `${p.name}/adam_v${adamCounter}`));
    }
  }

  /**
   * One update with gradients by parameter name; returns the global gradient norm before
   * clipping (a scalar tensor the caller disposes).
   */
  step(grads: Record<string, tfTypes.Tensor>, lr: number): tfTypes.Scalar {
    const t = tf();
    const o = this.options;
    this.t++;
    const bc1 = 1 - o.beta1 ** this.t;
    const bc2 = 1 - o.beta2 ** this.t;
    return t.tidy(() => {
      const names = Object.keys(grads);
      const norm = t.sqrt(t.addN(names.map((n) => t.sum(t.square(grads[n]))))) as tfTypes.Scalar;
      const scale = o.clipNorm > 0 ? t.minimum(1, t.div(o.clipNorm, t.add(norm, 1e-6))) : t.scalar(1);
      for (const n of names) {
        const p = this.params.get(n)!;
        const m = this.m.get(n)!;
        const v = this.v.get(n)!;
        const g = t.mul(grads[n], scale);
        const m1 = t.add(t.mul(m, o.beta1), t.mul(g, 1 - o.beta1));
        const v1 = t.add(t.mul(v, o.beta2), t.mul(t.square(g), 1 - o.beta2));
        let upd = t.div(t.div(m1, bc1), t.add(t.sqrt(t.div(v1, bc2)), o.eps));
        if (o.weightDecay > 0 && this.decay(n)) upd = t.add(upd, t.mul(p, o.weightDecay));
        m.assign(m1);
        v.assign(v1);
        p.assign(t.sub(p, t.mul(upd, lr)));
      }
      return t.keep(norm);
    });
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
  }
}
