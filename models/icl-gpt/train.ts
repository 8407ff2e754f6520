/**
 * Pre-trains the lab's small GPT on the synthetic in-context-learning task and writes the checkpoint
 * committed in this folder. Run from the repository root:
 *
 *   node --import tsx models/icl-gpt/train.ts [--steps 3000] [--batch 32] [--embd 64] [--layers 2] [--heads 4]
 *        [--lr 1e-3] [--out models/icl-gpt] [--resume] [--bench]
 *
 * --spec writes task-spec.json (vocabulary, sizes, fixed tasks) for the PyTorch twin train_torch.py.
 * --bench times 10 steps and prints tokens/s, to size a run before starting it. The log goes to
 * stdout and to <out>/train-log.jsonl; a checkpoint is saved every 250 steps.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { initBackend, tf } from "../../lib/env";
import { mulberry32 } from "../../lib/data/split";
import { GPT } from "../../lib/models/gpt/model";
import { loadGpt, saveGpt, hashWeights } from "../../lib/models/gpt/checkpoint";
import { SyntheticVocab, trainingSequence, SYNTHETIC, fixedMappings } from "../../lib/icl/synthetic";
import { pretrainSynthetic, trainStep } from "../../lib/icl/pretrain";

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
    resume: { type: "boolean", default: false },
    bench: { type: "boolean", default: false },
    spec: { type: "boolean", default: false },
  },
});

/** j-shot accuracy on held-out new tasks, read off the training format (target j follows j examples). */
function probe(model: GPT, vocab: SyntheticVocab, n = 256): number[] {
  const rng = mulberry32(999);
  const seqs: { ids: number[]; targets: [number, number][] }[] = [];
  while (seqs.length < n) {
    const s = trainingSequence(vocab, rng, SYNTHETIC.trainExamples, false);
    if (vocab.tokens[s.ids[1]] === "task:new") seqs.push(s);
  }
  const t = tf();
  const correct = new Array(SYNTHETIC.trainExamples).fill(0);
  for (let b = 0; b < n; b += 64) {
    const chunk = seqs.slice(b, b + 64);
    const out = model.forward(chunk.map((s) => s.ids));
    const pred = t.tidy(() => t.argMax(out.logits, -1).arraySync() as number[][]);
    out.logits.dispose();
    chunk.forEach((s, i) => s.targets.forEach(([pos, y], j) => (correct[j] += pred[i][pos] === y ? 1 : 0)));
  }
  return correct.map((c) => c / n);
}

async function main() {
  const rep = await initBackend();
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
  let model: GPT;
  let startStep = 0;
  const statePath = path.join(out, "train-state.json");
  if (values.resume && fs.existsSync(statePath)) {
    model = loadGpt(out);
    startStep = JSON.parse(fs.readFileSync(statePath, "utf8")).step;
    console.log(`resuming from step ${startStep}`);
  } else {
    model = new GPT({ vocab_size: vocab.size, n_embd: Number(values.embd), n_layer: Number(values.layers), n_head: Number(values.heads) }, o.seed);
  }
  console.log(`backend ${rep.chosen}; ${model.parameterCount} parameters; config ${JSON.stringify(model.config)}`);
  if (values.bench) {
    const rng = mulberry32(1);
    const opt = tf().train.adam(1e-3);
    for (let i = 0; i < 12; i++) {
      const t0 = Date.now();
      const batch = Array.from({ length: o.batchSize }, () => trainingSequence(vocab, rng));
      trainStep(model, opt, batch.map((b) => b.ids), batch.map((b) => b.targets));
      const ms = Date.now() - t0;
      if (i >= 2) console.log(`step ${i}: ${ms} ms, ${((o.batchSize * batch[0].ids.length) / (ms / 1000)).toFixed(0)} tokens/s`);
    }
    const t0 = Date.now();
    probe(model, vocab, 128);
    console.log(`probe (128 seqs forward): ${Date.now() - t0} ms; numTensors ${tf().memory().numTensors}`);
    return;
  }
  fs.mkdirSync(out, { recursive: true });
  const logPath = path.join(out, "train-log.jsonl");
  if (!values.resume) fs.writeFileSync(logPath, "");
  const save = (step: number) => {
    const acc = probe(model, vocab);
    const rec = { step, acc_by_k: acc.map((a) => +a.toFixed(3)), hash: hashWeights(model) };
    console.log(`checkpoint step ${step}: j-shot acc ${rec.acc_by_k.join(" ")}`);
    fs.appendFileSync(logPath, JSON.stringify({ kind: "checkpoint", ...rec }) + "\n");
    saveGpt(model, out, { trained_steps: String(step) });
    fs.writeFileSync(path.join(out, "vocab.json"), JSON.stringify(vocab.tokens, null, 0) + "\n");
    fs.writeFileSync(statePath, JSON.stringify({ step, options: o }, null, 2) + "\n");
  };
  const res = await pretrainSynthetic(model, {
    ...o,
    startStep,
    logEvery: 50,
    checkpointEvery: 250,
    onCheckpoint: save,
    onLog: (i) => {
      const line = { kind: "log", step: i.step, loss: +i.loss.toFixed(4), lr: +i.lr.toExponential(2), tokens_per_s: Math.round(i.tokensPerSecond), seconds: Math.round(i.seconds) };
      console.log(JSON.stringify(line));
      fs.appendFileSync(logPath, JSON.stringify(line) + "\n");
    },
  });
  console.log(`done: ${res.steps} steps in ${res.seconds.toFixed(0)} s, final loss ${res.finalLoss.toFixed(4)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
