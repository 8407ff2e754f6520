/**
 * Every model kind through the one Hub client and the one cache, the way a student meets them:
 * `npx course download` for a BERT (safetensors), a sentence encoder and an LLM (ONNX, dtype chosen
 * from what the repo lists), `--all` for a workshop, then `course embed` / TransformersLM offline from
 * the same $HF_HOME/hub — against the local Hub-like server (hub-server.ts), nothing leaves 127.0.0.1.
 *
 * The encoder served as "Xenova/all-MiniLM-L6-v2" is tests/fixtures/hub-tiny-encoder (a tiny BERT
 * exported to ONNX by make_tiny_encoder.py, with PyTorch's mean-pooled vectors in reference.json); the
 * LLM served as "HuggingFaceTB/SmolLM2-135M-Instruct" is models/tiny-decoder, listed with the
 * ONNX variants SmolLM2's export lists (model, _fp16, _q4, _q4f16).
 */
import { test, before, after, beforeEach } from "node:test";
import * as assert from "node:assert/strict";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { settings } from "../../lib/env";
import { cachedModel, chooseDtype, ensureModel, NotCachedError, repoFolderName, selectOnnxFiles, HubError } from "../../lib/hub";
import { loadEncoder } from "../../lib/embeddings/encoders";
import { TransformersLM, howToGetModel, llmAvailability, causalLMFiles } from "../../lib/icl/transformers";
import { transformers } from "../../lib/transformers";
import { FakeHub, VALID_TOKEN } from "../unit/hub-server";

const ROOT = path.resolve(__dirname, "..", "..");
const COURSE = path.join(ROOT, "lib", "bin", "course.js");
const ENCODER = path.join(ROOT, "tests", "fixtures", "hub-tiny-encoder");
const DECODER = path.join(ROOT, "models", "tiny-decoder");
const BERT = path.join(ROOT, "tests", "fixtures", "tiny-bert-hf");
const ENC_REF = JSON.parse(fs.readFileSync(path.join(ENCODER, "reference.json"), "utf8")) as { sentences: string[]; input_ids: number[][]; vectors: number[][] };
const DEC_REF = JSON.parse(fs.readFileSync(path.join(DECODER, "reference.json"), "utf8")) as { prompt: string; instruct_greedy_text: string };

const read = (dir: string, files: string[]) => Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(dir, f))]));
let hub: FakeHub;
let tmp = "";
let hfHome = "";

function encoderFiles() {
  return {
    ...read(ENCODER, ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "onnx/model.onnx"]),
    // What the real repo lists besides: other dtypes (never fetched for fp32), docs.
    "onnx/model_quantized.onnx": "quantized weights: not needed for fp32",
    "onnx/model_fp16.onnx": "fp16 weights: not needed",
    "README.md": "# all-MiniLM-L6-v2",
    ".gitattributes": "*.onnx filter=lfs",
  };
}

function smolFiles() {
  const config = JSON.parse(fs.readFileSync(path.join(DECODER, "config.json"), "utf8"));
  delete config["transformers.js_config"]; // like SmolLM2's: no dtype named, so the listing decides
  const onnx = fs.readFileSync(path.join(DECODER, "onnx", "model.onnx"));
  return {
    ...read(DECODER, ["generation_config.json", "tokenizer.json", "tokenizer_config.json"]),
    "config.json": JSON.stringify(config),
    "onnx/model.onnx": onnx,
    "onnx/model_q4.onnx": onnx, // the fixture's fp32 graph under the q4 name: the test is about which file is fetched
    "onnx/model_fp16.onnx": "fp16 weights: not fetched",
    "onnx/model_q4f16.onnx": "q4f16 weights: not fetched",
  };
}

