/**
 * The real-LLM code path, offline: models/tiny-decoder is a tiny Llama-style causal LM in the
 * Hub layout (ONNX with past_key_values, byte-level BPE tokenizer.json, a ChatML chat template),
 * built by make_tiny_decoder.py with PyTorch, which also wrote reference.json. transformers.js must
 * load it through TransformersLM exactly as it loads SmolLM2 / Qwen2.5, and reproduce PyTorch's
 * log-probabilities, greedy instruct continuation and chat reply.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TransformersLM, llmAvailability, howToGetModel, causalLMFiles, cachedCausalLM, evaluateIcl, translateTask, TRANSLATE_EXAMPLE, toChat, buildPrompt } from "../../lib/icl";
import { settings } from "../../lib/env";

const FIXTURE = path.resolve(__dirname, "..", "..", "models", "tiny-decoder");
const REF = JSON.parse(fs.readFileSync(path.join(FIXTURE, "reference.json"), "utf8")) as {
  prompt: string;
  input_ids: number[];
  instruct_greedy_ids: number[];
  instruct_greedy_text: string;
  chat_prompt: string;
  chat_greedy_ids: number[];
  chat_greedy_text: string;
  candidates: string[];
  candidate_logprobs: number[];
  last_logits_first8: number[];
};

let lm: TransformersLM;

test("the tiny Hub-layout decoder loads offline through transformers.js", async () => {
  const sizes = ["onnx/model.onnx", "tokenizer.json", "config.json", "tokenizer_config.json", "generation_config.json"].map((f) => fs.statSync(path.join(FIXTURE, f)).size);
  assert.ok(sizes.reduce((a, b) => a + b, 0) < 2_000_000, "fixture stays under 2 MB");
  lm = await TransformersLM.load(FIXTURE);
  assert.equal(lm.dtype, "fp32");
  assert.deepEqual(lm.encode(REF.prompt), REF.input_ids, "tokenizer.json reproduces the byte-level ids");
});

test("logits and candidate log-probabilities match PyTorch", async () => {
  const { data, T, V } = await lm.logits(REF.input_ids);
  for (let v = 0; v < 8; v++) assert.ok(Math.abs(data[(T - 1) * V + v] - REF.last_logits_first8[v]) < 1e-3, `logit ${v}`);
  const lp = await lm.scoreContinuations(REF.prompt, REF.candidates);
  lp.forEach((x, i) => assert.ok(Math.abs(x - REF.candidate_logprobs[i]) < 1e-3, `${REF.candidates[i]}: ${x} vs ${REF.candidate_logprobs[i]}`));
});

test("completion mode: greedy generation (with the KV cache) equals PyTorch's", async () => {
  const ids = await lm.generateIds(REF.input_ids, REF.instruct_greedy_ids.length);
  assert.deepEqual(ids, REF.instruct_greedy_ids);
  const text = await lm.generate(REF.prompt, { maxNewTokens: 12, stop: "\n" });
  console.log(`# tiny decoder: ${JSON.stringify(REF.prompt.split("\n").pop())} →${JSON.stringify(text)}`);
  assert.equal(text, REF.instruct_greedy_text.split("\n")[0]);
});

test("chat mode: the chat template renders ChatML and the reply equals PyTorch's", async () => {
  const prompt = lm.chatPrompt([{ role: "system", content: "Translate English to French." }, { role: "user", content: "cheese" }]);
  assert.equal(prompt, REF.chat_prompt);
  const reply = await lm.chat([{ role: "system", content: "Translate English to French." }, { role: "user", content: "cheese" }], { maxNewTokens: 12 });
  console.log(`# tiny decoder chat: cheese → ${JSON.stringify(reply)}`);
  assert.equal(reply, REF.chat_greedy_text.trim());
  // multi-turn: few-shot examples as earlier turns
  const multi = lm.chatPrompt(toChat(TRANSLATE_EXAMPLE));
  assert.equal((multi.match(/<\|im_start\|>user/g) ?? []).length, 4);
  assert.ok(multi.endsWith("<|im_start|>user\ncheese<|im_end|>\n<|im_start|>assistant\n"));
});

test("the evaluation harness runs on the transformers.js model (translate task, label scoring)", async () => {
  const r = await evaluateIcl(lm, translateTask(), { shots: [0, 2], trials: 2, testSize: 4 });
  assert.equal(r.byShots.length, 2);
  for (const s of r.byShots) assert.ok(s.mean >= 0 && s.mean <= 1);
  assert.ok(r.examplePrompts[2].startsWith("Translate English to French:\n"));
  assert.equal(buildPrompt(TRANSLATE_EXAMPLE).split("\n").length, 5);
  await lm.dispose();
});

test("a model that is not cached, offline: unavailable, with instructions to download it", async () => {
  const saved = { ...settings };
  settings.forcedOffline = true;
  settings.hubCache = fs.mkdtempSync(path.join(os.tmpdir(), "hub-"));
  try {
    const a = await llmAvailability("HuggingFaceTB/SmolLM2-135M-Instruct");
    assert.equal(a.status, "unavailable");
    assert.match((a as { instructions: string }).instructions, /npx course download HuggingFaceTB\/SmolLM2-135M-Instruct\n/);
    assert.equal(cachedCausalLM("HuggingFaceTB/SmolLM2-135M-Instruct"), null);
    await assert.rejects(TransformersLM.load("HuggingFaceTB/SmolLM2-135M-Instruct"), /is not cached in .* offline.*npx course download HuggingFaceTB\/SmolLM2-135M-Instruct`/);
    assert.match(howToGetModel("onnx-community/Qwen2.5-0.5B-Instruct", "q4"), /--dtype q4/);
    // A cached snapshot in the Hub layout is found without the network.
    const snap = path.join(settings.hubCache, "models--org--tiny", "snapshots", "abc123");
    fs.mkdirSync(path.join(snap, "onnx"), { recursive: true });
    for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json", "onnx/model.onnx"]) fs.copyFileSync(path.join(FIXTURE, f), path.join(snap, f));
    fs.mkdirSync(path.join(settings.hubCache, "models--org--tiny", "refs"), { recursive: true });
    fs.writeFileSync(path.join(settings.hubCache, "models--org--tiny", "refs", "main"), "abc123");
    assert.equal(cachedCausalLM("org/tiny", "fp32"), snap);
    assert.equal(cachedCausalLM("org/tiny"), snap, "no dtype asked: the config's transformers.js_config.dtype (fp32) is cached");
    assert.equal(cachedCausalLM("org/tiny", "q4"), null);
    const cached = await TransformersLM.load("org/tiny", { dtype: "fp32" });
    assert.equal(await cached.generate(REF.prompt, { maxNewTokens: 12, stop: "\n" }), REF.instruct_greedy_text.split("\n")[0]);
    await cached.dispose();
  } finally {
    Object.assign(settings, saved);
  }
});

test("file selection for ONNX repos: config, tokenizer, the dtype's model and its external data; the default dtype is one the repo lists", () => {
  const files = ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx", "onnx/model_quantized.onnx", "onnx/model_q4.onnx", "onnx/model.onnx_data", "README.md"];
  assert.deepEqual(causalLMFiles(files, "q8"), ["config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json", "onnx/model_quantized.onnx"]);
  assert.deepEqual(causalLMFiles(files, "fp32").slice(-2), ["onnx/model.onnx", "onnx/model.onnx_data"]);
  assert.throws(() => causalLMFiles(files, "fp16"), /has no onnx\/model_fp16.onnx; it has the dtypes fp32, q8, q4/);
  // No dtype asked: 8-bit when listed; SmolLM2-135M-Instruct's export (model, _fp16, _q4, _q4f16) gets q4.
  assert.ok(causalLMFiles(files).includes("onnx/model_quantized.onnx"));
  const smol = ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx", "onnx/model_fp16.onnx", "onnx/model_q4.onnx", "onnx/model_q4f16.onnx"];
  assert.deepEqual(causalLMFiles(smol).slice(-1), ["onnx/model_q4.onnx"]);
  assert.throws(() => causalLMFiles(files, "fp8"), /unknown dtype/);
});
