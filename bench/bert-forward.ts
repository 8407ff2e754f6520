/**
 * BERT forward throughput: tokens/s at sequence 128, batch 8, for a BERT-mini shape (4 layers,
 * H 256, 4 heads, I 1024) and a BERT-base shape (12 / 768 / 12 / 3072), random weights, vocab
 * 30,522, encoder + pooler — the course's engines (ONNX Runtime, tfjs-wasm) against the same
 * model in PyTorch (Debian's python3-torch, bench/bert_forward_ref.py) and against that PyTorch
 * model exported with torch.onnx.export and run by ONNX Runtime (what transformers.js users get),
 * all measured in the same run at the same threads (tfjs-wasm runs on one thread).
 *
 *   node --import tsx bench/bert-forward.ts [--quick] [--threads 1,2] [--python /usr/bin/python3]
 *
 * The PyTorch reference runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from its environment.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend } from "../lib/engine/tfjs/backend";
import { clearSessions } from "../lib/engine/onnx/compile";
import { ort, setThreads } from "../lib/engine/onnx/session";
import { EngineName } from "../lib/engine/run";
import { BertModel } from "../lib/models/bert";
import { forwardFlops, matmulPeak } from "./flops";
import { runPythonReference, threadEnv } from "./python-reference";

const SEQ = 128;
const BATCH = 8;
const VOCAB = 30522; // bert-base-uncased's vocabulary

interface Shape {
  name: string;
  layers: number;
  hidden: number;
  heads: number;
  inter: number;
  iters: number;
}

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const argVal = (k: string) => {
  const i = args.indexOf(k);
  return i >= 0 ? args[i + 1] : undefined;
};
const python = argVal("--python") ?? "/usr/bin/python3";
const THREADS = (argVal("--threads") ?? "1,2").split(",").map(Number);

const SHAPES: Shape[] = [
  { name: "BERT-mini", layers: 4, hidden: 256, heads: 4, inter: 1024, iters: quick ? 3 : 10 },
  { name: "BERT-base", layers: 12, hidden: 768, heads: 12, inter: 3072, iters: quick ? 2 : 4 },
];

function inputs(): { inputIds: number[][]; attentionMask: number[][]; tokenTypeIds: number[][] } {
  let s = 7;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return {
    inputIds: Array.from({ length: BATCH }, () => Array.from({ length: SEQ }, () => Math.floor(rnd() * VOCAB))),
    attentionMask: Array.from({ length: BATCH }, () => new Array(SEQ).fill(1)),
    tokenTypeIds: Array.from({ length: BATCH }, () => new Array(SEQ).fill(0)),
  };
}

async function courseForward(engine: EngineName, s: Shape): Promise<number> {
  const model = new BertModel({ vocab_size: VOCAB, hidden_size: s.hidden, num_hidden_layers: s.layers, num_attention_heads: s.heads, intermediate_size: s.inter }, { heads: { mlm: false, nsp: false } });
  const x = inputs();
  const run = () => model.run(x, { engine, layers: [-1], pooler: true });
  await run(); // warm-up: graph build and session (onnx), kernel setup (tfjs)
  const iters = engine === "tfjs" ? Math.max(1, Math.ceil(s.iters / 2)) : s.iters;
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) await run();
  const ms = (performance.now() - t0) / iters;
  model.dispose();
  return (BATCH * SEQ * 1000) / ms;
}

/** The exported PyTorch model on ONNX Runtime (weights inside the file, ORT's full graph optimizations). */
async function exportedForward(file: string, s: Shape, threads: number): Promise<number> {
  const o = ort();
  const session = await o.InferenceSession.create(file, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: "all", executionMode: "sequential" });
  const x = inputs();
  const big = (rows: number[][]) => new o.Tensor("int64", BigInt64Array.from(rows.flat(), (v) => BigInt(v)), [BATCH, SEQ]);
  const feeds = { input_ids: big(x.inputIds), attention_mask: big(x.attentionMask), token_type_ids: big(x.tokenTypeIds) };
  await session.run(feeds);
  const t0 = performance.now();
  for (let i = 0; i < s.iters; i++) await session.run(feeds);
  const ms = (performance.now() - t0) / s.iters;
  await session.release();
  return (BATCH * SEQ * 1000) / ms;
}

