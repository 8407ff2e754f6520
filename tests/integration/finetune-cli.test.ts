/** `course finetune`: JSON summary, --engine, the output folder loads back on the other engine (CLI --predict and in-process agree). */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend } from "../../lib/engine/tfjs/backend";
import { loadFineTuned, mulberry32 } from "../../lib/finetuning";

const ROOT = path.join(__dirname, "..", "..");
const FIXTURE = path.join(ROOT, "tests", "fixtures", "tiny-bert-hf");
let tmp = "";
let csv = "";

before(async () => {
  await initBackend();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ft-cli-"));
  csv = path.join(tmp, "toy.csv");
  const rng = mulberry32(1);
  const rows = ["text,label"];
  for (let i = 0; i < 60; i++) {
    const y = i % 2;
    const words = Array.from({ length: 4 + Math.floor(rng() * 5) }, () => `tok${rng() < 0.5 ? (y ? 5 : 50) + Math.floor(rng() * 16) : 25 + Math.floor(rng() * 20)}`);
    rows.push(`${words.join(" ")},${y ? "pos" : "neg"}`);
  }
  fs.writeFileSync(csv, rows.join("\n") + "\n");
});

function course(args: string[]): string {
  return execFileSync(process.execPath, [path.join(ROOT, "lib", "bin", "course.js"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, COURSE_CACHE_DIR: path.join(tmp, "cache"), COURSE_OFFLINE: "1" },
  });
}

for (const [strategy, engine, other] of [["full", "tfjs", "onnx"], ["lora:4", "onnx", "tfjs"]] as const) {
  test(`course finetune --strategy ${strategy} --engine ${engine}: JSON summary, and the output loads back for prediction on ${other}`, async () => {
    const out = path.join(tmp, strategy.replace(":", "-"));
    const line = course(["finetune", "--model", FIXTURE, "--data", csv, "--strategy", strategy, "--epochs", "2", "--seed", "3", "--lr", "0.003", "--engine", engine, "--out", out]).trim().split("\n").pop()!;
    const s = JSON.parse(line) as Record<string, number | string>;
    for (const k of ["accuracy", "f1", "trainableParams", "totalParams", "seconds", "examplesPerSecond", "peakMB"]) assert.equal(typeof s[k], "number", k);
    assert.equal(s.engine, engine);
    assert.ok((s.trainableParams as number) <= (s.totalParams as number));
    assert.equal(s.layout, strategy === "full" ? "model" : "adapter");
    const texts = ["tok5 tok6 tok7 tok30", "tok50 tok51 tok52"];
    const printed = course(["finetune", "--predict", out, "--engine", other, "--text", texts[0], "--text", texts[1]]).trim().split("\n").map((l) => JSON.parse(l) as { index: number; prob: number });
    const clf = await loadFineTuned(out, { engine });
    const p = await clf.predict(texts);
    assert.deepEqual(printed.map((x) => x.index), p.labels);
    printed.forEach((x, i) => assert.ok(Math.abs(x.prob - p.probs[i * 2 + p.labels[i]]) < 1e-4, "same probabilities on both engines"));
    clf.dispose();
  });
}

test("course finetune: an unknown --engine is a usage error (exit 2) naming the engines", () => {
  assert.throws(
    () => course(["finetune", "--model", FIXTURE, "--data", csv, "--strategy", "full", "--engine", "torch", "--out", path.join(tmp, "y")]),
    (e: { status: number; stderr: string }) => e.status === 2 && /onnx, tfjs/.test(e.stderr),
  );
});

test("course finetune: a bad strategy is a usage error (exit 2) that lists the strategies", () => {
  assert.throws(
    () => course(["finetune", "--model", FIXTURE, "--data", csv, "--strategy", "prefix", "--out", path.join(tmp, "x")]),
    (e: { status: number; stderr: string }) => e.status === 2 && /feature \| full \| partial:K/.test(e.stderr),
  );
});

/** Runs `course forward` on a folder and returns its JSON output. */
function forward(model: string, inputs: object): Record<string, unknown> {
  const inFile = path.join(tmp, `in-${Math.random().toString(36).slice(2)}.json`);
  const outFile = `${inFile}.out.json`;
  fs.writeFileSync(inFile, JSON.stringify(inputs));
  course(["forward", "--model", model, "--input-json", inFile, "--out", outFile]);
  return JSON.parse(fs.readFileSync(outFile, "utf8")) as Record<string, unknown>;
}

