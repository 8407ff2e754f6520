/**
 * Pre-training step throughput: tokens/s of one full BERT training step (forward with MLM at the
 * masked positions + NSP, backward, global-norm clipping, AdamW), BERT-mini shape (4 layers, H 256,
 * 4 heads, I 1024), sequence 128, batch 32, with the course's 8,192-token vocabulary and
 * bert-base's 30,522 — on the course's two engines (ONNX Runtime, tfjs-wasm) and on PyTorch
 * (Debian's python3-torch, bench/pretrain_step_ref.py), all measured in the same run, at 1 and 2
 * threads (tfjs-wasm runs on one thread).
 *
 * Beside each figure: the achieved GFLOP/s (FLOPs of the step from the shapes, below) and the
 * peak of one ONNX Runtime matrix product measured in the same run at the same threads.
 *
 *   node --import tsx bench/pretrain-step.ts [--quick] [--threads 1,2] [--vocab 8192,30522] [--batch 32]
 *        [--engines onnx,tfjs,torch] [--python /usr/bin/python3] [--iters N]
 *
 * The PyTorch reference runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from its
 * environment (some machines set them, which halves PyTorch's matrix speed), and with
 * OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS set to the thread count: Debian's torch
 * multiplies matrices with OpenBLAS, whose own threads ignore torch.set_num_threads (measured here:
 * a "1-thread" torch product ran at 168 GFLOP/s on both cores, 87 with OPENBLAS_NUM_THREADS=1).
 */
import * as os from "os";
import * as path from "path";
import { initBackend } from "../lib/engine/tfjs/backend";
import { HostTensor } from "../lib/engine/ops";
import { createTrainer, EngineName } from "../lib/engine/run";
import { clearSessions } from "../lib/engine/onnx/compile";
import { setThreads } from "../lib/engine/onnx/session";
import { pretrainingLoss, PretrainTensors } from "../lib/models/bert/bert";
import { BertModel } from "../lib/models/bert/model";
import type { Ctx } from "../lib/models/nn";
import { BERT_PRETRAIN_ADAMW } from "../lib/training/adamw";
import { matmulPeak, stateCopyMs, stepFlops } from "./flops";
import { runPythonReference, threadEnv } from "./python-reference";

const args = process.argv.slice(2);
const argVal = (k: string) => {
  const i = args.indexOf(k);
  return i >= 0 ? args[i + 1] : undefined;
};
const list = (k: string, d: string) => (argVal(k) ?? d).split(",").map((x) => x.trim()).filter(Boolean);
const quick = args.includes("--quick");
const python = argVal("--python") ?? "/usr/bin/python3";
const THREADS = list("--threads", "1,2").map(Number);
const VOCABS = list("--vocab", "8192,30522").map(Number);
const ENGINES = list("--engines", "onnx,tfjs,torch");
const SEQ = 128;
const BATCH = Number(argVal("--batch") ?? 32);
const ITERS = Number(argVal("--iters") ?? (quick ? 2 : 4));
const SHAPE = { layers: 4, hidden: 256, heads: 4, inter: 1024 };
const N_MASKED = Math.round(0.15 * BATCH * SEQ); // as the reference: 15% of the positions

/** A batch with 15% of the positions masked (BERT §3.1), random ids, no padding. */
function randomBatch(vocab: number): Record<string, HostTensor> {
  const n = BATCH * SEQ;
  let s = 12345;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const rows = new Set<number>();
  while (rows.size < N_MASKED) rows.add(Math.floor(rnd() * n));
  return {
    inputIds: { data: Int32Array.from({ length: n }, () => 5 + Math.floor(rnd() * (vocab - 5))), shape: [BATCH, SEQ] },
    tokenTypeIds: { data: new Int32Array(n), shape: [BATCH, SEQ] },
    attentionMask: { data: new Int32Array(n).fill(1), shape: [BATCH, SEQ] },
    mlmRows: { data: Int32Array.from([...rows].sort((a, b) => a - b)), shape: [N_MASKED] },
    mlmLabels: { data: Int32Array.from({ length: N_MASKED }, () => 5 + Math.floor(rnd() * (vocab - 5))), shape: [N_MASKED] },
    nspLabels: { data: Int32Array.from({ length: BATCH }, (_, i) => i % 2), shape: [BATCH] },
  };
}

async function courseStep(engine: EngineName, vocab: number): Promise<{ tokensPerS: number; msPerStep: number }> {
  const model = new BertModel({ vocab_size: vocab, hidden_size: SHAPE.hidden, num_hidden_layers: SHAPE.layers, num_attention_heads: SHAPE.heads, intermediate_size: SHAPE.inter });
  const cfg = model.config;
  const fn = <X>(c: Ctx<X>, x: Record<string, X>) => {
    const r = pretrainingLoss(c, cfg, x as unknown as PretrainTensors<X>);
    return { loss: r.loss, mlmLoss: r.mlmLoss, nspLoss: r.nspLoss };
  };
  // Exactly the Pretrainer's step: the same function, trainer and optimizer.
  const trainer = createTrainer(engine, { key: `bench-pretrain|${vocab}`, fn, params: model.params, lossOutput: "loss", optimizer: BERT_PRETRAIN_ADAMW, seed: 1 });
  const batch = randomBatch(vocab);
  await trainer.step(batch, 1e-4); // warm-up: graph build and session (onnx), kernel setup (tfjs)
  const iters = engine === "tfjs" ? Math.max(1, Math.min(ITERS, 2)) : ITERS;
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) await trainer.step(batch, 1e-4);
  const ms = (performance.now() - t0) / iters;
  trainer.dispose();
  model.dispose();
  return { tokensPerS: (BATCH * SEQ * 1000) / ms, msPerStep: ms };
}

