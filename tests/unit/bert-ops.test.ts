/** The tfjs engine's hand-written gradients (linear, gatherRows) agree with tfjs's own gradients; half-precision codecs. */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import { initBackend, tf } from "../../lib/engine/tfjs/backend";
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from "../../lib/models/bert";
import { gatherRows as embeddingLookup, linear, TfjsOps } from "../../lib/engine/tfjs/ops";

const layerNorm = (x: import("@tensorflow/tfjs").Tensor, g: import("@tensorflow/tfjs").Tensor, b: import("@tensorflow/tfjs").Tensor, eps: number) => new TfjsOps().layerNorm(x, g, b, eps);

before(async () => {
  await initBackend();
});

const maxAbs = (a: import("@tensorflow/tfjs").Tensor, b: import("@tensorflow/tfjs").Tensor) => tf().tidy(() => tf().max(tf().abs(tf().sub(a, b))).dataSync()[0]);

test("linear: value and gradients equal x·W + b with tfjs's matMul gradient", () => {
  const t = tf();
  t.tidy(() => {
    const x = t.randomNormal([7, 5], 0, 1, "float32", 1) as import("@tensorflow/tfjs").Tensor2D;
    const W = t.randomNormal([5, 3], 0, 1, "float32", 2) as import("@tensorflow/tfjs").Tensor2D;
    const b = t.randomNormal([3], 0, 1, "float32", 3);
    const up = t.randomNormal([7, 3], 0, 1, "float32", 4);
    const ours = t.grads((xx, ww, bb) => t.sum(t.mul(linear(xx as never, ww as never, bb), up)))([x, W, b]);
    const ref = t.grads((xx, ww, bb) => t.sum(t.mul(t.add(t.matMul(xx, ww), bb), up)))([x, W, b]);
    ours.forEach((g, i) => assert.ok(maxAbs(g, ref[i]) < 1e-5, `gradient ${i}`));
    assert.ok(maxAbs(linear(x, W, b), t.add(t.matMul(x, W), b)) < 1e-5);
    const noBias = t.grads((xx, ww) => t.sum(t.mul(linear(xx as never, ww as never), up)))([x, W]);
    const refNoBias = t.grads((xx, ww) => t.sum(t.mul(t.matMul(xx, ww), up)))([x, W]);
    noBias.forEach((g, i) => assert.ok(maxAbs(g, refNoBias[i]) < 1e-5));
  });
});

test("embeddingLookup: gradient is a scatter-add (repeated ids accumulate)", () => {
  const t = tf();
  t.tidy(() => {
    const table = t.randomNormal([6, 4], 0, 1, "float32", 5) as import("@tensorflow/tfjs").Tensor2D;
    const ids = t.tensor1d([1, 3, 1, 5, 1], "int32");
    const up = t.randomNormal([5, 4], 0, 1, "float32", 6);
    const g = t.grad((tab) => t.sum(t.mul(embeddingLookup(tab as never, ids), up)))(table);
    const ref = t.grad((tab) => t.sum(t.mul(t.matMul(t.oneHot(ids, 6).asType("float32"), tab), up)))(table);
    assert.ok(maxAbs(g, ref) < 1e-5);
    assert.ok(maxAbs(embeddingLookup(table, ids), t.gather(table, ids)) < 1e-7);
  });
});

test("layerNorm matches the definition (biased variance, eps inside the sqrt)", () => {
  const t = tf();
  const y = t.tidy(() => layerNorm(t.tensor2d([[1, 2, 3, 4]]), t.ones([4]), t.zeros([4]), 1e-12).arraySync() as number[][]);
  const sd = Math.sqrt(1.25);
  [-1.5, -0.5, 0.5, 1.5].forEach((v, i) => assert.ok(Math.abs(y[0][i] - v / sd) < 1e-6));
});

test("F16 and BF16 codecs round to nearest even and are exact on their grids", () => {
  assert.equal(f32ToF16(1), 0x3c00);
  assert.equal(f32ToF16(65504), 0x7bff);
  assert.equal(f32ToF16(1e6), 0x7c00); // overflow → inf
  assert.equal(f32ToF16(2 ** -24), 0x0001); // smallest subnormal
  assert.equal(f32ToF16(-2), 0xc000);
  assert.equal(f32ToF16(0.1), 0x2e66);
  assert.equal(f32ToF16(1 + 2 ** -11), 0x3c00); // tie → even
  assert.equal(f32ToF16(1 + 3 * 2 ** -11), 0x3c02); // tie → even (up)
  assert.equal(f16ToF32(0x3555), 0.333251953125);
  assert.ok(Number.isNaN(f16ToF32(f32ToF16(NaN))));
  for (let h = 0; h < 0x7c00; h += 7) assert.equal(f32ToF16(f16ToF32(h)), h);
  assert.equal(f32ToBf16(1), 0x3f80);
  assert.equal(f32ToBf16(0.1), 0x3dcd);
  assert.equal(f32ToBf16(-3.5), 0xc060);
  assert.equal(bf16ToF32(0x3dcd), 0.10009765625);
  for (let h = 0; h < 0x7f80; h += 13) assert.equal(f32ToBf16(bf16ToF32(h)), h);
});
