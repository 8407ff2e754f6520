/**
 * Positional encodings and attention masks (lib/landscape/positional.ts, masks.ts): the sinusoidal
 * table's formula, RoPE's relative-position property measured numerically, the tensor RoPE against the
 * plain one (no leaks), learned positions read from a checkpoint, and the masks' shapes.
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "path";
import { initBackend, tf } from "../../lib/engine/tfjs/backend";
import { loadBert } from "../../lib/models/bert";
import {
  sinusoidalPositions,
  ropeFrequencies,
  applyRope,
  ropeScore,
  ropeRelativeCheck,
  applyRopeTensor,
  learnedPositions,
  cosineSimilarityMatrix,
  dot,
  attentionMask,
  maskedSoftmax,
  allowedPairs,
} from "../../lib/landscape";

const FIXTURE = path.join(__dirname, "..", "fixtures", "tiny-bert-hf");

before(async () => {
  await initBackend();
});

test("sinusoidal table: PE[p, 2i] = sin(p / 10000^(2i/d)), PE[p, 2i+1] = cos(…)", () => {
  const pe = sinusoidalPositions(50, 16);
  assert.equal(pe.length, 50);
  assert.equal(pe[0].length, 16);
  assert.deepEqual(pe[0].filter((_, j) => j % 2 === 0), new Array(8).fill(0)); // sin 0
  assert.deepEqual(pe[0].filter((_, j) => j % 2 === 1), new Array(8).fill(1)); // cos 0
  assert.ok(Math.abs(pe[3][0] - Math.sin(3)) < 1e-15); // i = 0: wavelength 2π
  assert.ok(Math.abs(pe[7][5] - Math.cos(7 / Math.pow(10000, 4 / 16))) < 1e-15); // column 5: i = 2
  assert.throws(() => sinusoidalPositions(4, 5), /even width/);
});

test("RoPE: ⟨R(m)q, R(n)k⟩ depends only on n − m (the relative-position property)", () => {
  for (const pairing of ["half", "interleaved"] as const) {
    for (const base of [10000, 500000]) {
      const r = ropeRelativeCheck({ headDim: 64, pairing, base, pairsPerDistance: 25, maxStart: 4096 });
      assert.ok(r.passed, `${pairing}/${base}: spread ${r.maxSpreadWithinDistance}, gap ${r.minGapBetweenDistances}`);
      assert.ok(r.maxSpreadWithinDistance < 1e-9, `${pairing}/${base}: scores at one distance differ by ${r.maxSpreadWithinDistance}`);
      assert.ok(r.minGapBetweenDistances > 1e-3, `${pairing}/${base}: different distances give the same score`);
      // The contrast: absolute (added) positions make the score depend on where the pair sits.
      assert.ok(r.absoluteSpreadWithinDistance > 1, `absolute spread ${r.absoluteSpreadWithinDistance}`);
      if (pairing === "half" && base === 10000) {
        console.log(`RoPE check (hd 64, 25 pairs per distance ${r.distances.join("/")}): max spread within a distance ${r.maxSpreadWithinDistance.toExponential(2)}, min gap between distances ${r.minGapBetweenDistances.toFixed(3)}, absolute-position spread ${r.absoluteSpreadWithinDistance.toFixed(2)}`);
      }
    }
  }
});

test("RoPE: the score equals ⟨q, R(n − m)k⟩, rotations keep the norm, position 0 is the identity", () => {
  const q = Array.from({ length: 16 }, (_, i) => Math.sin(i + 1));
  const k = Array.from({ length: 16 }, (_, i) => Math.cos(2 * i + 1));
  for (const [m, n] of [[0, 5], [10, 15], [1000, 1005], [7, 3]]) {
    assert.ok(Math.abs(ropeScore(q, k, m, n) - dot(q, applyRope(k, n - m))) < 1e-10);
  }
  assert.ok(Math.abs(Math.hypot(...applyRope(q, 123)) - Math.hypot(...q)) < 1e-12);
  assert.deepEqual(applyRope(q, 0).map((x) => +x.toFixed(12)), q.map((x) => +x.toFixed(12)));
  const theta = ropeFrequencies(8);
  assert.deepEqual(theta.map((x) => +x.toPrecision(6)), [1, 0.1, 0.01, 0.001]);
  // One pair by hand ("half" pairing, hd = 2): (1, 0) rotated by 1 radian at position 1.
  const r = applyRope([1, 0], 1);
  assert.ok(Math.abs(r[0] - Math.cos(1)) < 1e-15 && Math.abs(r[1] - Math.sin(1)) < 1e-15);
});

test("RoPE on tensors [B, nh, T, hs] matches the plain version and leaks nothing", () => {
  const t = tf();
  const B = 2, nh = 3, T = 5, hs = 8;
  const values = Array.from({ length: B * nh * T * hs }, (_, i) => Math.sin(0.37 * i));
  const x = t.tensor4d(values, [B, nh, T, hs]);
  const before = t.memory().numTensors;
  const y = applyRopeTensor(x, [0, 1, 2, 10, 100]);
  assert.equal(t.memory().numTensors, before + 1);
  const got = y.arraySync() as number[][][][];
  const positions = [0, 1, 2, 10, 100];
  let worst = 0;
  for (let b = 0; b < B; b++)
    for (let h = 0; h < nh; h++)
      for (let r = 0; r < T; r++) {
        const row = values.slice(((b * nh + h) * T + r) * hs, ((b * nh + h) * T + r + 1) * hs);
        const want = applyRope(row, positions[r]);
        want.forEach((w, j) => (worst = Math.max(worst, Math.abs(w - got[b][h][r][j]))));
      }
  assert.ok(worst < 1e-5, `max |tensor − plain| = ${worst}`);
  y.dispose();
  x.dispose();
});

test("learned positions: read from the checkpoint folder = read from the loaded model", async () => {
  const fromDir = learnedPositions(FIXTURE);
  const model = await loadBert(FIXTURE);
  const fromModel = learnedPositions(model);
  assert.equal(fromDir.length, model.config.max_position_embeddings);
  assert.equal(fromDir[0].length, model.config.hidden_size);
  assert.deepEqual(fromDir, fromModel);
  const sim = cosineSimilarityMatrix(fromDir.slice(0, 10));
  for (let i = 0; i < 10; i++) assert.ok(Math.abs(sim[i][i] - 1) < 1e-6);
  model.dispose();
  assert.throws(() => learnedPositions(path.join(__dirname, "..", "fixtures")), /config\.json|model\.safetensors/);
});

test("masks: bidirectional sees T², causal T(T+1)/2, prefix in between; padding columns are blocked", () => {
  const T = 6;
  const bi = attentionMask("bidirectional", T);
  const causal = attentionMask("causal", T);
  const prefix = attentionMask("prefix", T, { prefixLength: 3 });
  assert.equal(allowedPairs(bi), 36);
  assert.equal(allowedPairs(causal), 21);
  assert.equal(allowedPairs(prefix), 21 + 3); // rows 0–1 also see the rest of the 3-token prefix: +2 +1
  assert.deepEqual(causal[2], [1, 1, 1, 0, 0, 0]);
  assert.deepEqual(prefix[0], [1, 1, 1, 0, 0, 0]);
  const padded = attentionMask("bidirectional", T, { length: 4 });
  assert.deepEqual(padded[0], [1, 1, 1, 1, 0, 0]);
  // Masked softmax of equal scores: uniform over what each row may see.
  const probs = maskedSoftmax(causal.map((r) => r.map(() => 0)), causal);
  probs.forEach((row, i) => {
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.ok(Math.abs(row[0] - 1 / (i + 1)) < 1e-12);
    for (let j = i + 1; j < T; j++) assert.equal(row[j], 0);
  });
});
