/**
 * `course finetune`: fine-tune a BERT folder (or Hub id) on a task with one strategy, print a JSON
 * summary, and write the model (or adapter) so it loads back for prediction. Three tasks, one
 * training loop (lib/finetuning fineTune), one head module:
 *   --task sentence  one label per text (sentiment, chatbot intents, a CSV/JSON file)
 *   --task pair      one label per sentence pair, [CLS] A [SEP] B [SEP] with token types (FAQ paraphrases)
 *   --task token     one label per word (Brown POS, 12 universal tags), scored on each word's first WordPiece
 *   course finetune --model models/course-bert --data sentiment --strategy lora:8 --epochs 2 --out out/lora
 *   course finetune --task token --model models/course-bert --strategy full --epochs 1 --train-limit 2000 --out out/pos
 *   course finetune --predict out/lora --text "the food was great"
 *   course finetune --predict out/pos --text "the jury said it was fine"           (one tag per word)
 *   course finetune --predict out/para --text "how much is tuition" --pair "tuition fees?"
 * Both run on the course's engine (ONNX Runtime when it works here, else tfjs) or the one --engine names.
 */
import * as fs from "fs";
import * as path from "path";
import { Command, UsageError, num, str } from "../command";
import { engineFor } from "../../engine/select";
import { settings } from "../../env";
import { applyEngineOptions, ENGINE_OPTIONS, ENGINE_USAGE } from "../engine-option";
import { progress, Progress } from "../../viz/progress";
import { brownPosSplit, faqParaphrasePairs } from "../../data";
import { ClassifierTask, LabelledSet, STRATEGY_SYNTAX, Strategy, allLabels, argmaxRows, fineTune, loadBaseClassifier, loadFineTuned, loadTask, majorityBaseline, mostFrequentTagBaseline, parseStrategy, saveFineTuned, scoreTagger, scoredRows, splitTask, strategyName } from "../../finetuning";

export const TASKS = ["sentence", "pair", "token"] as const;
type CliTask = (typeof TASKS)[number];

