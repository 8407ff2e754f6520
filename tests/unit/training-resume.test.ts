/**
 * Resuming: optimizer state that does not fit the run is an error naming the tensor (not AdamW's
 * moments silently restarted at zero), on both engines; checkpoints still round-trip through the
 * fsynced write-and-swap.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend, tf } from "../../lib/engine/tfjs/backend";
import type { Ctx } from "../../lib/engine/contract";
import { VariableParams } from "../../lib/engine/params";
import { checkOptimizerState, createTrainer, OptimizerState } from "../../lib/engine/run";
import { FINETUNE_ADAMW } from "../../lib/training/adamw";
import { findCheckpointDir, optimizerStateBytes, readOptimizerState, STATE_FILE, writeAtomic, writeCheckpointDir } from "../../lib/training/checkpoint";

const fn = <X>(c: Ctx<X>, x: Record<string, X>) => ({ loss: c.o.mean(c.o.square(c.o.add(c.o.linear(x.x, c.p("w")), c.p("b")))) });
const batch = { x: { data: new Float32Array([1, 2, 3, 4]), shape: [2, 2] } };

function params(): VariableParams {
  const t = tf();
  const p = new VariableParams();
  p.add("w", t.variable(t.tensor2d([[0.5], [-0.25]]), true, `resume_w_${Math.random()}`), true);
  p.add("b", t.variable(t.tensor1d([0.1]), true, `resume_b_${Math.random()}`), false);
  return p;
}

test("optimizer state that does not fit is an error naming the tensor, on both engines", async () => {
  await initBackend();
  for (const engine of ["tfjs", "onnx"] as const) {
    const p = params();
    const trainer = createTrainer(engine, { key: "resume", fn, params: p, lossOutput: "loss", optimizer: FINETUNE_ADAMW, dropout: false });
    try {
      await trainer.step(batch, 0.01);
      const good = trainer.optimizerState();
      trainer.loadOptimizerState(good); // fits: no error
      const without = (s: OptimizerState, kind: "m" | "v", name: string): OptimizerState => {
        const copy = { t: s.t, m: new Map(s.m), v: new Map(s.v) };
        copy[kind].delete(name);
        return copy;
      };
      assert.throws(() => trainer.loadOptimizerState(without(good, "v", "b")), /optimizer state has no v\.b, but "b" is trained now/);
      const wrongSize = { t: good.t, m: new Map(good.m).set("w", new Float32Array(3)), v: good.v };
      assert.throws(() => trainer.loadOptimizerState(wrongSize), /optimizer state m\.w has 3 values, but "w" has 2/);
      const extra = { t: good.t, m: new Map(good.m).set("encoder.frozen", new Float32Array(1)), v: good.v };
      assert.throws(() => trainer.loadOptimizerState(extra), /optimizer state has m\.encoder\.frozen, but "encoder\.frozen" is not a trained parameter of this run/);
    } finally {
      trainer.dispose();
      for (const n of p.names()) p.variable(n).dispose();
    }
  }
});

test("checkOptimizerState accepts exactly the trained tensors", () => {
  const s: OptimizerState = { t: 3, m: new Map([["a", new Float32Array(2)]]), v: new Map([["a", new Float32Array(2)]]) };
  assert.doesNotThrow(() => checkOptimizerState(["a"], () => 2, s));
  assert.throws(() => checkOptimizerState(["a", "c"], () => 2, s), /no m\.c/);
});

test("a checkpoint folder is written as a set (fsynced, then swapped) and read back", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "course-ckpt-"));
  try {
    const dir = path.join(root, "checkpoint");
    const opt: OptimizerState = { t: 7, m: new Map([["w", Float32Array.of(1, 2)]]), v: new Map([["w", Float32Array.of(3, 4)]]) };
    for (const step of [1, 2]) {
      await writeCheckpointDir(dir, { [STATE_FILE]: JSON.stringify({ step }), "optimizer.safetensors": optimizerStateBytes(opt) }, async (staging) => {
        fs.writeFileSync(path.join(staging, "weights.bin"), Buffer.alloc(16, step));
      });
    }
    assert.equal(findCheckpointDir(dir), dir);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, STATE_FILE), "utf8")).step, 2);
    assert.deepEqual(fs.readdirSync(root).sort(), ["checkpoint"], "no staging or .old folder left");
    const back = readOptimizerState(dir);
    assert.equal(back.t, 7);
    assert.deepEqual(Array.from(back.v.get("w")!), [3, 4]);
    writeAtomic(path.join(root, "log.json"), "{}");
    assert.equal(fs.readFileSync(path.join(root, "log.json"), "utf8"), "{}");
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
