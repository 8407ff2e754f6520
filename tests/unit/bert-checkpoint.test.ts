/**
 * Checkpoint io: the variants real Hugging Face BERT files have (built here from the fixture by
 * renaming and re-encoding its tensors) all load to the reference outputs; save → load is bit-exact;
 * missing / unexpected / mis-shaped tensors are reported by name.
 */
import { test, before, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend } from "../../lib/engine/tfjs/backend";
import { DType, RawTensor, TensorToWrite, loadBert, parseSafetensors, saveBert, serializeSafetensors, f16ToF32, f32ToF16, bf16ToF32, f32ToBf16 } from "../../lib/models/bert";
import { spawnSync } from "child_process";
import { FIXTURE, compareWithReference } from "./bert-reference";

const ATOL = 1e-4;
let tmp = "";
const original = parseSafetensors(new Uint8Array(fs.readFileSync(path.join(FIXTURE, "model.safetensors")))).tensors;

before(async () => {
  await initBackend();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bert-ckpt-"));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Writes a model folder: the fixture's config + the given tensors (optionally renamed / re-encoded / sharded). */
function variant(name: string, edit: (name: string, t: RawTensor) => [string, RawTensor] | null, opts: { dtype?: DType; shards?: number; extra?: TensorToWrite[] } = {}): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(FIXTURE, "config.json"), path.join(dir, "config.json"));
  const tensors: TensorToWrite[] = [...(opts.extra ?? [])];
  for (const [n, t] of original) {
    const r = edit(n, t);
    if (r) tensors.push({ name: r[0], shape: r[1].shape, data: r[1].data, dtype: opts.dtype ?? r[1].dtype });
  }
  if (!opts.shards) {
    fs.writeFileSync(path.join(dir, "model.safetensors"), serializeSafetensors(tensors));
  } else {
    const weightMap: Record<string, string> = {};
    const per = Math.ceil(tensors.length / opts.shards);
    for (let s = 0; s < opts.shards; s++) {
      const file = `model-0000${s + 1}-of-0000${opts.shards}.safetensors`;
      const part = tensors.slice(s * per, (s + 1) * per);
      part.forEach((t) => (weightMap[t.name] = file));
      fs.writeFileSync(path.join(dir, file), serializeSafetensors(part));
    }
    fs.writeFileSync(path.join(dir, "model.safetensors.index.json"), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
  }
  return dir;
}

function assertParity(errs: Record<string, number>, what: string, atol = ATOL) {
  for (const [k, e] of Object.entries(errs)) assert.ok(e < atol, `${what}: ${k} max abs error ${e}`);
}

test("bare BertModel names (no `bert.` prefix, no heads) load; encoder outputs and pooler match", async () => {
  const dir = variant("bare", (n, t) => (n.startsWith("cls.") ? null : [n.replace(/^bert\./, ""), t]));
  const model = await loadBert(dir);
  assert.deepEqual(model.loadReport.heads, { pooler: true, mlm: false, nsp: false });
  assert.deepEqual(model.loadReport.missing, []);
  assert.deepEqual(model.loadReport.unexpected, []);
  assert.equal(model.loadReport.renamed["embeddings.word_embeddings.weight"], "bert.embeddings.word_embeddings.weight");
  const errs = compareWithReference(model);
  assert.equal(errs.mlm_logits, undefined);
  assertParity(errs, "bare");
  model.dispose();
});

test("LayerNorm gamma/beta names, tied decoder weight absent, decoder.bias duplicate and position_ids buffer", async () => {
  const dir = variant(
    "gamma-beta",
    (n, t) => (n === "cls.predictions.decoder.weight" ? null : [n.replace(/LayerNorm\.weight$/, "LayerNorm.gamma").replace(/LayerNorm\.bias$/, "LayerNorm.beta"), t]),
    {
      extra: [
        { name: "bert.embeddings.position_ids", shape: [1, 64], data: Int32Array.from({ length: 64 }, (_, i) => i), dtype: "I64" },
        { name: "cls.predictions.decoder.bias", shape: [99], data: original.get("cls.predictions.bias")!.data },
      ],
    },
  );
  const model = await loadBert(dir);
  const r = model.loadReport;
  assert.deepEqual(r.missing, []);
  assert.deepEqual(r.unexpected, []);
  assert.equal(r.renamed["bert.encoder.layer.0.output.LayerNorm.gamma"], "bert.encoder.layer.0.output.LayerNorm.weight");
  assert.ok(r.ignored.includes("bert.embeddings.position_ids"));
  assert.deepEqual(r.heads, { pooler: true, mlm: true, nsp: true });
  assertParity(compareWithReference(model), "gamma/beta");
  model.dispose();
});

test("no `bert.` prefix with heads present (old conversions) and a missing pooler are handled", async () => {
  const dir = variant("noprefix-heads", (n, t) => [n.replace(/^bert\./, ""), t]);
  const model = await loadBert(dir);
  assert.deepEqual(model.loadReport.missing, []);
  assertParity(compareWithReference(model), "no prefix");
  model.dispose();
  // BertForMaskedLM: MLM head, no pooler, no NSP → built without them.
  const mlmOnly = variant("mlm-only", (n, t) => (n.startsWith("bert.pooler") || n.startsWith("cls.seq_relationship") ? null : [n, t]));
  const m2 = await loadBert(mlmOnly);
  assert.deepEqual(m2.loadReport.heads, { pooler: false, mlm: true, nsp: false });
  const errs = compareWithReference(m2);
  assert.equal(errs.pooler_output, undefined);
  assertParity(errs, "mlm-only");
  m2.dispose();
  // NSP head without pooler tensors: the pooler is missing (reported) and randomly initialised.
  const noPooler = variant("no-pooler", (n, t) => (n.startsWith("bert.pooler") ? null : [n, t]));
  const m3 = await loadBert(noPooler);
  assert.deepEqual(m3.loadReport.missing, ["bert.pooler.dense.weight", "bert.pooler.dense.bias"]);
  m3.dispose();
  await assert.rejects(loadBert(noPooler, { strict: true }), /lacks 2 parameter\(s\): bert\.pooler\.dense\.weight, bert\.pooler\.dense\.bias/);
});

test("F16 and BF16 storage decode exactly; outputs stay close to the float32 reference", async () => {
  for (const [dtype, enc, dec, atol] of [
    ["F16", f32ToF16, f16ToF32, 1e-2],
    ["BF16", f32ToBf16, bf16ToF32, 8e-2],
  ] as const) {
    const dir = variant(dtype, (n, t) => [n, t], { dtype });
    const model = await loadBert(dir);
    assert.deepEqual(model.loadReport.dtypes, { [dtype]: original.size });
    // Every loaded value is exactly the half-precision rounding of the original float32.
    const w = original.get("bert.encoder.layer.1.intermediate.dense.weight")!; // [37, 32] in the file
    const loaded = model.params.get("bert.encoder.layer.1.intermediate.dense.weight").arraySync() as number[][]; // [32, 37] in memory
    for (let o = 0; o < 37; o++) for (let i = 0; i < 32; i++) assert.equal(loaded[i][o], dec(enc(w.data[o * 32 + i])));
    assertParity(compareWithReference(model), dtype, atol);
    // Saving back in the same dtype reproduces the file's tensor bytes.
    const back = path.join(tmp, `${dtype}-resaved`);
    await saveBert(model, back, { dtype });
    const a = parseSafetensors(new Uint8Array(fs.readFileSync(path.join(dir, "model.safetensors")))).tensors;
    const b = parseSafetensors(new Uint8Array(fs.readFileSync(path.join(back, "model.safetensors")))).tensors;
    for (const [n, t] of b) assert.deepEqual(t.data, a.get(n)!.data, n);
    model.dispose();
  }
});

test("sharded checkpoints (model.safetensors.index.json) load", async () => {
  const dir = variant("sharded", (n, t) => [n, t], { shards: 3 });
  const model = await loadBert(dir);
  assert.equal(model.loadReport.files.length, 3);
  assertParity(compareWithReference(model), "sharded");
  model.dispose();
});

test("save → load is bit-exact (single file and sharded), and names/layout match Hugging Face", async () => {
  const model = await loadBert(FIXTURE);
  for (const [name, opts] of [["saved", {}], ["saved-sharded", { maxShardBytes: 30_000 }]] as const) {
    const dir = path.join(tmp, name);
    await saveBert(model, dir, opts);
    const again = await loadBert(dir);
    for (const n of model.params.names()) {
      const a = new Uint32Array(model.params.get(n).dataSync().buffer.slice(0));
      const b = new Uint32Array(again.params.get(n).dataSync().buffer.slice(0));
      assert.deepEqual(b, a, `${name}: ${n} bit-exact`);
    }
    again.dispose();
    assert.ok(fs.existsSync(path.join(dir, "vocab.txt")), "tokenizer files copied along");
  }
  // The single file has the checkpoint's names, shapes ([out, in]) and values, bit for bit (tied decoder omitted).
  const saved = parseSafetensors(new Uint8Array(fs.readFileSync(path.join(tmp, "saved", "model.safetensors")))).tensors;
  for (const [n, t] of original) {
    if (n === "cls.predictions.decoder.weight") continue;
    assert.deepEqual(saved.get(n)?.shape, t.shape, n);
    assert.deepEqual(new Uint32Array((saved.get(n)!.data as Float32Array).buffer), new Uint32Array((t.data as Float32Array).buffer), n);
  }
  assert.equal(saved.size, original.size - 1);
  const cfg = JSON.parse(fs.readFileSync(path.join(tmp, "saved", "config.json"), "utf8"));
  assert.deepEqual(cfg.architectures, ["BertForPreTraining"]);
  assert.equal(cfg.layer_norm_eps, 1e-12);
  model.dispose();
});

test("errors name the tensor: shape mismatch, unexpected tensors, missing files", async () => {
  const bad = variant("bad-shape", (n, t) => (n === "bert.encoder.layer.1.attention.self.key.weight" ? [n, { ...t, shape: [16, 64] }] : [n, t]));
  await assert.rejects(loadBert(bad), /shape mismatch for "bert\.encoder\.layer\.1\.attention\.self\.key\.weight": the checkpoint has \[16,64\], the model \(config\.json\) expects \[32,32\]/);
  const extra = variant("extra", (n, t) => [n, t], { extra: [{ name: "cls.extra_head.weight", shape: [2], data: new Float32Array(2) }] });
  const m = await loadBert(extra);
  assert.deepEqual(m.loadReport.unexpected, ["cls.extra_head.weight"]);
  m.dispose();
  const empty = path.join(tmp, "empty");
  fs.mkdirSync(empty);
  await assert.rejects(loadBert(empty), /has no config\.json/);
  fs.copyFileSync(path.join(FIXTURE, "config.json"), path.join(empty, "config.json"));
  fs.writeFileSync(path.join(empty, "pytorch_model.bin"), "");
  await assert.rejects(loadBert(empty), /no model\.safetensors .*pytorch_model\.bin/);
  const truncated = variant("truncated", (n, t) => [n, t]);
  const f = path.join(truncated, "model.safetensors");
  fs.writeFileSync(f, fs.readFileSync(f).subarray(0, 5000));
  await assert.rejects(loadBert(truncated), /truncated/);
});

test("`course forward` reproduces the reference outputs from the command line (this folder and a variant folder)", () => {
  const bare = variant("cli-gamma", (n, t) => (n === "cls.predictions.decoder.weight" ? null : [n.replace(/^bert\./, "").replace(/LayerNorm\.weight$/, "LayerNorm.gamma").replace(/LayerNorm\.bias$/, "LayerNorm.beta"), t]));
  for (const dir of [FIXTURE, bare]) {
    const out = path.join(tmp, "forward-out.json");
    const ref = path.join(FIXTURE, "reference_outputs.json");
    const r = spawnSync(process.execPath, [path.join(__dirname, "..", "..", "lib", "bin", "course.js"), "forward", "--model", dir, "--input-json", ref, "--out", out, "--attentions", "--compare", ref], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /mlm_logits +max \|Δ\| = [0-9.e-]+ ok/);
    assert.match(r.stdout, /attentions_layer0 +max \|Δ\| = [0-9.e-]+ ok/);
    const json = JSON.parse(fs.readFileSync(out, "utf8"));
    assert.deepEqual(Object.keys(json).sort(), ["attentions", "hidden_states", "last_hidden_state", "mlm_logits", "nsp_logits", "pooler_output"]);
  }
});

test("a bad config.json names the file and the field (or the line of a JSON syntax error)", async () => {
  const dir = path.join(tmp, "bad-config");
  fs.mkdirSync(dir);
  const good = JSON.parse(fs.readFileSync(path.join(FIXTURE, "config.json"), "utf8"));
  const write = (cfg: unknown) => fs.writeFileSync(path.join(dir, "config.json"), typeof cfg === "string" ? cfg : JSON.stringify(cfg, null, 2));
  write({ ...good, hidden_size: "32" });
  await assert.rejects(loadBert(dir), (e: Error) => e.message.includes(path.join(dir, "config.json")) && /field "hidden_size" must be a positive integer, got "32"/.test(e.message));
  write({ ...good, hidden_dropout_prob: 1.5 });
  await assert.rejects(loadBert(dir), /field "hidden_dropout_prob" must be a probability in \[0, 1\), got 1\.5/);
  write({ ...good, pad_token_id: good.vocab_size });
  await assert.rejects(loadBert(dir), /field "pad_token_id" must be an integer id in \[0, vocab_size/);
  write('{\n  "vocab_size": 100,\n  "hidden_size": 32,\n}\n');
  await assert.rejects(loadBert(dir), /config\.json, line 4: is not valid JSON at line 4, column 1/);
  write("[1, 2]");
  await assert.rejects(loadBert(dir), /expected a JSON object/);
});
