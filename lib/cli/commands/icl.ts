/** `course icl`: zero/one/few-shot evaluation (accuracy vs k over trials) of the lab's GPT or a real LLM. */
import * as fs from "fs";
import * as path from "path";
import { Command, UsageError, num, str } from "../command";
import { engineReport } from "../../engine/select";
import { settings } from "../../env";
import { applyEngineOptions, ENGINE_OPTIONS, ENGINE_USAGE } from "../engine-option";

export const command: Command = {
  name: "icl",
  summary: "in-context learning: accuracy vs number of examples in the prompt (synthetic GPT or a real LLM)",
  usage: [
    "usage: course icl --model ID|DIR|synthetic --task synthetic|sentiment|translate --out FILE.json",
    "                  [--shots 0,1,2,4,8] [--trials 5] [--test 32] [--selection random|similar] [--seed 42] [--dtype q8]",
    "                  [--engine onnx|tfjs] [--threads N]",
    "       course icl --download ID [--dtype q8]",
    "",
    "  --model synthetic   the lab's pre-trained GPT (models/icl-gpt); its weight hash is checked before and after",
    "  --model ID          an ONNX causal LM from the Hub (e.g. HuggingFaceTB/SmolLM2-135M-Instruct), from $HF_HOME/hub,",
    "                      downloaded first when not cached and the Hub is reachable",
    "  --model DIR         a local folder in the Hub layout (config.json, tokenizer.json, onnx/model*.onnx)",
    "  --task synthetic    new random symbol → label mappings (chance 25%); synthetic-A / synthetic-B: the fixed tasks",
    "  --task sentiment    UCI review sentences → positive / negative (chance 50%)",
    "  --task translate    English → French words, scored over the word list",
    ENGINE_USAGE,
    "                  (the synthetic GPT; a Hub model runs on transformers.js's ONNX Runtime)",
    "  --download ID       only download the model into the cache (for use offline later)",
    "",
    "  e.g. course icl --model synthetic --task synthetic --shots 0,1,2,4,8 --trials 5 --out build/icl.json",
  ].join("\n"),
  options: {
    model: { type: "string" },
    task: { type: "string", default: "synthetic" },
    shots: { type: "string", default: "0,1,2,4,8" },
    trials: { type: "string" },
    test: { type: "string" },
    selection: { type: "string", default: "random" },
    seed: { type: "string" },
    dtype: { type: "string" },
    out: { type: "string" },
    download: { type: "string" },
    ...ENGINE_OPTIONS,
  },
  async run({ values }) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const icl = require("../../icl") as typeof import("../../icl");
    const download = str(values, "download");
    if (download) {
      if (settings.forcedOffline) {
        console.error("course icl --download: HF_HUB_OFFLINE / COURSE_OFFLINE is set, so the Hub is not contacted. Unset it, or download on a connected machine and copy the cache folder.");
        return 1;
      }
      const dir = await icl.downloadCausalLM(download, {
        dtype: str(values, "dtype"),
        onProgress: (p) => {
          if (p.state !== "progress") process.stderr.write(`${p.file.padEnd(36)} ${p.state} ${(p.total / 1e6).toFixed(1)} MB\n`);
        },
      });
      console.log(`${download} is in the cache: ${dir}`);
      return 0;
    }
    const modelArg = str(values, "model");
    if (!modelArg) throw new UsageError("which model? --model synthetic, a Hub id, or a folder");
    const out = str(values, "out");
    if (!out) throw new UsageError("where should the results go? --out FILE.json");
    const shots = str(values, "shots", "0,1,2,4,8")!.split(",").map((s) => {
      const k = Number(s.trim());
      if (!Number.isInteger(k) || k < 0) throw new UsageError(`--shots must be comma-separated whole numbers, got "${s}"`);
      return k;
    });
    const selection = str(values, "selection", "random");
    if (selection !== "random" && selection !== "similar") throw new UsageError(`--selection must be random or similar, got "${selection}"`);
    const taskName = str(values, "task", "synthetic")!;
    let task;
    try {
      task = icl.taskByName(taskName);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const trials = num(values, "trials", 5)!;
    const testSize = num(values, "test", 32)!;
    const seed = values.seed === undefined ? settings.seed : Number(values.seed);

    let lm: import("../../icl").LanguageModel;
    let weightsHash: (() => string) | undefined;
    let dispose = async () => {};
    let engineUsed: string | undefined;
    if (modelArg === "synthetic") {
      if (!taskName.startsWith("synthetic")) throw new UsageError(`the synthetic GPT only knows its symbol vocabulary; use --task synthetic (or a real LLM for ${taskName})`);
      const engineLine = await applyEngineOptions(values);
      engineUsed = engineReport()?.chosen;
      process.stderr.write(`${engineLine}\n`);
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { hashWeights } = require("../../models/gpt/checkpoint") as typeof import("../../models/gpt/checkpoint");
      const s = icl.loadIclGpt();
      lm = s;
      weightsHash = () => hashWeights(s.model);
      dispose = async () => s.model.dispose();
    } else {
      const t = await icl.TransformersLM.load(modelArg, { dtype: str(values, "dtype") });
      lm = t;
      dispose = () => t.dispose();
    }
    const result = await icl.evaluateIcl(lm, task, {
      shots,
      trials,
      testSize,
      seed,
      selection,
      weightsHash,
      onResult: (r) => process.stderr.write(`k=${r.k} trial ${r.trial}: ${(100 * r.accuracy).toFixed(1)}%\n`),
    });
    await dispose();
    console.log(icl.formatResult(result));
    if (result.weightsUnchanged !== undefined) console.log(`weights sha256 before ${result.hashBefore}\n               after  ${result.hashAfter} (${result.weightsUnchanged ? "identical" : "CHANGED"})`);
    fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(engineUsed ? { ...result, engine: engineUsed } : result, null, 2) + "\n");
    console.log(`wrote ${out}`);
    return 0;
  },
};
