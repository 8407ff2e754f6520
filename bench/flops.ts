/**
 * FLOP counts of the benchmarked computations (multiply-adds count 2), and the peak of one
 * matrix product on ONNX Runtime measured in the same run.
 *
 * Training step, BERT with L layers, hidden H, feed-forward I, batch B, sequence T, N masked rows,
 * vocabulary V (forward ×3 for forward + backward, the usual 6·N·D accounting):
 *   dense layers      6 · B·T · L · (4H² + 2HI)
 *   attention         12 · L · B · T² · H          (scores q·kᵀ and mixing p·v, forward + backward)
 *   MLM head          6 · N · (H² + H·V)           (transform + tied decoder, at the masked rows)
 * The pooler, NSP head, LayerNorm and element-wise work are left out (< 1%).
 */
import { Graph } from "../lib/engine/onnx/graph";
import { serialize } from "../lib/engine/onnx/serialize";
import { Session } from "../lib/engine/onnx/session";

export interface StepShape {
  layers: number;
  hidden: number;
  inter: number;
  vocab: number;
  batch: number;
  seq: number;
  masked: number;
}

export function stepFlops(s: StepShape): number {
  const { layers: L, hidden: H, inter: I, vocab: V, batch: B, seq: T, masked: N } = s;
  return 6 * B * T * L * (4 * H * H + 2 * H * I) + 12 * L * B * T * T * H + 6 * N * (H * H + H * V);
}

/** Forward only (no heads): 2 · B·T · L · (4H² + 2HI) + 4 · L · B · T² · H, plus the pooler 2·B·H². */
export function forwardFlops(s: Omit<StepShape, "vocab" | "masked">): number {
  const { layers: L, hidden: H, inter: I, batch: B, seq: T } = s;
  return 2 * B * T * L * (4 * H * H + 2 * H * I) + 4 * L * B * T * T * H + 2 * B * H * H;
}

/**
 * The matrix-product peak of ONNX Runtime here: GFLOP/s of four chained products in the shapes of a
 * BERT-mini feed-forward block ([4096, 256]·[256, 1024], then ·[1024, 256], twice), best of 10 runs.
 * Chaining keeps the result small, so the figure is the products' speed, not the copy of a 16 MB answer.
 */
export async function matmulPeak(threads: number, m = 4096, k = 256, n = 1024): Promise<number> {
  const g = new Graph();
  const a = g.input("a", [m, k], "float32", "data");
  const b = g.input("b", [k, n], "float32", "data");
  const bt = g.input("bt", [n, k], "float32", "data");
  let x = a;
  for (let i = 0; i < 2; i++) x = g.matmul(g.matmul(x, b), bt); // [m, n], then [m, k]
  g.output("c", x);
  const s = await Session.create(serialize(g), { threads });
  const feeds = {
    a: { data: new Float32Array(m * k).fill(0.01), shape: [m, k] },
    b: { data: new Float32Array(k * n).fill(0.01), shape: [k, n] },
    bt: { data: new Float32Array(n * k).fill(0.01), shape: [n, k] },
  };
  await s.run(feeds);
  let best = Infinity;
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    await s.run(feeds);
    best = Math.min(best, performance.now() - t0);
  }
  await s.release();
  return (4 * 2 * m * k * n) / (best / 1000) / 1e9;
}

/**
 * What moving a training step's state through ONNX Runtime costs: the parameters and both AdamW
 * moments (3 × `numbers` float32 values) fed in and returned, through a graph that only copies
 * them (Identity), in milliseconds (best of 5).
 */
export async function stateCopyMs(shapes: number[][], threads: number): Promise<number> {
  const g = new Graph();
  const feeds: Record<string, { data: Float32Array; shape: number[] }> = {};
  shapes.forEach((shape, i) => {
    for (const kind of ["p", "m", "v"]) {
      const name = `${kind}${i}`;
      const x = g.input(name, shape, "float32", "state");
      g.output(`out_${name}`, g.unary("Identity", x));
      feeds[name] = { data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape };
    }
  });
  const s = await Session.create(serialize(g), { threads });
  await s.run(feeds);
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await s.run(feeds);
    best = Math.min(best, performance.now() - t0);
  }
  await s.release();
  return best;
}