before(async () => {
  hub = await new FakeHub().start();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hub-models-"));
  hfHome = path.join(tmp, "hf");
  hub.addRepo("Xenova/all-MiniLM-L6-v2", encoderFiles());
  hub.addRepo("Xenova/all-mpnet-base-v2", encoderFiles());
  hub.addRepo("HuggingFaceTB/SmolLM2-135M-Instruct", smolFiles());
  hub.addRepo("onnx-community/Qwen2.5-0.5B-Instruct", { ...smolFiles(), "onnx/model_quantized.onnx": fs.readFileSync(path.join(DECODER, "onnx", "model.onnx")) });
  hub.addRepo("google-bert/bert-base-uncased", { ...read(BERT, ["config.json", "model.safetensors", "vocab.txt"]), "pytorch_model.bin": "not fetched", "tf_model.h5": "not fetched" });
  hub.renames.set("bert-base-uncased", "google-bert/bert-base-uncased");
  Object.assign(settings, {
    hfEndpoint: hub.endpoint,
    hfHome,
    hubCache: path.join(hfHome, "hub"),
    hfToken: null,
    hfTokenPath: path.join(hfHome, "token"),
    forcedOffline: false,
    proxy: { https: null, http: null, noProxy: null },
  });
});

after(async () => {
  await hub.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  hub.clearFaults();
  hub.requests.length = 0;
});

