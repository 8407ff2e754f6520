/**
 * BERT forward throughput: tokens/s at sequence 128, batch 8, for a BERT-mini shape (4 layers,
 * H 256, 4 heads, I 1024) and a BERT-base shape (12 / 768 / 12 / 3072), random weights, vocab 30522,
 * encoder + pooler (what BertModel computes), against the same shapes in PyTorch (Debian's
 * python3-torch, bench/bert_forward_ref.py) measured in the same run, one thread each
 * (tfjs-wasm runs on one thread).
 *
 *   node --import tsx bench/bert-forward.ts [--quick] [--python /usr/bin/python3] [--threads N]
 *
 * Prints a table and a JSON line; exits 0 even when PyTorch is missing (the ratio then says so).
 */
import * as path from "path";
import { backendReport, initBackend, tf } from "../lib/env";
import { BertModel, disposeOutput } from "../lib/models/bert";
import { runPythonReference } from "./python-reference";

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
const threads = Number(argVal("--threads") ?? 1);

const SHAPES: Shape[] = [
  { name: "BERT-mini", layers: 4, hidden: 256, heads: 4, inter: 1024, iters: quick ? 2 : 5 },
  { name: "BERT-base", layers: 12, hidden: 768, heads: 12, inter: 3072, iters: quick ? 1 : 2 },
];

function tfjsTokensPerSecond(s: Shape): { tokensPerS: number; msPerBatch: number } {
  const t = tf();
  const model = new BertModel({ vocab_size: VOCAB, hidden_size: s.hidden, num_hidden_layers: s.layers, num_attention_heads: s.heads, intermediate_size: s.inter }, { heads: { mlm: false, nsp: false } });
  const ids = t.randomUniform([BATCH, SEQ], 0, VOCAB, "int32") as import("@tensorflow/tfjs").Tensor2D;
  const mask = t.ones([BATCH, SEQ], "int32") as import("@tensorflow/tfjs").Tensor2D;
  const run = () => {
    const out = model.forward({ inputIds: ids, attentionMask: mask });
    out.poolerOutput!.dataSync(); // wait for the result
    disposeOutput(out);
  };
  run(); // warm-up: kernel setup, XNNPACK weight packing
  const t0 = performance.now();
  for (let i = 0; i < s.iters; i++) run();
  const ms = (performance.now() - t0) / s.iters;
  ids.dispose();
  mask.dispose();
  model.dispose();
  return { tokensPerS: (BATCH * SEQ * 1000) / ms, msPerBatch: ms };
}

function torchTokensPerSecond(s: Shape): { tokensPerS: number; msPerBatch: number; version: string } | { error: string } {
  const j = runPythonReference<{ tokens_per_s: number; ms_per_batch: number; torch: string }>(python, path.join(__dirname, "bert_forward_ref.py"), { layers: s.layers, hidden: s.hidden, heads: s.heads, inter: s.inter, vocab: VOCAB, seq: SEQ, batch: BATCH, iters: s.iters, threads });
  if ("error" in j) return j;
  return { tokensPerS: j.tokens_per_s, msPerBatch: j.ms_per_batch, version: j.torch };
}

(async () => {
  await initBackend();
  const backend = backendReport()!.chosen;
  console.log(`BERT forward (encoder + pooler), seq ${SEQ}, batch ${BATCH}, vocab ${VOCAB}, random weights; tfjs backend: ${backend}; PyTorch threads: ${threads}`);
  const rows: Record<string, unknown>[] = [];
  for (const s of SHAPES) {
    const ours = tfjsTokensPerSecond(s);
    const ref = torchTokensPerSecond(s);
    const row: Record<string, unknown> = { shape: s.name, layers: s.layers, hidden: s.hidden, iters: s.iters, tfjs_backend: backend, tfjs_tokens_per_s: Math.round(ours.tokensPerS), tfjs_ms_per_batch: Math.round(ours.msPerBatch) };
    if ("error" in ref) {
      row.torch = ref.error;
      console.log(`${s.name.padEnd(10)} tfjs-${backend} ${ours.tokensPerS.toFixed(0).padStart(7)} tokens/s (${ours.msPerBatch.toFixed(0)} ms/batch) | ${ref.error}`);
    } else {
      const ratio = ref.tokensPerS / ours.tokensPerS;
      Object.assign(row, { torch_version: ref.version, torch_tokens_per_s: Math.round(ref.tokensPerS), torch_ms_per_batch: Math.round(ref.msPerBatch), torch_over_tfjs: Number(ratio.toFixed(2)) });
      console.log(
        `${s.name.padEnd(10)} tfjs-${backend} ${ours.tokensPerS.toFixed(0).padStart(7)} tokens/s (${ours.msPerBatch.toFixed(0)} ms/batch) | ` +
          `PyTorch ${ref.version} ${ref.tokensPerS.toFixed(0).padStart(7)} tokens/s (${ref.msPerBatch.toFixed(0)} ms/batch) | PyTorch is ${ratio.toFixed(2)}× tfjs`,
      );
    }
    rows.push(row);
  }
  console.log(JSON.stringify({ bench: "bert-forward", seq: SEQ, batch: BATCH, results: rows }));
})();
