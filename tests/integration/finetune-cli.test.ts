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
