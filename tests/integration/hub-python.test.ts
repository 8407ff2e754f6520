/**
 * One cache for Python and the course: Python's huggingface_hub reads what `course download` wrote
 * (offline), and the course reads what Python's snapshot_download wrote (offline), byte for byte.
 *
 * Needs a python3 with huggingface_hub (pip, or Debian's python3-huggingface-hub where the release
 * has it; Debian 12 does not). Without it the test is skipped, saying so. Python downloads from the
 * same local Hub-like server (hub-server.ts) as the course, so nothing leaves 127.0.0.1.
 */
import { test, before, after } from "node:test";
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { settings } from "../../lib/env";
import { ensureModel, cachedModel } from "../../lib/hub";
import { loadEncoder } from "../../lib/embeddings/encoders";
import { fromPretrained } from "../../lib/models/bert";
import { FakeHub, sha256, VALID_TOKEN } from "../unit/hub-server";

const ROOT = path.resolve(__dirname, "..", "..");
const ENCODER = path.join(ROOT, "tests", "fixtures", "hub-tiny-encoder");
const BERT = path.join(ROOT, "tests", "fixtures", "tiny-bert-hf");
const ENC_REF = JSON.parse(fs.readFileSync(path.join(ENCODER, "reference.json"), "utf8")) as { sentences: string[]; vectors: number[][] };
// COURSE_TEST_PYTHON: a python with huggingface_hub (a virtual environment, say); else the system's.
const PYTHON = process.env.COURSE_TEST_PYTHON || (fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
const probe = spawnSync(PYTHON, ["-c", "import huggingface_hub; print(huggingface_hub.__version__)"], { encoding: "utf8" });
const HF_VERSION = probe.status === 0 ? probe.stdout.trim() : null;
const skip = HF_VERSION ? false : `python3 has no huggingface_hub module (pip install huggingface_hub, or a Debian release with python3-huggingface-hub)`;

const read = (dir: string, files: string[]) => Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(dir, f))]));
let hub: FakeHub;
let tmp = "";

before(async () => {
  if (skip) return;
  hub = await new FakeHub().start();
  hub.addRepo("Xenova/all-MiniLM-L6-v2", { ...read(ENCODER, ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "onnx/model.onnx"]), "onnx/model_fp16.onnx": "not fetched" });
  hub.addRepo("course-test/tiny-bert", read(BERT, ["config.json", "model.safetensors", "vocab.txt"]));
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hub-python-"));
  Object.assign(settings, { hfEndpoint: hub.endpoint, hfToken: null, hfTokenPath: path.join(tmp, "none"), forcedOffline: false, proxy: { https: null, http: null, noProxy: null } });
});

after(async () => {
  if (skip) return;
  await hub.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function python(script: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = { ...process.env };
  for (const k of ["HF_TOKEN", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"]) delete base[k];
  const child = spawn(PYTHON, ["-c", script], { env: { ...base, HF_HUB_DISABLE_TELEMETRY: "1", HF_HUB_DISABLE_PROGRESS_BARS: "1", ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

const READ_OFFLINE = `
import hashlib, json, os
from huggingface_hub import hf_hub_download, snapshot_download
out = {}
for repo, files in [("Xenova/all-MiniLM-L6-v2", ["config.json", "tokenizer.json", "onnx/model.onnx"]), ("course-test/tiny-bert", ["config.json", "model.safetensors"])]:
    snap = snapshot_download(repo)
    out[repo] = {"snapshot": snap, "files": {f: hashlib.sha256(open(hf_hub_download(repo, f), "rb").read()).hexdigest() for f in files}}
print(json.dumps(out))
`;

test("Python's huggingface_hub reads the course's cache offline (HF_HUB_OFFLINE=1)", { skip }, async () => {
  const hfHome = path.join(tmp, "course-wrote");
  settings.hubCache = path.join(hfHome, "hub");
  const enc = await ensureModel("Xenova/all-MiniLM-L6-v2", { kind: "encoder" });
  const bert = await ensureModel("course-test/tiny-bert", { kind: "bert" });
  const r = await python(READ_OFFLINE, { HF_HOME: hfHome, HF_HUB_OFFLINE: "1" });
  assert.equal(r.code, 0, r.stderr);
  const got = JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, { snapshot: string; files: Record<string, string> }>;
  assert.equal(fs.realpathSync(got["Xenova/all-MiniLM-L6-v2"].snapshot), fs.realpathSync(enc.dir));
  assert.equal(fs.realpathSync(got["course-test/tiny-bert"].snapshot), fs.realpathSync(bert.dir));
  assert.equal(got["Xenova/all-MiniLM-L6-v2"].files["onnx/model.onnx"], sha256(fs.readFileSync(path.join(ENCODER, "onnx", "model.onnx"))));
  assert.equal(got["course-test/tiny-bert"].files["model.safetensors"], sha256(fs.readFileSync(path.join(BERT, "model.safetensors"))));
  console.log(`# huggingface_hub ${HF_VERSION} read the course's cache offline`);
});

test("the course reads what Python's snapshot_download wrote, offline", { skip }, async () => {
  const hfHome = path.join(tmp, "python-wrote");
  hub.requests.length = 0;
  const r = await python(
    `
from huggingface_hub import snapshot_download
print(snapshot_download("Xenova/all-MiniLM-L6-v2", allow_patterns=["*.json", "onnx/model.onnx"]))
print(snapshot_download("course-test/tiny-bert"))
`,
    { HF_HOME: hfHome, HF_ENDPOINT: hub.endpoint, HF_TOKEN: VALID_TOKEN, HF_HUB_DISABLE_XET: "1" },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.ok(hub.requests.filter((q) => q.origin === "cdn").every((q) => q.headers.authorization === undefined), "Python, too, sends no token to the CDN (the fake behaves like the Hub)");
  settings.hubCache = path.join(hfHome, "hub");
  settings.forcedOffline = true;
  try {
    assert.ok(cachedModel("Xenova/all-MiniLM-L6-v2", "encoder"), "a complete encoder snapshot");
    const enc = await loadEncoder("Xenova/all-MiniLM-L6-v2");
    const v = await enc.embed(ENC_REF.sentences);
    enc.dispose();
    let maxErr = 0;
    v.forEach((row, i) => row.forEach((x, j) => (maxErr = Math.max(maxErr, Math.abs(x - ENC_REF.vectors[i][j])))));
    assert.ok(maxErr < 1e-4, String(maxErr));
    const model = await fromPretrained("course-test/tiny-bert");
    assert.equal(model.config.hidden_size, 32);
    model.dispose();
  } finally {
    settings.forcedOffline = false;
  }
  console.log(`# the course read huggingface_hub ${HF_VERSION}'s cache offline`);
});
