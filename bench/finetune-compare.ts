/**
 * The fine-tuning lab's full-mode measurement, outside the notebook: every strategy on the sentiment
 * split (and optionally the k-sweep and the chatbot task), ≥ 3 seeds, with the notebook's code
 * (lib/finetuning's compareStrategies). Prints a markdown table (mean ± std) and writes all runs as
 * JSON; the ratio column is each strategy's training time relative to feature-based (the reference
 * measured in the same run), and its accuracy margin over the majority-class baseline.
 *
 *   COURSE_MODEL_DIR=models/course-bert node --import tsx bench/finetune-compare.ts --out build/finetune-compare.json [--train-limit 800] [--epochs 2] [--seeds 1,2,3] [--sweep] [--chatbot]
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { initBackend } from "../lib/env";
import * as ft from "../lib/finetuning";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: "string", default: "build/finetune-compare.json" },
      "train-limit": { type: "string", default: "800" },
      epochs: { type: "string", default: "2" },
      seeds: { type: "string", default: "1,2,3" },
      strategies: { type: "string", default: "feature,full,partial:2,lora:8,bitfit" },
      sweep: { type: "boolean", default: false },
      chatbot: { type: "boolean", default: false },
      "chat-epochs": { type: "string", default: "5" },
    },
  });
  await initBackend();
  const base = ft.resolveBaseModel();
  const seeds = values.seeds!.split(",").map(Number);
  const strategies = values.strategies!.split(",");
  const epochs = Number(values.epochs);
  const record: Record<string, unknown> = { model: base.dir, started: new Date().toISOString(), epochs, seeds, trainLimit: Number(values["train-limit"]) };
  const save = () => {
    fs.mkdirSync(path.dirname(values.out!), { recursive: true });
    fs.writeFileSync(values.out!, JSON.stringify(record, null, 1));
  };
  const log = (r: ft.RunResult, i: number, n: number) => console.error(`[${i}/${n}] ${r.strategy} seed ${r.seed}: acc ${r.accuracy.toFixed(3)} f1 ${r.f1.toFixed(3)} ${r.seconds.toFixed(1)} s (cpu ${r.cpuSeconds.toFixed(1)} s) peak ${(r.peakBytes / 2 ** 20).toFixed(0)} MB`);
  const strip = (rows: ft.ComparisonRow[]) => rows.map((r) => ({ ...r, predictions: undefined }));

  const sentiment = ft.loadTask("sentiment");
  const split = ft.splitTask(sentiment, { seed: 42, trainLimit: Number(values["train-limit"]) });
  const baseline = ft.majorityBaseline(split.train.labels, split.test.labels);
  const mk = (labels: string[]) => (seed: number) => ft.loadBaseClassifier(base.dir, labels, { maxLength: 64, seed });
  const rows = await ft.compareStrategies({ base: mk(sentiment.labelNames), split, strategies, seeds, task: "sentiment", train: { epochs, batchSize: 16, evalsPerEpoch: 1 }, onRun: log });
  record.sentiment = { baseline, train: split.train.texts.length, test: split.test.texts.length, runs: strip(rows), summary: ft.summarize(rows) };
  save();
  printTable("sentiment", rows, baseline.accuracy);

  if (values.sweep) {
    const L = JSON.parse(fs.readFileSync(path.join(base.dir, "config.json"), "utf8")).num_hidden_layers as number;
    const sweep = await ft.compareStrategies({ base: mk(sentiment.labelNames), split, strategies: Array.from({ length: L + 1 }, (_, k) => `partial:${k}`), seeds: [seeds[0]], task: "sentiment", train: { epochs, batchSize: 16, evalsPerEpoch: 0 }, onRun: log });
    record.sweep = { runs: strip(sweep), summary: ft.summarize(sweep) };
    save();
    printTable("k-sweep (one seed)", sweep, baseline.accuracy);
  }
  if (values.chatbot) {
    const chatbot = ft.loadTask("chatbot");
    const chatSplit = ft.splitTask(chatbot, { seed: 42 });
    const cb = ft.majorityBaseline(chatSplit.train.labels, chatSplit.test.labels);
    const chat = await ft.compareStrategies({ base: mk(chatbot.labelNames), split: chatSplit, strategies, seeds, task: "chatbot", train: { epochs: Number(values["chat-epochs"]), batchSize: 16, evalsPerEpoch: 1 }, onRun: log });
    record.chatbot = { baseline: cb, runs: strip(chat), summary: ft.summarize(chat) };
    save();
    printTable("chatbot", chat, cb.accuracy);
  }
  record.finished = new Date().toISOString();
  save();
}

function printTable(title: string, rows: ft.ComparisonRow[], baseline: number): void {
  const s = ft.summarize(rows);
  const ref = s.find((r) => r.strategy === "feature")?.seconds;
  const pm = (m: number, d: number, n: number) => (n > 1 ? `${m.toFixed(3)} ± ${d.toFixed(3)}` : m.toFixed(3));
  console.log(`\n### ${title} (majority baseline ${baseline.toFixed(3)})\n`);
  console.log("| strategy | seeds | accuracy | macro-F1 | + points vs baseline | trainable | % of total | seconds (wall) | CPU s | × feature-based time | peak MB |");
  console.log("|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of s) {
    console.log(`| ${r.strategy} | ${r.runs} | ${pm(r.accuracy, r.accuracyStd, r.runs)} | ${pm(r.f1, r.f1Std, r.runs)} | ${(100 * (r.accuracy - baseline)).toFixed(1)} | ${r.trainableParams.toLocaleString("en")} | ${r.trainablePct < 1 ? r.trainablePct.toFixed(3) : r.trainablePct.toFixed(1)} | ${r.seconds.toFixed(1)} ± ${r.secondsStd.toFixed(1)} | ${r.cpuSeconds.toFixed(1)} | ${ref ? (r.seconds / ref).toFixed(1) : "-"} | ${r.peakMB.toFixed(0)} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
