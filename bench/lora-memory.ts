/**
 * Peak memory of LoRA fine-tuning on a BERT-base-sized model (random weights from the config:
 * H 768, 12 layers, 12 heads, I 3072, vocab 30522, 512 positions — 110 M parameters), on the ONNX
 * engine, against what the step must hold:
 *
 *   weights (every parameter once, 4 bytes) + trainable state (the adapters' and head's gradient,
 *   AdamW m and v, and the graph's new p/m/v outputs) + activations: every forward value the
 *   backward pass reads, counted from the step's own graph (lib/engine/run.ts trainStepMemory),
 *   and the dropout masks fed with the batch. Korthikanti et al.'s (2022, §4.1) per-layer estimate
 *   (lib/finetuning/memory.ts) is printed beside it.
 *
 * The process's resident size is read before the model exists (the baseline: Node, ONNX Runtime's
 * library), after the model is built (what the weights cost), and at its peak over a few training
 * steps (Linux's VmHWM, reset when training starts; lib/finetuning/memory.ts's RssPeak). The check:
 * peak − baseline ≤ 1.25 × (weights + trainable state + activations). A second copy of the frozen
 * weights (440 MB) would not fit in that margin at the default batch.
 *
 *   nice -n 19 node --import tsx bench/lora-memory.ts [--batch 8] [--seq 64] [--rank 8] [--steps 3] [--threads 2]
 *
 * Memory, not time: the machine's load does not change the figures. Exit status 1 when the check fails.
 */
import * as fs from "fs";
import { parseArgs } from "util";
import { createTrainer, TrainerOptions, trainStepMemory } from "../lib/engine/run";
import { setThreads } from "../lib/engine/onnx/session";
import { HostTensor } from "../lib/engine/ops";
import { BertModel } from "../lib/models/bert";
import { FINETUNE_ADAMW } from "../lib/training/adamw";
import { SequenceClassifier } from "../lib/finetuning/classifier";
import { applyStrategy, parseStrategy } from "../lib/finetuning/strategies";
import { accountMemory, RssPeak } from "../lib/finetuning/memory";

const MB = 1024 * 1024;

function rss(): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]) * 1024;
  } catch {
    /* not Linux */
  }
  return process.memoryUsage.rss();
}

async function settle(): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 50));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      batch: { type: "string", default: "8" },
      seq: { type: "string", default: "64" },
      rank: { type: "string", default: "8" },
      steps: { type: "string", default: "3" },
      threads: { type: "string", default: "2" },
      json: { type: "string" },
    },
  });
  const B = Number(values.batch);
  const T = Number(values.seq);
  const steps = Number(values.steps);
  const strategy = `lora:${values.rank}`;
  setThreads(Number(values.threads));

  await settle();
  const base = rss();
  // BERT-base (Devlin et al. 2019, Table 1 / Google's bert_config.json for uncased_L-12_H-768_A-12).
  const bert = new BertModel({ vocab_size: 30522, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072, max_position_embeddings: 512, type_vocab_size: 2 }, { heads: { pooler: true, mlm: false, nsp: false }, seed: 1 });
  const clf = new SequenceClassifier(bert, null as never, { labelNames: ["neg", "pos"], seed: 1 });
  applyStrategy(clf, parseStrategy(strategy), 1);
  const counts = clf.countParams();
  await settle();
  const built = rss();

  const { key, fn } = clf.modelFn("loss");
  const { hooks, hooksKey } = clf.hooks();
  const options: TrainerOptions = { key, fn, params: clf.params, lossOutput: "loss", optimizer: FINETUNE_ADAMW, hooks, hooksKey, dropout: true, seed: 1 };
  const trainer = createTrainer("onnx", options);
  const ids = new Int32Array(B * T);
  for (let i = 0; i < ids.length; i++) ids[i] = 1000 + ((i * 7919) % 20000);
  const inputs: Record<string, HostTensor> = {
    inputIds: { data: ids, shape: [B, T] },
    attentionMask: { data: new Int32Array(B * T).fill(1), shape: [B, T] },
    tokenTypeIds: { data: new Int32Array(B * T), shape: [B, T] },
    labels: { data: Int32Array.from({ length: B }, (_, i) => i % 2), shape: [B] },
  };
  const kept = trainStepMemory(options, inputs); // counted from the step's graph (built here, before measuring)
  await settle();
  const peak = new RssPeak();
  const losses: number[] = [];
  const perStep: number[] = []; // each step's own peak resident size (the first compiles the graph)
  let measured = peak.stop();
  for (let s = 0; s < steps; s++) {
    const one = new RssPeak();
    const r = await trainer.step(inputs, 1e-3);
    losses.push(r.metrics.loss);
    const m = one.stop();
    perStep.push((m.processBytes ?? 0) - base);
    if ((m.processBytes ?? 0) > (measured.processBytes ?? 0)) measured = m;
  }
  trainer.dispose();

  const acc = accountMemory(strategy, { total: counts.total, trainable: counts.trainable }, { hidden: 768, intermediate: 3072, heads: 12, layers: 12, batch: B, seqLen: T, trainSize: 0 });
  const outputs = 3 * 4 * counts.trainable; // the step graph's new p, m, v (ONNX Runtime hands back fresh arrays)
  const state = acc.gradients + acc.moments + outputs;
  const activations = kept.savedBytes + kept.maskBytes;
  const expected = acc.weights + state + activations;
  const grew = (measured.processBytes ?? 0) - base;
  const ratio = grew / expected;
  const rows = [
    ["process before the model (Node, ONNX Runtime)", base],
    ["model built: resident growth", built - base],
    ["  weights, every parameter once (4 B each)", acc.weights],
    ["trainable state: gradient, AdamW m and v, new p/m/v", state],
    ["activations the backward pass reads (from the graph)", kept.savedBytes],
    ["dropout masks fed with the batch", kept.maskBytes],
    ["  (for comparison: Korthikanti et al.'s per-layer estimate)", acc.activations],
    ["expected: weights + state + activations", expected],
    ["measured: peak resident − before the model", grew],
  ] as const;
  console.log(`LoRA (${strategy}) on a BERT-base-sized model, ONNX engine, batch ${B} × ${T} tokens, ${steps} steps; ${counts.total.toLocaleString("en")} parameters, ${counts.trainable.toLocaleString("en")} trainable`);
  console.log(`losses: ${losses.map((l) => l.toFixed(4)).join(", ")}; peak measured by ${measured.method}; each step's peak − before the model: ${perStep.map((x) => (x / MB).toFixed(0)).join(", ")} MiB`);
  for (const [k, v] of rows) console.log(`${k.padEnd(56)} ${(v / MB).toFixed(1).padStart(9)} MiB`);
  const ok = ratio <= 1.25;
  console.log(`measured / expected = ${ratio.toFixed(3)} (limit 1.25: ${ok ? "within" : "over"}); one more copy of the frozen weights would add ${((acc.weights / expected) * 100).toFixed(0)}%`);
  if (values.json) fs.writeFileSync(values.json, JSON.stringify({ strategy, batch: B, seq: T, steps, total: counts.total, trainable: counts.trainable, base, built, weights: acc.weights, state, activations, savedTensors: kept.saved, estimate: acc.activations, expected, grew, ratio, method: measured.method, perStep, losses }, null, 2) + "\n");
  clf.dispose();
  if (!ok) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
