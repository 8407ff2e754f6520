/**
 * `course pretrain` end to end on a tiny corpus: a run killed after a checkpoint and resumed with
 * --resume ends with the same step count and the same data order (batch fingerprints) as an
 * uninterrupted run; the output is a Hugging Face checkpoint that loads (also via `course forward`).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawn, spawnSync } from "child_process";
import { loadCorpus } from "../../lib/data/corpus";

const ROOT = path.join(__dirname, "..", "..");
const CLI = path.join(ROOT, "lib", "bin", "course.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pretrain-resume-"));
const corpusFile = path.join(tmp, "corpus.txt");
fs.writeFileSync(corpusFile, loadCorpus("moby").slice(1, 9).map((d) => d.text.slice(0, 6000)).join("\n\n=====\n\n"));

const STEPS = 60;
const args = (out: string) => ["pretrain", "--corpus", corpusFile, "--config", "tiny", "--steps", String(STEPS), "--seq-len", "32", "--long-seq-len", "64", "--long-fraction", "0.2", "--batch", "4", "--vocab-size", "400", "--eval-every", "30", "--eval-batches", "1", "--save-every", "5", "--seed", "11", "--quiet", "--out", out];
const env = { ...process.env, COURSE_BACKEND: process.env.COURSE_BACKEND ?? "wasm" };
type Log = { steps: { step: number; hash: string; seqLen: number }[]; evals: unknown[]; segments: unknown[] };
const readLog = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, "training-log.json"), "utf8")) as Log;

test("killed mid-way + --resume = the same final step count and data order as an uninterrupted run", { timeout: 240_000 }, async () => {
  const a = path.join(tmp, "a");
  const r = spawnSync(process.execPath, [CLI, ...args(a)], { env, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const full = readLog(a);
  assert.equal(full.steps.length, STEPS);
  assert.ok(full.steps.some((s) => s.seqLen > 32), "the long phase ran");

  // The same run, killed (SIGKILL: no chance to clean up) as soon as its first checkpoint is on disk.
  const b = path.join(tmp, "b");
  const state = path.join(b, "checkpoint", "state.json");
  const child = spawn(process.execPath, [CLI, ...args(b)], { env, stdio: "ignore" });
  const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
  let killedAt = -1;
  while (child.exitCode === null) {
    if (fs.existsSync(state)) {
      const st = JSON.parse(fs.readFileSync(state, "utf8")) as { step: number };
      child.kill("SIGKILL");
      killedAt = st.step;
      break;
    }
    await new Promise((res) => setTimeout(res, 20));
  }
  await exited;
  assert.ok(killedAt > 0 && killedAt < STEPS, `killed after step ${killedAt} of ${STEPS}`);
  assert.ok(!fs.existsSync(path.join(b, "training-log.json")), "the killed run must not have finished");

  const r2 = spawnSync(process.execPath, [CLI, ...args(b), "--resume"], { env, encoding: "utf8" });
  assert.equal(r2.status, 0, r2.stderr + r2.stdout);
  const resumed = readLog(b);
  assert.equal(resumed.steps.length, STEPS, "final step count");
  assert.deepEqual(resumed.steps.map((s) => s.step), full.steps.map((s) => s.step));
  assert.deepEqual(resumed.steps.map((s) => s.hash), full.steps.map((s) => s.hash), "data order (batch fingerprints) differs");
  assert.ok(resumed.segments.length >= 2, "the log records both segments");
  // steps.jsonl, append-only: the steps the killed run did after its checkpoint were cut on resume and redone once.
  const lines = (dir: string) => fs.readFileSync(path.join(dir, "steps.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { step: number; hash: string });
  assert.deepEqual(lines(b).map((s) => s.step), full.steps.map((s) => s.step), "steps.jsonl holds every step once");
  assert.deepEqual(lines(b).map((s) => s.hash), lines(a).map((s) => s.hash));

  // The output is a Hugging Face checkpoint with its tokenizer, and `course forward` loads it.
  for (const f of ["config.json", "model.safetensors", "vocab.txt", "tokenizer.json"]) assert.ok(fs.existsSync(path.join(b, f)), f);
  const input = path.join(tmp, "input.json");
  fs.writeFileSync(input, JSON.stringify({ input_ids: [[2, 40, 41, 42, 4, 3]] }));
  const fwd = spawnSync(process.execPath, [CLI, "forward", "--model", b, "--input-json", input, "--out", path.join(tmp, "fwd.json")], { env, encoding: "utf8" });
  assert.equal(fwd.status, 0, fwd.stderr + fwd.stdout);
  const outJson = JSON.parse(fs.readFileSync(path.join(tmp, "fwd.json"), "utf8")) as Record<string, unknown>;
  assert.ok(outJson.mlm_logits && outJson.nsp_logits, "forward has the pre-training heads' outputs");
});
