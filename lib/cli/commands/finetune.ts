/**
 * `course finetune`: fine-tune a BERT folder (or Hub id) on a classification task with one strategy,
 * print a JSON summary, and write the model (or adapter) so it loads back for prediction:
 *   course finetune --model models/course-bert --data sentiment --strategy lora:8 --epochs 2 --out out/lora
 *   course finetune --predict out/lora --text "the food was great"
 * Both run on the course's engine (ONNX Runtime when it works here, else tfjs) or the one --engine names.
 */
import * as fs from "fs";
import * as path from "path";
import { Command, UsageError, num, str } from "../command";
import { engineFor } from "../../engine/select";
import { settings } from "../../env";
import { applyEngineOptions, ENGINE_OPTIONS, ENGINE_USAGE } from "../engine-option";
import { progress, Progress } from "../../viz/progress";
import { STRATEGY_SYNTAX, Strategy, fineTune, loadBaseClassifier, loadFineTuned, loadTask, majorityBaseline, parseStrategy, saveFineTuned, splitTask, strategyName } from "../../finetuning";

export const command: Command = {
  name: "finetune",
  summary: "fine-tune BERT on sentiment / chatbot / a file with a strategy (feature, full, partial:K, lora:R, bitfit); JSON summary",
  usage: [
    "usage: course finetune --model DIR|HUB_ID --data sentiment|chatbot|FILE --strategy STRATEGY --epochs N [--seed S] --out DIR",
    "                       [--lr LR] [--batch B] [--max-length T] [--train-limit N] [--pooling pooler|cls] [--engine onnx|tfjs] [--threads N]",
    "       course finetune --predict DIR (--text TEXT ... | --data sentiment|chatbot|FILE) [--base DIR] [--engine onnx|tfjs]",
    "",
    `  --strategy     ${STRATEGY_SYNTAX}`,
    "                 feature: frozen BERT, cached features + logistic regression; full: every weight;",
    "                 partial:K: freeze embeddings + the first K layers; lora:R: rank-R LoRA on query/value;",
    "                 bitfit: biases only. The classification head always trains.",
    "  --data         a task, or a CSV/JSON file with text,label columns; split 80/20 stratified with --split-seed (42)",
    "  --out          full/partial/bitfit: a Hugging Face BertForSequenceClassification folder;",
    "                 lora/feature: adapter_config.json + adapter_model.safetensors (the base model is referenced)",
    "  --predict      load a --out folder and print predictions as JSON lines",
    ENGINE_USAGE,
    "                  A model or adapter trained on one engine loads on the other.",
    "",
    "prints: {accuracy, f1, trainableParams, totalParams, seconds, ...} (held-out accuracy and macro-F1)",
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
    const data = str(values, "data");
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
    const task = loadTask(data);
    const split = splitTask(task, { seed: intOpt(values, "split-seed", 42), trainLimit: num(values, "train-limit") });
    const clf = await loadBaseClassifier(model, task.labelNames, { pooling: pooling as "pooler" | "cls" | undefined, maxLength: num(values, "max-length", 64), seed, engine });
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
    const saved = await saveFineTuned(clf, out, { strategy: r.strategy, baseModel: model });
    clf.dispose();
    const baseline = majorityBaseline(split.train.labels, split.test.labels);
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
      task: task.name,
      train: split.train.texts.length,
      test: split.test.texts.length,
      majorityBaseline: round(baseline.accuracy),
      out: path.resolve(out),
      layout: saved.layout,
      savedBytes: saved.bytes,
    };
    fs.writeFileSync(path.join(out, "finetune_result.json"), JSON.stringify({ ...summary, curve: r.curve, evals: r.evals }, null, 2) + "\n");
    console.log(JSON.stringify(summary));
    return 0;
  },
};

async function predict(dir: string, values: Record<string, unknown>): Promise<number> {
  const texts = (values.text as string[] | undefined) ?? [];
  const data = str(values, "data");
  if (!texts.length && !data) throw new UsageError("--predict needs --text TEXT (repeatable) or --data");
  await applyEngineOptions(values);
  const clf = await loadFineTuned(dir, { base: str(values, "base"), engine: await engineFor() });
  const inputs = texts.length ? texts : loadTask(data!).texts;
  const p = await clf.predict(inputs);
  const C = clf.numLabels;
  inputs.forEach((text, i) => console.log(JSON.stringify({ text, label: p.names[i], index: p.labels[i], prob: round(p.probs[i * C + p.labels[i]]) })));
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
