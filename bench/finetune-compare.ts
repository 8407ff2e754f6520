/**
 * The fine-tuning lab's measurement, outside the notebook: strategies on the sentiment split (and
 * optionally the k-sweep and the chatbot task), over seeds, with the notebook's code
 * (lib/finetuning's compareStrategies), on one or both engines. Prints markdown tables (mean ± std)
 * and writes all runs as JSON.
 *
 * Ratios are measured in the same run: each strategy's training time relative to feature-based,
 * its accuracy margin over the majority-class baseline, and — with two engines — the onnx / tfjs
 * speed ratio of each strategy (examples per second of training). Engines take turns strategy by
 * strategy, so a change in the machine's load affects both alike.
 *
 *   COURSE_MODEL_DIR=models/course-bert node --import tsx bench/finetune-compare.ts --out build/finetune-compare.json \
 *       [--train-limit N (0: all)] [--epochs 3] [--seeds 1,2,3] [--engines onnx,tfjs] [--sweep] [--chatbot]
 *   node --import tsx bench/finetune-compare.ts --fast --engines onnx,tfjs      # the notebook's fast-mode budget, every strategy
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { engineFor } from "../lib/engine/select";
import { EngineChoice, ENGINE_ORDER } from "../lib/env";
import { initBackend } from "../lib/engine/tfjs/backend";
import * as ft from "../lib/finetuning";

/** The notebook's fast-mode budget (notebooks/02-finetuning.ipynb, SIZES.fast). */
const FAST = { trainLimit: "320", testLimit: "200", epochs: "2", seeds: "1", strategies: "feature,full,partial:2,lora:8,bitfit" };

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: "string", default: "build/finetune-compare.json" },
      fast: { type: "boolean", default: false },
      "train-limit": { type: "string" },
      "test-limit": { type: "string" },
      epochs: { type: "string" },
      seeds: { type: "string" },
      strategies: { type: "string" },
      engines: { type: "string" },
      batch: { type: "string", default: "16" },
      sweep: { type: "boolean", default: false },
      chatbot: { type: "boolean", default: false },
      "chat-epochs": { type: "string", default: "5" },
    },
  });
  const preset = values.fast ? FAST : { trainLimit: "0", testLimit: "0", epochs: "3", seeds: "1,2,3", strategies: "feature,full,partial:2,lora:8,bitfit" };
  const trainLimit = Number(values["train-limit"] ?? preset.trainLimit);
  const testLimit = Number(values["test-limit"] ?? preset.testLimit);
  const epochs = Number(values.epochs ?? preset.epochs);
  const seeds = (values.seeds ?? preset.seeds).split(",").map(Number);
  const strategies = (values.strategies ?? preset.strategies).split(",");
  const batchSize = Number(values.batch);
  await initBackend();
  const engines = values.engines ? values.engines.split(",").map((e) => e.trim() as EngineChoice) : [await engineFor()];
  for (const e of engines) if (!ENGINE_ORDER.includes(e)) throw new Error(`--engines: "${e}" is not an engine (${ENGINE_ORDER.join(", ")})`);
  const base = ft.resolveBaseModel();
  if (base.note) console.error(`NOTE: ${base.note}`);
  const record: Record<string, unknown> = { model: base.dir, started: new Date().toISOString(), engines, epochs, seeds, trainLimit, testLimit, batchSize };
  const save = () => {
    fs.mkdirSync(path.dirname(values.out!), { recursive: true });
    fs.writeFileSync(values.out!, JSON.stringify(record, null, 1));
  };
  const log = (r: ft.RunResult) =>
    console.error(`${r.engine} ${r.strategy} seed ${r.seed}: acc ${r.accuracy.toFixed(3)} f1 ${r.f1.toFixed(3)} ${r.seconds.toFixed(1)} s (cpu ${r.cpuSeconds.toFixed(1)} s, ${r.examplesPerSecond.toFixed(1)} examples/s, ${r.tokensPerSecond.toFixed(0)} tokens/s) peak ${(r.peakBytes / 2 ** 20).toFixed(0)} MB (${r.peakMethod})`);
  const strip = (rows: ft.ComparisonRow[]) => rows.map((r) => ({ ...r, predictions: undefined }));
  const mk = (labels: string[], engine: EngineChoice) => (seed: number) => ft.loadBaseClassifier(base.dir, labels, { maxLength: 64, seed, engine });
  /** Every strategy on every engine, engines taking turns. */
  const run = async (task: ft.ClassificationTask, split: ft.TaskSplit, strats: string[], seedList: number[], ep: number, evalsPerEpoch: number) => {
    const rows: ft.ComparisonRow[] = [];
    for (const s of strats) {
      for (const engine of engines) {
        rows.push(...(await ft.compareStrategies({ base: mk(task.labelNames, engine), split, strategies: [s], seeds: seedList, task: task.name, train: { epochs: ep, batchSize, evalsPerEpoch, engine }, onRun: log })));
      }
    }
    return rows;
  };

  const sentiment = ft.loadTask("sentiment");
  const split = ft.splitTask(sentiment, { seed: 42, trainLimit, testLimit: testLimit || undefined });
  const baseline = ft.majorityBaseline(split.train.labels, split.test.labels);
  const loraProbe = await ft.loadBaseClassifier(base.dir, sentiment.labelNames, { maxLength: 64 });
  ft.applyStrategy(loraProbe, ft.parseStrategy("lora:8"), 1);
  const lc = loraProbe.countParams();
  record.lora8 = { trainable: lc.trainable, total: lc.total, adapters: loraProbe.lora!.count(), base: lc.base, percentOfTotal: (100 * lc.trainable) / lc.total };
  loraProbe.dispose();
  console.log(`\nLoRA r=8 (query, value) on ${base.name}: ${lc.trainable.toLocaleString("en")} trainable of ${lc.total.toLocaleString("en")} (${((100 * lc.trainable) / lc.total).toFixed(3)}%; adapters alone ${((100 * (record.lora8 as { adapters: number }).adapters) / lc.base).toFixed(3)}% of BERT)`);

  const rows = await run(sentiment, split, strategies, seeds, epochs, values.fast ? 2 : 1);
  record.sentiment = { baseline, train: split.train.texts.length, test: split.test.texts.length, runs: strip(rows), summary: ft.summarize(rows) };
  save();
  printTable("sentiment", rows, baseline.accuracy);
  if (engines.length > 1) printSpeed(rows, engines);

  if (values.sweep) {
    const L = JSON.parse(fs.readFileSync(path.join(base.dir, "config.json"), "utf8")).num_hidden_layers as number;
    const sweep = await run(sentiment, split, Array.from({ length: L + 1 }, (_, k) => `partial:${k}`), [seeds[0]], epochs, 0);
    record.sweep = { runs: strip(sweep), summary: ft.summarize(sweep) };
    save();
    printTable("k-sweep (one seed)", sweep, baseline.accuracy);
  }
  if (values.chatbot) {
    const chatbot = ft.loadTask("chatbot");
    const chatSplit = ft.splitTask(chatbot, { seed: 42 });
    const cb = ft.majorityBaseline(chatSplit.train.labels, chatSplit.test.labels);
    const chat = await run(chatbot, chatSplit, strategies, seeds, Number(values["chat-epochs"]), 1);
    record.chatbot = { baseline: cb, runs: strip(chat), summary: ft.summarize(chat) };
    save();
    printTable("chatbot", chat, cb.accuracy);
  }
  record.finished = new Date().toISOString();
  save();
}

