/**
 * The first things a newcomer tries with a BERT, from the command line: `course fill-mask` on the
 * course BERT (on both engines), and `course tokenize --json` fed to `course forward` (a file or
 * stdin), with clear messages for wrong input.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseTokenInput } from "../../lib/cli/token-input";

const ROOT = path.resolve(__dirname, "..", "..");
const COURSE = path.join(ROOT, "lib", "bin", "course.js");
const COURSE_BERT = path.join("models", "course-bert");

function course(args: string[], input?: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [COURSE, ...args], { cwd: ROOT, encoding: "utf8", input, env: { ...process.env, ...env } });
}

for (const engine of ["onnx", "tfjs"]) {
  test(`course fill-mask --model models/course-bert "the united [MASK] of america" prints "states" first (${engine})`, () => {
    const r = course(["fill-mask", "--model", COURSE_BERT, "the united [MASK] of america", "--engine", engine]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.equal(lines.length, 5, "top 5 by default");
    assert.match(lines[0], /^states\s+\d+\.\d%\s+the united states of america$/);
    const pcts = lines.map((l) => Number(/(\d+\.\d)%/.exec(l)![1]));
    assert.deepEqual([...pcts].sort((a, b) => b - a), pcts, "sorted by probability");
    assert.match(r.stderr, new RegExp(`engine: ${engine}`));
  });
}

test("course fill-mask: --json, two masks, and the messages for a text without [MASK] or no text", () => {
  const j = course(["fill-mask", "--model", COURSE_BERT, "--json", "--top-k", "2", "the [MASK] of the [MASK]"]);
  assert.equal(j.status, 0, j.stderr);
  const lists = JSON.parse(j.stdout) as { token: string; id: number; score: number; sequence: string }[][];
  assert.equal(lists.length, 2);
  for (const l of lists) {
    assert.equal(l.length, 2);
    assert.ok(l.every((c) => c.score > 0 && c.score <= 1 && typeof c.sequence === "string"));
  }
  const none = course(["fill-mask", "--model", COURSE_BERT, "no mask here"]);
  assert.notEqual(none.status, 0);
  assert.match(none.stderr, /has no \[MASK\] token: write \[MASK\] where/);
  const empty = course(["fill-mask", "--model", COURSE_BERT]);
  assert.notEqual(empty.status, 0);
  assert.match(empty.stderr, /give a text with \[MASK\]/);
});

test("course tokenize --json output goes into course forward --input-json, as a file and on stdin", () => {
  const t = course(["tokenize", "--model", COURSE_BERT, "--text", "the whale", "--pair", "call me ishmael", "--json"]);
  assert.equal(t.status, 0, t.stderr);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "course-tokens-"));
  const file = path.join(tmp, "tokens.json");
  fs.writeFileSync(file, t.stdout);
  const fromFile = course(["forward", "--model", COURSE_BERT, "--input-json", file, "--out", path.join(tmp, "a.json")]);
  assert.equal(fromFile.status, 0, fromFile.stderr);
  const fromStdin = course(["forward", "--model", COURSE_BERT, "--input-json", "-", "--out", path.join(tmp, "b.json")], t.stdout);
  assert.equal(fromStdin.status, 0, fromStdin.stderr);
  const a = JSON.parse(fs.readFileSync(path.join(tmp, "a.json"), "utf8"));
  const b = JSON.parse(fs.readFileSync(path.join(tmp, "b.json"), "utf8"));
  const n = JSON.parse(t.stdout).input_ids.length;
  assert.equal(a.last_hidden_state.length, 1, "one sequence = a batch of one");
  assert.equal(a.last_hidden_state[0].length, n);
  assert.deepEqual(a.nsp_logits, b.nsp_logits, "file and stdin give the same run");
  fs.rmSync(tmp, { recursive: true, force: true });
});

test("token input: a batch or one sequence; clear messages for anything else", () => {
  assert.deepEqual(parseTokenInput('{"input_ids": [2, 5, 3], "token_type_ids": [0, 0, 0]}', "x.json"), { input_ids: [[2, 5, 3]], token_type_ids: [[0, 0, 0]], attention_mask: undefined });
  assert.deepEqual(parseTokenInput('{"input_ids": [[2, 5, 3], [2, 6, 3]]}', "x.json").input_ids.length, 2);
  assert.throws(() => parseTokenInput("question,answer\nhi,there", "faq.csv"), /faq\.csv is not JSON .*course tokenize --json/);
  assert.throws(() => parseTokenInput('{"ids": [1]}', "x.json"), /must hold \{"input_ids": \[\.\.\.\]\}/);
  assert.throws(() => parseTokenInput('{"input_ids": [1, "a"]}', "x.json"), /"input_ids" must be a list of whole numbers/);
});

test("course cluster explains a wrong input format (the FAQ CSV itself) and takes --seed 0", () => {
  const csv = course(["cluster", "--input", path.join("datasets", "chatbot", "university-faq.csv")]);
  assert.notEqual(csv.status, 0);
  assert.match(csv.stderr, /looks like a CSV table \(first line: "question,answer/);
  assert.match(csv.stderr, /npx course embed --input datasets[\\/]chatbot[\\/]university-faq\.csv --out vectors\.json/);
  assert.doesNotMatch(csv.stderr, /written completely/);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "course-cluster-"));
  const emb = path.join(tmp, "v.json");
  const vectors = [[0, 0], [0, 0.1], [0.1, 0], [5, 5], [5, 5.1], [5.1, 5]];
  fs.writeFileSync(emb, JSON.stringify({ texts: vectors.map((_, i) => `t${i}`), vectors, labels: [0, 0, 0, 1, 1, 1] }));
  const r = course(["cluster", "--input", emb, "--seed", "0"]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).ari, 1);
  const bad = course(["cluster", "--input", emb, "--seed", "1.5"]);
  assert.match(bad.stderr, /--seed must be a whole number ≥ 0, got "1.5"/);
  fs.writeFileSync(path.join(tmp, "cut.json"), '{"texts": ["a"');
  assert.match(course(["cluster", "--input", path.join(tmp, "cut.json")]).stderr, /not valid JSON .*written completely/);
  fs.rmSync(tmp, { recursive: true, force: true });
});