function torchStep(vocab: number, threads: number): { tokensPerS: number; msPerStep: number; version: string } | { error: string } {
  const j = runPythonReference<{ tokens_per_s: number; ms_per_step: number; torch: string }>(
    python,
    path.join(__dirname, "pretrain_step_ref.py"),
    { layers: SHAPE.layers, hidden: SHAPE.hidden, heads: SHAPE.heads, inter: SHAPE.inter, vocab, seq: SEQ, batch: BATCH, iters: ITERS, threads },
    { unsetEnv: ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"], setEnv: threadEnv(threads) },
  );
  if ("error" in j) return j;
  return { tokensPerS: j.tokens_per_s, msPerStep: j.ms_per_step, version: j.torch };
}

(async () => {
  await initBackend();
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  console.log(`BERT pre-training step (MLM + NSP, backward, clip, AdamW), mini shape (4 × 256, 4 heads, I 1024), seq ${SEQ}, batch ${BATCH}, ${N_MASKED} masked positions`);
  console.log(`machine: ${cpu}, ${os.cpus().length} cores; ${new Date().toISOString().slice(0, 10)}`);
  const rows: Record<string, unknown>[] = [];
  for (const threads of THREADS) {
    setThreads(threads);
    await clearSessions();
    const peak = await matmulPeak(threads);
    console.log(`\n${threads} thread(s): ONNX Runtime matrix-product peak ${peak.toFixed(1)} GFLOP/s (chained 4096×256·256×1024 products, same run)`);
    for (const vocab of VOCABS) {
      const flops = stepFlops({ ...SHAPE, vocab, batch: BATCH, seq: SEQ, masked: N_MASKED });
      const row: Record<string, unknown> = { threads, vocab, gflop_per_step: Number((flops / 1e9).toFixed(2)), peak_gflops: Number(peak.toFixed(1)) };
      const line: string[] = [`vocab ${String(vocab).padEnd(6)}`];
      const tps: Record<string, number> = {};
      for (const e of ENGINES) {
        if (e === "tfjs" && threads !== 1) continue; // tfjs-wasm is single-threaded
        if (e === "torch") {
          const r = torchStep(vocab, threads);
          if ("error" in r) {
            row.torch = r.error;
            line.push(`torch: ${r.error}`);
            continue;
          }
          tps.torch = r.tokensPerS;
          row.torch_version = r.version;
        } else {
          try {
            tps[e] = (await courseStep(e as EngineName, vocab)).tokensPerS;
          } catch (err) {
            // tfjs-wasm's heap is limited (32-bit WebAssembly): a 30,522-way MLM head at batch 32 can run out of it.
            const why = (err as Error).message.split("\n")[0] || "aborted";
            row[`${e}_error`] = why;
            line.push(`${e}: failed (${why})`);
            continue;
          }
        }
        const gflops = (flops * tps[e]) / (BATCH * SEQ) / 1e9;
        row[`${e}_tokens_per_s`] = Math.round(tps[e]);
        row[`${e}_gflops`] = Number(gflops.toFixed(1));
        line.push(`${e} ${tps[e].toFixed(0).padStart(6)} tok/s (${gflops.toFixed(1)} GFLOP/s, ${((100 * gflops) / peak).toFixed(0)}% of peak)`);
      }
      if (tps.onnx && tps.torch) row.onnx_over_torch = Number((tps.onnx / tps.torch).toFixed(2));
      if (tps.onnx && tps.tfjs) row.onnx_over_tfjs = Number((tps.onnx / tps.tfjs).toFixed(1));
      if (tps.onnx) {
        row.onnx_percent_of_peak = Math.round((100 * (flops * tps.onnx) / (BATCH * SEQ) / 1e9) / peak);
        // The state a step moves between JavaScript and ONNX Runtime: weights + AdamW moments, in and out.
        const m = new BertModel({ vocab_size: vocab, hidden_size: SHAPE.hidden, num_hidden_layers: SHAPE.layers, num_attention_heads: SHAPE.heads, intermediate_size: SHAPE.inter });
        const shapes = m.params.names().map((n) => m.params.shape(n));
        const numbers = shapes.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
        m.dispose();
        const copy = await stateCopyMs(shapes, threads);
        row.state_copy_ms = Number(copy.toFixed(1));
        const share = copy / ((BATCH * SEQ * 1000) / tps.onnx);
        row.state_copy_share = Number(share.toFixed(3));
        line.push(`state copy ${copy.toFixed(1)} ms/step (${((3 * numbers * 4) / 1e6).toFixed(0)} MB each way, ${(100 * share).toFixed(1)}% of the step)`);
      }
      const ratios = [row.onnx_over_torch ? `onnx/torch ${row.onnx_over_torch}×` : "", row.onnx_over_tfjs ? `onnx/tfjs ${row.onnx_over_tfjs}×` : ""].filter(Boolean).join(", ");
      console.log(`${line.join(" | ")}${ratios ? `  →  ${ratios}` : ""}`);
      rows.push(row);
    }
  }
  console.log(JSON.stringify({ bench: "pretrain-step", date: new Date().toISOString(), cpu, seq: SEQ, batch: BATCH, masked: N_MASKED, results: rows }));
})();
