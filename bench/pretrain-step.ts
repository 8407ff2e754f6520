/**
 * Pre-training step throughput: tokens/s of one full training step (forward MLM at the masked
 * positions + NSP, backward, gradient clipping, AdamW) for the BERT-mini shape (4 layers, H 256,
 * 4 heads, I 1024) at sequence 128, batch 8, with bert-base's 30,522-token vocabulary and with the
 * course's 8,192 — lib/pretraining's Pretrainer step against the same model and step in PyTorch
 * (Debian's python3-torch, bench/pretrain_step_ref.py) measured in the same run, one thread each.
 *
 *   node --import tsx bench/pretrain-step.ts [--quick] [--python /usr/bin/python3] [--threads N]
 *
 * Prints a table and a JSON line; exits 0 even when PyTorch is missing (the ratio then says so).
 */
import * as path from "path";
import type * as tfTypes from "@tensorflow/tfjs";
import { backendReport, initBackend, tf } from "../lib/env";
import { BertModel } from "../lib/models/bert/model";
import { AdamW, BERT_ADAMW, pretrainForward, PretrainBatch } from "../lib/pretraining";
import { runPythonReference } from "./python-reference";

const SEQ = 128;
const BATCH = 8;
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const argVal = (k: string) => {
  const i = args.indexOf(k);
  return i >= 0 ? args[i + 1] : undefined;
};
const python = argVal("--python") ?? "/usr/bin/python3";
const threads = Number(argVal("--threads") ?? 1);
const ITERS = quick ? 2 : 5;
const SHAPE = { layers: 4, hidden: 256, heads: 4, inter: 1024 };

/** A batch with 15% of the positions masked (BERT §3.1), random ids. */
function randomBatch(vocab: number): PretrainBatch {
  const n = BATCH * SEQ;
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const N = Math.round(0.15 * n);
  const rows = new Set<number>();
  while (rows.size < N) rows.add(Math.floor(rnd() * n));
  return {
    B: BATCH,
    T: SEQ,
    inputIds: Int32Array.from({ length: n }, () => 5 + Math.floor(rnd() * (vocab - 5))),
    tokenTypeIds: new Int32Array(n),
    attentionMask: new Int32Array(n).fill(1),
    mlmRows: Int32Array.from([...rows].sort((a, b) => a - b)),
    mlmLabels: Int32Array.from({ length: N }, () => 5 + Math.floor(rnd() * (vocab - 5))),
    nspLabels: Int32Array.from({ length: BATCH }, (_, i) => i % 2),
  };
}

function tfjsStep(vocab: number): { tokensPerS: number; msPerStep: number } {
  const t = tf();
  const model = new BertModel({ vocab_size: vocab, hidden_size: SHAPE.hidden, num_hidden_layers: SHAPE.layers, num_attention_heads: SHAPE.heads, intermediate_size: SHAPE.inter });
  const names = model.params.names();
  const vars = names.map((n) => model.params.get(n));
  const opt = new AdamW(new Map(names.map((n, i) => [n, vars[i]])), (n) => model.params.spec(n).kind === "linear" || model.params.spec(n).kind === "embedding", BERT_ADAMW);
  const batch = randomBatch(vocab);
  const step = () => {
    // Exactly the Pretrainer's step: variableGrads → AdamW (clip inside) → one 3-number download.
    const { value, grads } = t.variableGrads(() => {
      const out = pretrainForward(model, batch, true);
      return t.add(out.mlmLoss, out.nspLoss) as tfTypes.Scalar;
    }, vars);
    const byName: Record<string, tfTypes.Tensor> = {};
    names.forEach((n, i) => (byName[n] = grads[vars[i].name]));
    const norm = opt.step(byName, 1e-4);
    const packed = t.stack([value, norm]);
    packed.dataSync();
    t.dispose([value, norm, packed, ...Object.values(grads)]);
  };
  step(); // warm-up: kernel setup, XNNPACK weight packing
  const t0 = performance.now();
  for (let i = 0; i < ITERS; i++) step();
  const ms = (performance.now() - t0) / ITERS;
  opt.dispose();
  model.dispose();
  return { tokensPerS: (BATCH * SEQ * 1000) / ms, msPerStep: ms };
}

function torchStep(vocab: number): { tokensPerS: number; msPerStep: number; version: string } | { error: string } {
  const j = runPythonReference<{ tokens_per_s: number; ms_per_step: number; torch: string }>(python, path.join(__dirname, "pretrain_step_ref.py"), { layers: SHAPE.layers, hidden: SHAPE.hidden, heads: SHAPE.heads, inter: SHAPE.inter, vocab, seq: SEQ, batch: BATCH, iters: ITERS, threads });
  if ("error" in j) return j;
  return { tokensPerS: j.tokens_per_s, msPerStep: j.ms_per_step, version: j.torch };
}

(async () => {
  await initBackend();
  const backend = backendReport()!.chosen;
  console.log(`BERT pre-training step (MLM + NSP, backward, clip, AdamW), mini shape (4 × 256, 4 heads), seq ${SEQ}, batch ${BATCH}; tfjs backend: ${backend}; PyTorch threads: ${threads}`);
  const rows: Record<string, unknown>[] = [];
  for (const vocab of [30522, 8192]) {
    const ours = tfjsStep(vocab);
    const ref = torchStep(vocab);
    const row: Record<string, unknown> = { vocab, iters: ITERS, tfjs_backend: backend, tfjs_tokens_per_s: Math.round(ours.tokensPerS), tfjs_ms_per_step: Math.round(ours.msPerStep) };
    if ("error" in ref) {
      row.torch = ref.error;
      console.log(`vocab ${String(vocab).padEnd(6)} tfjs-${backend} ${ours.tokensPerS.toFixed(0).padStart(6)} tokens/s (${ours.msPerStep.toFixed(0)} ms/step) | ${ref.error}`);
    } else {
      const ratio = ref.tokensPerS / ours.tokensPerS;
      Object.assign(row, { torch_version: ref.version, torch_tokens_per_s: Math.round(ref.tokensPerS), torch_ms_per_step: Math.round(ref.msPerStep), torch_over_tfjs: Number(ratio.toFixed(2)) });
      console.log(
        `vocab ${String(vocab).padEnd(6)} tfjs-${backend} ${ours.tokensPerS.toFixed(0).padStart(6)} tokens/s (${ours.msPerStep.toFixed(0)} ms/step) | ` +
          `PyTorch ${ref.version} ${ref.tokensPerS.toFixed(0).padStart(6)} tokens/s (${ref.msPerStep.toFixed(0)} ms/step) | PyTorch is ${ratio.toFixed(2)}× tfjs`,
      );
    }
    rows.push(row);
  }
  console.log(JSON.stringify({ bench: "pretrain-step", seq: SEQ, batch: BATCH, results: rows }));
})();
