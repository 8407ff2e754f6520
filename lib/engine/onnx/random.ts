/**
 * Dropout masks for the ONNX engine, drawn on the host: for each mask input of a graph
 * (Graph.dropoutMask), values 0 with probability `rate` and 1/(1 − rate) otherwise.
 *
 * The generator is xorshift32 (Marsaglia 2003), seeded per (run seed, step, mask) through a
 * splitmix-style mix, so the masks of step s are the same whether or not the run was resumed.
 */
import { mixSeed } from "../../data/split";
export interface RandomInput {
  name: string;
  shape: number[];
  rate: number;
}

/** Mixes integers into a non-zero 32-bit state (xorshift's state must not be 0). */
export function mix32(...xs: number[]): number {
  return mixSeed(...xs) || 0x6d2b79f5;
}

/** Fills `out` with a dropout mask; each 32-bit draw decides two units (16 bits each: the rate is exact to 1/65,536). */
export function fillDropoutMask(out: Float32Array, rate: number, seed: number): Float32Array {
  const keep = 1 / (1 - rate);
  const threshold = Math.round(rate * 65536); // P(u16 < threshold) = rate
  let s = mix32(seed) | 0;
  const n = out.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s & 0xffff) < threshold ? 0 : keep;
    out[i + 1] = s >>> 16 < threshold ? 0 : keep;
  }
  if (i < n) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s & 0xffff) < threshold ? 0 : keep;
  }
  return out;
}

/** Reusable mask buffers for one trainer (ONNX Runtime reads inputs only during a run). */
export class MaskPool {
  private buffers = new Map<string, Float32Array>();

  fill(inputs: readonly RandomInput[], seed: number, step: number, feeds: Record<string, { data: Float32Array | Int32Array; shape: number[] }>): void {
    inputs.forEach((r, k) => {
      const n = r.shape.reduce((a, b) => a * b, 1);
      let buf = this.buffers.get(r.name);
      if (!buf || buf.length !== n) {
        buf = new Float32Array(n);
        this.buffers.set(r.name, buf);
      }
      feeds[r.name] = { data: fillDropoutMask(buf, r.rate, mix32(seed, step, k)), shape: r.shape };
    });
  }
}