test("course finetune --task token (Brown POS): per-tag F1 and the most-frequent-tag baseline; a BertForTokenClassification folder that course forward and --predict load", async () => {
  const out = path.join(tmp, "pos");
  const line = course(["finetune", "--task", "token", "--model", FIXTURE, "--strategy", "full", "--epochs", "1", "--train-limit", "40", "--test-limit", "20", "--max-length", "64", "--engine", "onnx", "--out", out]).trim().split("\n").pop()!;
  const s = JSON.parse(line) as Record<string, unknown>;
  assert.equal(s.task, "token");
  assert.equal(s.data, "brown-pos");
  assert.equal(typeof s.mostFrequentTagBaseline, "number");
  assert.deepEqual(Object.keys(s.perTagF1 as object).sort(), ["NOUN", "VERB", "ADJ", "ADV", "PRON", "DET", "ADP", "NUM", "CONJ", "PRT", ".", "X"].sort());
  const cfg = JSON.parse(fs.readFileSync(path.join(out, "config.json"), "utf8"));
  assert.deepEqual(cfg.architectures, ["BertForTokenClassification"]);
  assert.equal(cfg.id2label["0"], "NOUN");
  const header = JSON.parse(fs.readFileSync(path.join(out, "model.safetensors")).subarray(8, 8 + fs.readFileSync(path.join(out, "model.safetensors")).readUInt32LE(0)).toString("utf8"));
  assert.ok(header["classifier.weight"] && !Object.keys(header).some((k) => k.startsWith("bert.pooler")), "Hugging Face's layout: classifier.*, no pooler");
  const ids = [[2, 17, 40, 3], [2, 33, 3, 0]];
  const f = forward(out, { input_ids: ids, attention_mask: [[1, 1, 1, 1], [1, 1, 1, 0]] });
  const logits = f.logits as number[][][];
  assert.equal(logits.length, 2);
  assert.equal(logits[0].length, 4);
  assert.equal(logits[0][0].length, 12);
  const clf = await loadFineTuned(out, { engine: "tfjs" });
  assert.equal(clf.task, "token");
  const printed = course(["finetune", "--predict", out, "--engine", "tfjs", "--text", "the jury said it was fine"]).trim();
  const p = JSON.parse(printed) as { words: string[]; tags: string[] };
  assert.equal(p.tags.length, 6);
  assert.ok(p.tags.every((t) => clf.labelNames.includes(t)));
  clf.dispose();
});

test("course finetune --task pair (FAQ paraphrases): token types end to end; model and adapter folders load with course forward", async () => {
  for (const strategy of ["full", "lora:4"]) {
    const out = path.join(tmp, `para-${strategy.replace(":", "-")}`);
    const line = course(["finetune", "--task", "pair", "--model", FIXTURE, "--strategy", strategy, "--epochs", "1", "--train-limit", "32", "--test-limit", "16", "--engine", "tfjs", "--out", out]).trim().split("\n").pop()!;
    const s = JSON.parse(line) as Record<string, unknown>;
    assert.equal(s.task, "pair");
    assert.equal(s.train, 32);
    const ids = [[2, 17, 40, 3, 23, 60, 3], [2, 33, 3, 70, 8, 3, 0]];
    const types = [[0, 0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 1, 1, 0]];
    const mask = [[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 0]];
    const f = forward(out, { input_ids: ids, token_type_ids: types, attention_mask: mask });
    const logits = f.logits as number[][];
    assert.deepEqual([logits.length, logits[0].length], [2, 2]);
    const clf = await loadFineTuned(out, { engine: "onnx" });
    const { runModel } = await import("../../lib/engine/run");
    const { key, fn } = clf.modelFn("predict");
    const { hooks, hooksKey } = clf.hooks();
    const flat = (x: number[][]) => Int32Array.from(x.flat());
    const mine = await runModel("onnx", { key, fn, params: clf.params, hooks, hooksKey, inputs: { inputIds: { data: flat(ids), shape: [2, 7] }, tokenTypeIds: { data: flat(types), shape: [2, 7] }, attentionMask: { data: flat(mask), shape: [2, 7] } }, outputs: ["logits"] });
    logits.flat().forEach((v, i) => assert.ok(Math.abs(v - mine.logits.data[i]) < 1e-4, `${strategy}: course forward's logits match the loaded classifier`));
    if (strategy === "full") assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, "config.json"), "utf8")).architectures, ["BertForSequenceClassification"]);
    const printed = JSON.parse(course(["finetune", "--predict", out, "--text", "how much is tuition", "--pair", "tuition fees?"]).trim()) as { label: string; pair: string };
    assert.ok(["different", "paraphrase"].includes(printed.label));
    clf.dispose();
  }
});