(async () => {
  await initBackend();
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  console.log(`BERT forward (encoder + pooler), seq ${SEQ}, batch ${BATCH}, vocab ${VOCAB}, random weights; machine: ${cpu}, ${os.cpus().length} cores; ${new Date().toISOString().slice(0, 10)}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bench-fwd-"));
  const rows: Record<string, unknown>[] = [];
  try {
    for (const threads of THREADS) {
      setThreads(threads);
      await clearSessions();
      const peak = await matmulPeak(threads);
      console.log(`\n${threads} thread(s): ONNX Runtime matrix-product peak ${peak.toFixed(1)} GFLOP/s (same run)`);
      for (const s of SHAPES) {
        const flops = forwardFlops({ ...s, batch: BATCH, seq: SEQ });
        const gf = (tps: number) => (flops * tps) / (BATCH * SEQ) / 1e9;
        const row: Record<string, unknown> = { threads, shape: s.name, peak_gflops: Number(peak.toFixed(1)) };
        const onnx = await courseForward("onnx", s);
        const file = path.join(tmp, `${s.name}.onnx`);
        const ref = runPythonReference<{ tokens_per_s: number; torch: string }>(
          python,
          path.join(__dirname, "bert_forward_ref.py"),
          { layers: s.layers, hidden: s.hidden, heads: s.heads, inter: s.inter, vocab: VOCAB, seq: SEQ, batch: BATCH, iters: s.iters, threads, export: file },
          { unsetEnv: ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"], setEnv: threadEnv(threads) },
        );
        const exported = "error" in ref || !fs.existsSync(file) ? null : await exportedForward(file, s, threads);
        const tfjs = threads === 1 ? await courseForward("tfjs", s) : null;
        Object.assign(row, { onnx_tokens_per_s: Math.round(onnx), onnx_gflops: Number(gf(onnx).toFixed(1)) });
        const parts = [`onnx ${onnx.toFixed(0).padStart(7)} tok/s (${gf(onnx).toFixed(1)} GFLOP/s, ${((100 * gf(onnx)) / peak).toFixed(0)}% of peak)`];
        if (exported) {
          Object.assign(row, { exported_tokens_per_s: Math.round(exported), onnx_over_exported: Number((onnx / exported).toFixed(2)) });
          parts.push(`exported on ORT ${exported.toFixed(0).padStart(7)} tok/s`);
        }
        if (!("error" in ref)) {
          Object.assign(row, { torch_version: ref.torch, torch_tokens_per_s: Math.round(ref.tokens_per_s), onnx_over_torch: Number((onnx / ref.tokens_per_s).toFixed(2)) });
          parts.push(`PyTorch ${ref.tokens_per_s.toFixed(0).padStart(7)} tok/s`);
        } else parts.push(ref.error);
        if (tfjs) {
          Object.assign(row, { tfjs_tokens_per_s: Math.round(tfjs), onnx_over_tfjs: Number((onnx / tfjs).toFixed(1)) });
          parts.push(`tfjs-wasm ${tfjs.toFixed(0).padStart(6)} tok/s`);
        }
        const ratios = [row.onnx_over_exported ? `onnx/exported ${row.onnx_over_exported}×` : "", row.onnx_over_torch ? `onnx/torch ${row.onnx_over_torch}×` : "", row.onnx_over_tfjs ? `onnx/tfjs ${row.onnx_over_tfjs}×` : ""].filter(Boolean).join(", ");
        console.log(`${s.name.padEnd(10)} ${parts.join(" | ")}  →  ${ratios}`);
        rows.push(row);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(JSON.stringify({ bench: "bert-forward", date: new Date().toISOString(), cpu, seq: SEQ, batch: BATCH, results: rows }));
})();