function printTable(title: string, rows: ft.ComparisonRow[], baseline: number): void {
  const s = ft.summarize(rows);
  const pm = (m: number, d: number, n: number) => (n > 1 ? `${m.toFixed(3)} ± ${d.toFixed(3)}` : m.toFixed(3));
  console.log(`\n### ${title} (majority baseline ${baseline.toFixed(3)})\n`);
  console.log("| engine | strategy | seeds | accuracy | macro-F1 | + points vs baseline | trainable | % of total | seconds (wall) | CPU s | examples/s | × feature-based time | peak MB (method) |");
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of s) {
    const ref = s.find((x) => x.strategy === "feature" && x.engine === r.engine)?.seconds;
    console.log(`| ${r.engine} | ${r.strategy} | ${r.runs} | ${pm(r.accuracy, r.accuracyStd, r.runs)} | ${pm(r.f1, r.f1Std, r.runs)} | ${(100 * (r.accuracy - baseline)).toFixed(1)} | ${r.trainableParams.toLocaleString("en")} | ${r.trainablePct < 1 ? r.trainablePct.toFixed(3) : r.trainablePct.toFixed(1)} | ${r.seconds.toFixed(1)} ± ${r.secondsStd.toFixed(1)} | ${r.cpuSeconds.toFixed(1)} | ${r.examplesPerSecond.toFixed(1)} | ${ref ? (r.seconds / ref).toFixed(1) : "-"} | ${r.peakMB.toFixed(0)} (${r.peakMethod}) |`);
  }
}

/** Training speed of each strategy on each engine, and the ratio to the last engine listed (tfjs by default). */
function printSpeed(rows: ft.ComparisonRow[], engines: EngineChoice[]): void {
  const s = ft.summarize(rows);
  const ref = engines[engines.length - 1];
  const others = engines.slice(0, -1);
  console.log(`\n### training speed by engine (ratio to ${ref}, same run; per CPU-second too, which a busy machine disturbs less than wall time)\n`);
  console.log(`| strategy | ${engines.map((e) => `${e} examples/s`).join(" | ")} | ${others.map((e) => `${e} / ${ref} (wall)`).join(" | ")} | ${engines.map((e) => `${e} examples per CPU-s`).join(" | ")} | ${others.map((e) => `${e} / ${ref} (CPU)`).join(" | ")} |`);
  console.log(`|---|${[...engines, ...others, ...engines, ...others].map(() => "---").join("|")}|`);
  for (const strategy of [...new Set(s.map((r) => r.strategy))]) {
    const row = (e: string) => s.find((r) => r.strategy === strategy && r.engine === e);
    const wall = (e: string) => row(e)?.examplesPerSecond ?? NaN;
    const cpu = (e: string) => { const r = rows.filter((x) => x.strategy === strategy && x.engine === e); return r.reduce((a, x) => a + x.examples, 0) / r.reduce((a, x) => a + x.cpuSeconds, 0); };
    console.log(`| ${strategy} | ${engines.map((e) => wall(e).toFixed(1)).join(" | ")} | ${others.map((e) => `${(wall(e) / wall(ref)).toFixed(1)}×`).join(" | ")} | ${engines.map((e) => cpu(e).toFixed(1)).join(" | ")} | ${others.map((e) => `${(cpu(e) / cpu(ref)).toFixed(1)}×`).join(" | ")} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