export const command: Command = {
  name: "finetune",
  summary: "fine-tune BERT per sentence, sentence pair or token (sentiment, chatbot, FAQ paraphrases, Brown POS) with a strategy (feature, full, partial:K, lora:R, bitfit); JSON summary",
  usage: [
    "usage: course finetune [--task sentence|pair|token] --model DIR|HUB_ID [--data DATA] --strategy STRATEGY --epochs N [--seed S] --out DIR",
    "                       [--lr LR] [--batch B] [--max-length T] [--train-limit N] [--test-limit N] [--pooling pooler|cls] [--engine onnx|tfjs] [--threads N]",
    "       course finetune --predict DIR (--text TEXT ... [--pair TEXT ...] | --data DATA) [--base DIR] [--engine onnx|tfjs]",
    "",
    "  --task         sentence (default): one label per text; --data sentiment|chatbot|FILE",
    "                 pair: one label per sentence pair ([CLS] A [SEP] B [SEP], token types 0/1); --data faq-paraphrase",
    "                   (same intent or not; train and test on disjoint intents; --train-limit/--test-limit = pairs)",
    "                 token: one label per word (first WordPiece scored); --data brown-pos (12 universal tags;",
    "                   test documents: the Brown samples the course BERT did not see in pre-training;",
    "                   --train-limit/--test-limit = sentences)",
    `  --strategy     ${STRATEGY_SYNTAX}`,
    "                 feature: frozen BERT, cached features + logistic regression; full: every weight;",
    "                 partial:K: freeze embeddings + the first K layers; lora:R: rank-R LoRA on query/value;",
    "                 bitfit: biases only. The classification head always trains.",
    "  --data         a task, or a CSV/JSON file with text,label columns; split 80/20 stratified with --split-seed (42)",
    "  --out          full/partial/bitfit: a Hugging Face BertForSequenceClassification (sentence, pair)",
    "                 or BertForTokenClassification (token) folder;",
    "                 lora/feature: adapter_config.json + adapter_model.safetensors (the base model is referenced)",
    "  --predict      load a --out folder and print predictions as JSON lines",
    ENGINE_USAGE,
    "                  A model or adapter trained on one engine loads on the other.",
    "",
    "prints: {accuracy, f1, trainableParams, totalParams, seconds, ...} (held-out accuracy and macro-F1; token: per word,",
    "        with the per-tag F1 and the most-frequent-tag baseline)",
  ].join("\n"),
  options: {
    model: { type: "string" },
    data: { type: "string" },
    strategy: { type: "string" },
    epochs: { type: "string" },
    seed: { type: "string" },
    "split-seed": { type: "string" },
    out: { type: "string" },
    lr: { type: "string" },
    batch: { type: "string" },
    "max-length": { type: "string" },
    "train-limit": { type: "string" },
    "test-limit": { type: "string" },
    task: { type: "string" },
    pair: { type: "string", multiple: true },
    pooling: { type: "string" },
    predict: { type: "string" },
    base: { type: "string" },
    text: { type: "string", multiple: true },
    ...ENGINE_OPTIONS,
  },
  async run({ values }) {
    const predictDir = str(values, "predict");
    if (predictDir) return predict(predictDir, values);
    const model = str(values, "model") ?? settings.modelDir ?? undefined;
    const task = (str(values, "task") ?? "sentence") as CliTask;
    if (!TASKS.includes(task)) throw new UsageError(`--task must be one of ${TASKS.join(", ")}, got "${task}"`);
    const data = str(values, "data") ?? (task === "pair" ? "faq-paraphrase" : task === "token" ? "brown-pos" : undefined);
    const strategyArg = str(values, "strategy");
    const out = str(values, "out");
    if (!model) throw new UsageError("--model is required (a BERT folder such as models/course-bert, or a Hub id such as bert-base-uncased)");
    if (!data) throw new UsageError("--data is required: sentiment, chatbot, or a CSV/JSON file with text,label columns");
    if (!strategyArg) throw new UsageError(`--strategy is required: ${STRATEGY_SYNTAX}`);
    if (!out) throw new UsageError("--out DIR is required (where the fine-tuned model or adapter is written)");
    let strategy: Strategy;
    try {
      strategy = parseStrategy(strategyArg);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const epochs = num(values, "epochs", 3)!;
    const seed = intOpt(values, "seed", settings.seed);
    const pooling = str(values, "pooling");
    if (pooling && pooling !== "pooler" && pooling !== "cls") throw new UsageError(`--pooling must be pooler or cls, got "${pooling}"`);
    await applyEngineOptions(values);
    const engine = await engineFor();
    const prepared = prepareData(task, data, { splitSeed: intOpt(values, "split-seed", 42), trainLimit: num(values, "train-limit"), testLimit: num(values, "test-limit") });
    const split = prepared.split;
    const clf = await loadBaseClassifier(model, prepared.labelNames, { pooling: pooling as "pooler" | "cls" | undefined, maxLength: num(values, "max-length", task === "token" ? 128 : 64), seed, engine, task: classifierTask(task) });
    let bar: Progress | null = null;
    const r = await fineTune(clf, strategy, split, {
      epochs,
      seed,
      lr: num(values, "lr"),
      batchSize: num(values, "batch", 16),
      onStep: process.stderr.isTTY
        ? (s) => {
            bar ??= progress(s.totalSteps, `${strategyName(strategy)} (${engine})`);
            bar.tick({ loss: Number(s.loss.toFixed(4)) });
          }
        : undefined,
    });
    (bar as Progress | null)?.done();
    const saved = await saveFineTuned(clf, out, { strategy: r.strategy, baseModel: model, pairs: task === "pair" });
    clf.dispose();
    const baseline = majorityBaseline(allLabels(split.train), allLabels(split.test));
    const tagging =
      task === "token" && "words" in split.train && "words" in split.test
        ? (() => {
            const mft = mostFrequentTagBaseline(split.train, split.test, prepared.labelNames);
            const mine = scoreTagger(r.predictions, r.gold ?? [], prepared.labelNames);
            const f1 = (x: { perTag: { tag: string; f1: number }[] }) => Object.fromEntries(x.perTag.map((p) => [p.tag, round(p.f1)]));
            return { perTagF1: f1(mine), mostFrequentTagBaseline: round(mft.accuracy), mostFrequentTagPerTagF1: f1(mft), testWords: r.predictions.length };
          })()
        : {};
    const summary = {
      accuracy: round(r.accuracy),
      f1: round(r.f1),
      trainableParams: r.trainableParams,
      totalParams: r.totalParams,
      seconds: round(r.seconds, 2),
      strategy: r.strategy,
      engine: r.engine,
      examplesPerSecond: round(r.examplesPerSecond, 1),
      tokensPerSecond: round(r.tokensPerSecond, 0),
      trainablePercent: round(100 * r.trainableFraction, 4),
      cpuSeconds: round(r.cpuSeconds, 2),
      peakMB: round(r.peakBytes / 2 ** 20, 1),
      peakMethod: r.peakMethod,
      ...(r.peakProcessBytes !== null ? { peakProcessMB: round(r.peakProcessBytes / 2 ** 20, 1) } : {}),
      steps: r.steps,
      epochs,
      seed,
      task,
      data: prepared.name,
      train: "words" in split.train ? split.train.words.length : split.train.texts.length,
      test: "words" in split.test ? split.test.words.length : split.test.texts.length,
      majorityBaseline: round(baseline.accuracy),
      ...tagging,
      out: path.resolve(out),
      layout: saved.layout,
      savedBytes: saved.bytes,
    };
    fs.writeFileSync(path.join(out, "finetune_result.json"), JSON.stringify({ ...summary, curve: r.curve, evals: r.evals }, null, 2) + "\n");
    console.log(JSON.stringify(summary));
    return 0;
  },
};

/** The task's data, split: sentence tasks as before; pairs from the FAQ (disjoint intents); Brown POS by document. */
function prepareData(task: CliTask, data: string, o: { splitSeed: number; trainLimit?: number; testLimit?: number }): { name: string; labelNames: string[]; split: { train: LabelledSet; test: LabelledSet } } {
  if (task === "token") {
    if (data !== "brown-pos") throw new UsageError(`--task token reads --data brown-pos (the only tagged data the course ships), got "${data}"`);
    const s = brownPosSplit({ trainSentences: o.trainLimit, testSentences: o.testLimit, seed: o.splitSeed });
    return { name: "brown-pos", labelNames: s.labelNames, split: { train: s.train, test: s.test } };
  }
  if (task === "pair") {
    if (data !== "faq-paraphrase") throw new UsageError(`--task pair reads --data faq-paraphrase (question pairs from the FAQ), got "${data}"`);
    const s = faqParaphrasePairs({ seed: o.splitSeed, trainPairs: o.trainLimit, testPairs: o.testLimit });
    return { name: "faq-paraphrase", labelNames: s.labelNames, split: { train: s.train, test: s.test } };
  }
  const t = loadTask(data);
  const s = splitTask(t, { seed: o.splitSeed, trainLimit: o.trainLimit, testLimit: o.testLimit });
  return { name: t.name, labelNames: t.labelNames, split: s };
}

function classifierTask(task: CliTask): ClassifierTask {
  return task === "token" ? "token" : "sentence";
}

async function predict(dir: string, values: Record<string, unknown>): Promise<number> {
  const texts = (values.text as string[] | undefined) ?? [];
  const pairs = (values.pair as string[] | undefined) ?? [];
  const data = str(values, "data");
  if (!texts.length && !data) throw new UsageError("--predict needs --text TEXT (repeatable) or --data");
  if (pairs.length && pairs.length !== texts.length) throw new UsageError(`--pair: ${pairs.length} second sentences for ${texts.length} --text; give one --pair per --text`);
  await applyEngineOptions(values);
  const clf = await loadFineTuned(dir, { base: str(values, "base"), engine: await engineFor() });
  const C = clf.numLabels;
  if (clf.task === "token") {
    const sentences = texts.length ? texts.map((t) => t.split(/\s+/).filter(Boolean)) : brownPosSplit({ testSentences: 20 }).test.words;
    const set = { words: sentences, tags: sentences.map((w) => w.map(() => 0)) };
    const enc = clf.encodeSet(set);
    const pred = argmaxRows(await clf.probabilities(enc), C);
    const rows = scoredRows(enc, set).rows;
    let k = 0;
    for (const words of sentences) console.log(JSON.stringify({ words, tags: words.map(() => clf.labelNames[pred[rows[k++]]]) }));
    clf.dispose();
    return 0;
  }
  let first = texts;
  let second: string[] | undefined = pairs.length ? pairs : undefined;
  if (!texts.length) {
    if (data === "faq-paraphrase") ({ texts: first, pairs: second } = faqParaphrasePairs().test);
    else first = loadTask(data!).texts;
  }
  const probs = await clf.probabilities(clf.encode(first, second));
  const labels = argmaxRows(probs, C);
  first.forEach((text, i) => console.log(JSON.stringify({ text, ...(second ? { pair: second[i] } : {}), label: clf.labelNames[labels[i]], index: labels[i], prob: round(probs[i * C + labels[i]]) })));
  clf.dispose();
  return 0;
}

function intOpt(values: Record<string, unknown>, key: string, dflt: number): number {
  const v = values[key];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (typeof v !== "string" || !Number.isInteger(n)) throw new UsageError(`--${key} must be an integer, got "${String(v)}"`);
  return n;
}

function round(x: number, d = 4): number {
  return Number(x.toFixed(d));
}
