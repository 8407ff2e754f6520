/**
 * Seeded random initialisation on the host (no backend needed): the store's parameters start here.
 * mulberry32 (lib/data/split.ts, the course's one seeded generator) drives uniform draws; normal
 * draws use the Box–Muller transform. The same seed gives the same values on every engine.
 */

import { mulberry32 } from "../data/split";

/** n draws from N(0, std²). */
export function normalArray(n: number, std: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - rand(); // (0, 1]: log is finite
    const r = std * Math.sqrt(-2 * Math.log(u));
    const th = 2 * Math.PI * rand();
    out[i] = r * Math.cos(th);
    if (i + 1 < n) out[i + 1] = r * Math.sin(th);
  }
  return out;
}

/** n draws from U(lo, hi). */
export function uniformArray(n: number, lo: number, hi: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rand();
  return out;
}
