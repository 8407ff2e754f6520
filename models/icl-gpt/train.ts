/**
 * Pre-trains the lab's small GPT on the synthetic in-context-learning task and writes the checkpoint
 * committed in this folder. Run from the repository root:
 *
 *   node --import tsx models/icl-gpt/train.ts [--steps 3000] [--batch 32] [--embd 64] [--layers 2] [--heads 4]
 *        [--lr 1e-3] [--out models/icl-gpt] [--engine onnx|tfjs] [--resume] [--bench]
 *
 * Training is lib/icl's `pretrainSynthetic` (lib/training's AdamW, schedule and loop, on the course's
 * engine; --engine chooses). --spec writes task-spec.json (vocabulary, sizes, fixed tasks) for the
 * PyTorch twin train_torch.py. --bench times training steps of this shape on each engine (or the one
 * given) and prints tokens/s and their ratio, to size a run before starting it. The log goes to stdout
 * and to <out>/train-log.jsonl; a checkpoint (weights, optimizer moments, step) is saved every 250 steps
 * and on Ctrl-C.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { EngineChoice } from "../../lib/env";
import { initBackend, tf } from "../../lib/engine/tfjs/backend";
import { initEngine, setEngine } from "../../lib/engine/select";
import { mulberry32 } from "../../lib/data/split";
import { ENGINES, EngineName, OptimizerState } from "../../lib/engine/run";
import { GPT } from "../../lib/models/gpt/model";
import { loadGpt, saveGpt, hashWeights } from "../../lib/models/gpt/checkpoint";
import { SyntheticVocab, trainingSequence, SYNTHETIC, fixedMappings } from "../../lib/icl/synthetic";
import { createGptTrainer, pretrainSynthetic, targetBatch } from "../../lib/icl/pretrain";
import { argmax } from "../../lib/icl/lm";
import { OPTIMIZER_FILE, optimizerStateBytes, readOptimizerState, writeAtomic } from "../../lib/training/checkpoint";

const { values } = parseArgs({
  options: {
    steps: { type: "string", default: "3000" },
    batch: { type: "string", default: "32" },
    embd: { type: "string", default: "64" },
    layers: { type: "string", default: "2" },
    heads: { type: "string", default: "4" },
    lr: { type: "string", default: "1e-3" },
    warmup: { type: "string", default: "100" },
    seed: { type: "string", default: "42" },
    out: { type: "string", default: "models/icl-gpt" },
    engine: { type: "string" },
    resume: { type: "boolean", default: false },
    bench: { type: "boolean", default: false },
    spec: { type: "boolean", default: false },
  },
});

/** j-shot accuracy on held-out new tasks, read off the training format (target j follows j examples). */
async function probe(model: GPT, vocab: SyntheticVocab, n = 256): Promise<number[]> {
  const rng = mulberry32(999);
  const seqs: { ids: number[]; targets: [number, number][] }[] = [];
  while (seqs.length < n) {
    const s = trainingSequence(vocab, rng, SYNTHETIC.trainExamples, false);
    if (vocab.tokens[s.ids[1]] === "task:new") seqs.push(s);
  }
  const at = seqs.flatMap((s, i) => s.targets.map(([pos]) => [i, pos] as [number, number]));
  const { logProbs } = await model.run(seqs.map((s) => s.ids), { at });
  const correct = new Array(SYNTHETIC.trainExamples).fill(0);
  let r = 0;
  for (const s of seqs) s.targets.forEach(([, y], j) => (correct[j] += argmax(logProbs[r++]) === y ? 1 : 0));
  return correct.map((c) => c / n);
}

/**
 * Tokens/s of training steps of this run's shape on each engine: a fresh model per engine from the
 * same seed, 2 warm-up steps each (graph compilation), then the engines take turns step by step on
 * the same batches, so a machine whose load changes during the measurement affects both alike.
 */
async function bench(engines: readonly EngineName[], cfg: { vocab_size: number; n_embd: number; n_layer: number; n_head: number }, batchSize: number, seed: number, steps = 12): Promise<Record<string, { mean: number; best: number }>> {
  const vocab = new SyntheticVocab();
  const rng = mulberry32(1);
  const batches = Array.from({ length: steps + 2 }, () => Array.from({ length: batchSize }, () => trainingSequence(vocab, rng)));
  const runs = await Promise.all(engines.map(async (engine) => {
    const model = new GPT(cfg, seed);
    return { engine, model, trainer: await createGptTrainer(model, { engine, seed }), tokens: 0, ms: 0, best: 0 };
  }));
  for (let i = 0; i < batches.length; i++) {
    const tokens = batches[i].reduce((k, b) => k + b.ids.length, 0);
    const line: string[] = [];
    for (const r of runs) {
      const t0 = Date.now();
      const out = await r.trainer.step(targetBatch(batches[i], SYNTHETIC.trainExamples), 1e-3);
      const dt = Date.now() - t0;
      if (i >= 2) {
        r.tokens += tokens;
        r.ms += dt;
        r.best = Math.max(r.best, tokens / (Math.max(1, dt) / 1000));
      }
      line.push(`${r.engine} ${String(dt).padStart(4)} ms (loss ${out.metrics.loss.toFixed(4)})`);
    }
    console.log(`step ${String(i).padStart(2)}${i < 2 ? " (warm-up)" : ""}: ${line.join(", ")}`);
  }
  const rates: Record<string, { mean: number; best: number }> = {};
  for (const r of runs) {
    r.trainer.dispose();
    const t0 = Date.now();
    await probe(r.model, vocab, 128);
    console.log(`${r.engine} probe (128 sequences, forward, first run compiles): ${Date.now() - t0} ms; numTensors ${tf().memory().numTensors}`);
    r.model.dispose();
    rates[r.engine] = { mean: r.tokens / (r.ms / 1000), best: r.best };
  }
  return rates;
}