/** Runs the `course` command in a child process (asynchronously: the server lives in this one). */
function course(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = { ...process.env };
  for (const k of ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "COURSE_OFFLINE", "HF_HUB_CACHE", "HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"]) delete base[k];
  const child = spawn(process.execPath, [COURSE, ...args], {
    cwd: ROOT,
    env: { ...base, HF_ENDPOINT: hub.endpoint, HF_HOME: hfHome, COURSE_CACHE_DIR: path.join(tmp, "course-cache"), ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

function ok(r: { code: number; stdout: string; stderr: string }, what: string) {
  assert.equal(r.code, 0, `${what}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
}

const repoDir = (id: string) => path.join(hfHome, "hub", repoFolderName(id));

test("course download Xenova/all-MiniLM-L6-v2: Hub layout, fp32 weights only; then course embed with HF_HUB_OFFLINE=1", async () => {
  settings.hfToken = null;
  const r = await course(["download", "Xenova/all-MiniLM-L6-v2"], { HF_TOKEN: VALID_TOKEN });
  ok(r, "download");
  assert.match(r.stdout, /Xenova\/all-MiniLM-L6-v2 \(encoder, fp32\) is in the cache: .*models--Xenova--all-MiniLM-L6-v2\/snapshots\/[0-9a-f]{40}/);
  const sha = hub.repos.get("Xenova/all-MiniLM-L6-v2")!.sha;
  const snap = path.join(repoDir("Xenova/all-MiniLM-L6-v2"), "snapshots", sha);
  assert.equal(fs.readFileSync(path.join(repoDir("Xenova/all-MiniLM-L6-v2"), "refs", "main"), "utf8"), sha);
  const got = fs.readdirSync(snap, { recursive: true }).map(String).filter((f) => f !== "onnx").sort();
  assert.deepEqual(got, ["config.json", "onnx/model.onnx", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json"].map((f) => f.split("/").join(path.sep)));
  assert.ok(fs.lstatSync(path.join(snap, "onnx", "model.onnx")).isSymbolicLink());
  assert.equal(fs.readlinkSync(path.join(snap, "onnx", "model.onnx")).split(path.sep).join("/").slice(0, 15), "../../../blobs/");
  assert.ok(hub.requests.filter((q) => q.origin === "cdn").length >= 1 && hub.requests.filter((q) => q.origin === "cdn").every((q) => q.headers.authorization === undefined), "LFS from the second origin, never with the token");
  assert.ok(hub.requests.filter((q) => q.origin === "hub").every((q) => q.headers.authorization === `Bearer ${VALID_TOKEN}`));
  assert.ok(!fs.existsSync(path.join(hfHome, "transformers.js")), "no second (transformers.js) cache");

  // Offline now: the same command that loads the model reads the Hub cache, with no request at all.
  hub.requests.length = 0;
  const csv = path.join(tmp, "questions.csv");
  fs.writeFileSync(csv, `question,answer\n${ENC_REF.sentences.map((s) => `"${s}",a`).join("\n")}\n`);
  const out = path.join(tmp, "vectors.json");
  const e = await course(["embed", "--input", csv, "--model", "Xenova/all-MiniLM-L6-v2", "--out", out], { HF_HUB_OFFLINE: "1" });
  ok(e, "embed offline");
  assert.equal(hub.requests.length, 0, "offline: no request");
  const vectors = (JSON.parse(fs.readFileSync(out, "utf8")) as { vectors: number[][] }).vectors;
  assert.equal(vectors.length, ENC_REF.sentences.length);
  let maxErr = 0;
  vectors.forEach((row, i) => row.forEach((x, j) => (maxErr = Math.max(maxErr, Math.abs(x - ENC_REF.vectors[i][j])))));
  console.log(`# course embed (transformers.js, from the Hub cache, offline) vs PyTorch mean pooling: max |error| ${maxErr.toExponential(1)}`);
  assert.ok(maxErr < 1e-4, `vectors match PyTorch's (${maxErr})`);
});

test("a cached encoder loads while the Hub answers 503, with a one-line note; offline and not cached, the message names the command", async () => {
  hub.outage = 503;
  const notes: string[] = [];
  const origWrite = process.stderr.write.bind(process.stderr);
  (process.stderr as unknown as { write: (s: string) => boolean }).write = (s: string) => (notes.push(String(s)), true);
  let enc;
  try {
    enc = await loadEncoder("Xenova/all-MiniLM-L6-v2");
  } finally {
    (process.stderr as unknown as { write: typeof origWrite }).write = origWrite;
  }
  const v = await enc.embed(ENC_REF.sentences.slice(0, 2));
  enc.dispose();
  assert.ok(Math.abs(v[0][0] - ENC_REF.vectors[0][0]) < 1e-4);
  const lines = notes.join("").split("\n").filter((l) => l.startsWith("note:"));
  assert.equal(lines.length, 1, notes.join(""));
  assert.match(lines[0], /note: the Hub answered HTTP 503 .*using the cached copy of Xenova\/all-MiniLM-L6-v2 \(commit [0-9a-f]{7}\)/);

  settings.forcedOffline = true;
  try {
    await assert.rejects(loadEncoder("Xenova/all-mpnet-base-v2"), (err: Error) => {
      assert.ok(err instanceof NotCachedError, String(err));
      assert.match(err.message, /Run `npx course download Xenova\/all-mpnet-base-v2` on a connected machine/);
      return true;
    });
  } finally {
    settings.forcedOffline = false;
  }
});

test("course download of an LLM takes a dtype the repo lists (SmolLM2 lists model, _fp16, _q4, _q4f16: q4), and TransformersLM loads it offline", async () => {
  const r = await course(["download", "HuggingFaceTB/SmolLM2-135M-Instruct"]);
  ok(r, "download llm");
  assert.match(r.stdout, /\(llm, q4\) is in the cache/);
  const fetched = hub.requests.filter((q) => q.origin === "hub" && q.method === "HEAD").map((q) => decodeURIComponent(q.url).split("/resolve/")[1]?.split("/").slice(1).join("/")).filter(Boolean);
  assert.ok(fetched.includes("onnx/model_q4.onnx") && !fetched.some((f) => /model(_fp16|_q4f16)?\.onnx$/.test(f)), `only the q4 weights: ${fetched}`);
  hub.requests.length = 0;
  settings.forcedOffline = true;
  try {
    const a = await llmAvailability("HuggingFaceTB/SmolLM2-135M-Instruct");
    assert.equal(a.status, "cached");
    const lm = await TransformersLM.load("HuggingFaceTB/SmolLM2-135M-Instruct");
    assert.equal(lm.dtype, "q4");
    assert.equal(await lm.generate(DEC_REF.prompt, { maxNewTokens: 12, stop: "\n" }), DEC_REF.instruct_greedy_text.split("\n")[0]);
    await lm.dispose();
    assert.equal(hub.requests.length, 0);
    // Not cached and offline: the instructions name the one download command.
    const b = await llmAvailability("onnx-community/Qwen2.5-0.5B-Instruct");
    assert.equal(b.status, "unavailable");
    assert.match((b as { instructions: string }).instructions, /npx course download onnx-community\/Qwen2\.5-0\.5B-Instruct/);
    await assert.rejects(TransformersLM.load("onnx-community/Qwen2.5-0.5B-Instruct"), /npx course download onnx-community\/Qwen2\.5-0\.5B-Instruct/);
  } finally {
    settings.forcedOffline = false;
  }
  // Online, the in-process loader downloads through the same client: 8-bit first when the repo has it.
  const qwen = await ensureModel("onnx-community/Qwen2.5-0.5B-Instruct", { kind: "llm" });
  assert.equal(qwen.dtype, "q8");
  assert.ok(fs.existsSync(path.join(qwen.dir, "onnx", "model_quantized.onnx")));
  // A dtype the repo does not list is refused with the ones it does.
  await assert.rejects(course(["download", "HuggingFaceTB/SmolLM2-135M-Instruct", "--dtype", "q8"]).then((x) => (x.code === 0 ? x : Promise.reject(new Error(x.stderr)))), /has no onnx\/model_quantized\.onnx; it has the dtypes fp32, fp16, q4, q4f16/);
  assert.equal(howToGetModel("HuggingFaceTB/SmolLM2-135M-Instruct", "q4").includes("npx course download HuggingFaceTB/SmolLM2-135M-Instruct --dtype q4"), true);
});

test("course download bert-base-uncased (a renamed repo) fetches safetensors, not .bin/.h5; course forward reads it offline", async () => {
  const r = await course(["download", "bert-base-uncased"]);
  ok(r, "download bert");
  assert.match(r.stdout, /bert-base-uncased \(bert\) is in the cache: .*models--bert-base-uncased/);
  const snap = cachedModel("bert-base-uncased", "bert")!;
  assert.deepEqual(fs.readdirSync(snap.dir).sort(), ["config.json", "model.safetensors", "vocab.txt"]);
  const ids = path.join(tmp, "ids.json");
  fs.writeFileSync(ids, JSON.stringify({ input_ids: [[2, 41, 55, 3]] }));
  const f = await course(["forward", "--model", "bert-base-uncased", "--input-json", ids], { HF_HUB_OFFLINE: "1" });
  ok(f, "forward offline");
  // fill-mask reads the same cached BERT (tokenizer from the snapshot folder), offline.
  const m = await course(["fill-mask", "--model", "bert-base-uncased", "the [MASK] is here", "--json", "--top-k", "3"], { HF_HUB_OFFLINE: "1" });
  ok(m, "fill-mask offline");
  const lists = JSON.parse(m.stdout) as { token: string; score: number }[][];
  assert.equal(lists.length, 1);
  assert.equal(lists[0].length, 3);
  assert.ok(lists[0][0].score >= lists[0][1].score && lists[0][1].score >= lists[0][2].score, "candidates by probability");
});

test("course download --all fetches the course's whole list (what a workshop copies), and says how to copy it", async () => {
  const r = await course(["download", "--all"], { HF_TOKEN: VALID_TOKEN });
  ok(r, "download --all");
  const cdn = hub.requests.filter((q) => q.origin === "cdn");
  assert.ok(cdn.length >= 1 && cdn.every((q) => q.headers.authorization === undefined), "no request to the second origin carries Authorization");
  assert.match(r.stdout, /5 of 5 models in .*MB downloaded, .*MB already there\)/);
  assert.match(r.stdout, /copy .*hf to the same place on each .* HF_HUB_OFFLINE=1/);
  for (const [id, kind] of [["bert-base-uncased", "bert"], ["Xenova/all-MiniLM-L6-v2", "encoder"], ["Xenova/all-mpnet-base-v2", "encoder"], ["HuggingFaceTB/SmolLM2-135M-Instruct", "llm"], ["onnx-community/Qwen2.5-0.5B-Instruct", "llm"]] as const) {
    assert.ok(cachedModel(id, kind), `${id} complete in the cache`);
  }
  const again = await course(["download", "--all"], { HF_HUB_OFFLINE: "1" });
  assert.equal(again.code, 1);
  assert.match(again.stderr, /HF_HUB_OFFLINE .* is set, so the Hub is not contacted/);
  const list = await course(["download", "--list"]);
  ok(list, "--list");
  assert.equal(list.stdout.trim().split("\n").length, 5);
});

test("command-line errors a student meets: a typo, a gated repo, an interrupted download", async () => {
  const typo = await course(["download", "Xenova/all-MiniLM-L6-v3"]);
  assert.equal(typo.code, 1);
  assert.match(typo.stderr, /"Xenova\/all-MiniLM-L6-v3" was not found .*did you mean "Xenova\/all-MiniLM-L6-v2"\?/);
  hub.addRepo("meta-llama/Llama-3.2-1B-Instruct", smolFiles(), { gated: true });
  const gated = await course(["download", "meta-llama/Llama-3.2-1B-Instruct"]);
  assert.equal(gated.code, 1);
  assert.match(gated.stderr, /is a gated model.*accept them.*hf auth login/);
  hub.addRepo("course-test/big-llm", smolFiles());
  hub.cut = { match: /./, afterBytes: 4_000, times: 99 };
  const cut = await course(["download", "course-test/big-llm", "--kind", "llm"]);
  assert.equal(cut.code, 1);
  assert.match(cut.stderr, /stopped at .* run the same command again to resume/);
  hub.cut = null;
  const resumed = await course(["download", "course-test/big-llm", "--kind", "llm"]);
  ok(resumed, "resumed");
  assert.match(resumed.stderr, /\(resumed\)/);
});

test("the file lists match what transformers.js itself loads (ModelRegistry.get_pipeline_files)", async () => {
  const t = transformers() as unknown as { ModelRegistry: { get_pipeline_files(task: string, dir: string, o: Record<string, unknown>): Promise<string[]> } };
  const encFiles = Object.keys(encoderFiles());
  const ours = selectOnnxFiles("enc", "encoder", encFiles, chooseDtype("enc", "encoder", encFiles)).filter((f) => f !== "special_tokens_map.json");
  const theirs = await t.ModelRegistry.get_pipeline_files("feature-extraction", ENCODER, { dtype: "fp32", device: "cpu" });
  assert.deepEqual([...ours].sort(), [...theirs].sort());
  for (const dtype of ["fp32", "q4"]) {
    const listed = Object.keys(smolFiles());
    const mine = causalLMFiles(listed, dtype);
    const js = await t.ModelRegistry.get_pipeline_files("text-generation", DECODER, { dtype, device: "cpu" });
    assert.deepEqual([...mine].sort(), [...js].sort(), dtype);
  }
  assert.throws(() => chooseDtype("x", "llm", ["config.json", "model.onnx"]), (err: Error) => err instanceof HubError && /no ONNX weights under onnx\//.test(err.message));
});

test("a repo the course does not know: its kind from config.json and its files", async () => {
  hub.addRepo("someone/tiny-chat", smolFiles());
  hub.addRepo("someone/tiny-sentences", encoderFiles());
  hub.addRepo("someone/tiny-bert", read(BERT, ["config.json", "model.safetensors", "vocab.txt"]));
  const llm = await ensureModel("someone/tiny-chat");
  assert.deepEqual([llm.kind, llm.dtype], ["llm", "q4"]);
  const enc = await ensureModel("someone/tiny-sentences");
  assert.deepEqual([enc.kind, enc.dtype], ["encoder", "fp32"]);
  const bert = await ensureModel("someone/tiny-bert");
  assert.equal(bert.kind, "bert");
  // As a BERT, an ONNX-only repo says what it is and how to get it as an encoder.
  await assert.rejects(ensureModel("someone/tiny-sentences", { kind: "bert" }), /no safetensors weights.*It has ONNX weights: as a sentence encoder, `npx course download someone\/tiny-sentences --kind encoder`/);
});