async function main() {
  const rep = await initBackend();
  const engineArg = values.engine;
  if (engineArg && engineArg !== "onnx" && engineArg !== "tfjs") throw new Error(`--engine must be onnx or tfjs, got "${engineArg}"`);
  if (engineArg) setEngine(engineArg as EngineChoice);
  const vocab = new SyntheticVocab();
  const out = path.resolve(values.out!);
  if (values.spec) {
    // The task family as data, for the PyTorch twin (train_torch.py).
    const spec = { vocab: vocab.tokens, synthetic: SYNTHETIC, fixedMappings: fixedMappings(), mix: { new: 0.8, A: 0.1, B: 0.1 }, repeatFraction: SYNTHETIC.repeatFraction };
    fs.writeFileSync(path.join(out, "task-spec.json"), JSON.stringify(spec, null, 1) + "\n");
    console.log(`wrote ${path.join(out, "task-spec.json")}`);
    return;
  }
  const o = {
    steps: Number(values.steps),
    batchSize: Number(values.batch),
    lr: Number(values.lr),
    warmup: Number(values.warmup),
    seed: Number(values.seed),
  };
  const shape = { vocab_size: vocab.size, n_embd: Number(values.embd), n_layer: Number(values.layers), n_head: Number(values.heads) };
  if (values.bench) {
    console.log(`tfjs backend ${rep.chosen}; batch ${o.batchSize} × ${2 + 2 * SYNTHETIC.trainExamples} tokens; config ${JSON.stringify(shape)}`);
    const rates = await bench(engineArg ? [engineArg as EngineName] : ENGINES, shape, o.batchSize, o.seed);
    // The mean over the timed steps, and the fastest step (the least disturbed by other work on a shared machine).
    for (const [engine, r] of Object.entries(rates)) console.log(`${engine}: ${r.mean.toFixed(0)} tokens/s (fastest step ${r.best.toFixed(0)} tokens/s)`);
    if (rates.onnx && rates.tfjs) console.log(`onnx / tfjs: ${(rates.onnx.mean / rates.tfjs.mean).toFixed(2)}× (fastest steps: ${(rates.onnx.best / rates.tfjs.best).toFixed(2)}×)`);
    return;
  }
  let model: GPT;
  let startStep = 0;
  let optimizerState: OptimizerState | undefined;
  const statePath = path.join(out, "train-state.json");
  if (values.resume && fs.existsSync(statePath)) {
    model = loadGpt(out);
    const state = JSON.parse(fs.readFileSync(statePath, "utf8")) as { step: number; adamT?: number };
    startStep = state.step;
    if (fs.existsSync(path.join(out, OPTIMIZER_FILE))) optimizerState = { ...readOptimizerState(out), t: state.adamT ?? state.step };
    console.log(`resuming from step ${startStep}${optimizerState ? " with the optimizer's moments" : " (optimizer moments from zero; the warm-up covers that)"}`);
  } else {
    model = new GPT(shape, o.seed);
  }
  const engine = await initEngine();
  console.log(`engine ${engine.chosen} (${engine.attempts.find((a) => a.ok)?.reason ?? ""}); ${model.parameterCount} parameters; config ${JSON.stringify(model.config)}`);
  fs.mkdirSync(out, { recursive: true });
  const logPath = path.join(out, "train-log.jsonl");
  if (!values.resume) fs.writeFileSync(logPath, "");
  const save = async (step: number, optimizer: OptimizerState) => {
    const acc = await probe(model, vocab);
    const rec = { step, acc_by_k: acc.map((a) => +a.toFixed(3)), hash: hashWeights(model) };
    console.log(`checkpoint step ${step}: j-shot acc ${rec.acc_by_k.join(" ")}`);
    fs.appendFileSync(logPath, JSON.stringify({ kind: "checkpoint", ...rec }) + "\n");
    saveGpt(model, out, { trained_steps: String(step) });
    fs.writeFileSync(path.join(out, "vocab.json"), JSON.stringify(vocab.tokens, null, 0) + "\n");
    writeAtomic(path.join(out, OPTIMIZER_FILE), optimizerStateBytes(optimizer));
    writeAtomic(statePath, JSON.stringify({ step, adamT: optimizer.t, engine: engine.chosen, options: o }, null, 2) + "\n");
  };
  const res = await pretrainSynthetic(model, {
    ...o,
    startStep,
    optimizerState,
    logEvery: 50,
    checkpointEvery: 250,
    onCheckpoint: save,
    onLog: (i) => {
      const line = { kind: "log", step: i.step, loss: +i.loss.toFixed(4), lr: +i.lr.toExponential(2), tokens_per_s: Math.round(i.tokensPerSecond), seconds: Math.round(i.seconds) };
      console.log(JSON.stringify(line));
      fs.appendFileSync(logPath, JSON.stringify(line) + "\n");
    },
  });
  console.log(`${res.interrupted ? "interrupted" : "done"}: ${res.steps} steps in ${res.seconds.toFixed(0)} s (${res.tokensPerSecond.toFixed(0)} tokens/s on ${res.engine}), final loss ${res.finalLoss.toFixed(4)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
