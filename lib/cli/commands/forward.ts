/**
 * `course forward`: run a BERT folder (or Hub id) on given token ids and write every output as JSON.
 * A fine-tuned classifier folder (`course finetune --out`: BertForSequenceClassification,
 * BertForTokenClassification, or a LoRA / head adapter) loads with its head, and its task logits
 * come out as `logits` ([B, C] per text or pair, [B, T, C] per token).
 */
import * as fs from "fs";
import * as path from "path";
import { Command, UsageError, num, str } from "../command";
import { applyEngineOptions, ENGINE_OPTIONS, ENGINE_USAGE } from "../engine-option";
import { HostTensor } from "../../engine/ops";
import { runModel } from "../../engine/run";
import { readTokenInput } from "../token-input";
import { fromPretrained } from "../../models/bert";
import type { BertModel } from "../../models/bert";

type LoadReport = { missing: string[]; unexpected: string[]; warnings: string[] };
import { ADAPTER_CONFIG, loadFineTuned, SequenceClassifier } from "../../finetuning";

interface Inputs {
  input_ids: number[][];
  attention_mask?: number[][];
  token_type_ids?: number[][];
}

type Nested = number | Nested[];

export const command: Command = {
  name: "forward",
  summary: "run BERT on token ids from a JSON file: hidden states, pooler, attentions, MLM/NSP logits",
  usage: [
    "usage: course forward --model DIR|HUB_ID --input-json FILE [--out FILE] [--attentions] [--compare REF.json [--atol 1e-4]]",
    "",
    "  --input-json  {input_ids: [[...]], attention_mask?: [[...]], token_type_ids?: [[...]]}, or one sequence",
    "                {input_ids: [...], ...} as `course tokenize --json` prints; - reads stdin:",
    '                course tokenize --model DIR --text "…" --json | course forward --model DIR --input-json -',
    "  --out         write {hidden_states, last_hidden_state, pooler_output, attentions?, mlm_logits?, nsp_logits?, logits?}",
    "                (heads' outputs when the checkpoint has them; logits: a fine-tuned classifier's task head,",
    "                [B, C] for BertForSequenceClassification, [B, T, C] for BertForTokenClassification);",
    "                without --out, prints shapes only",
    "  --attentions  include every layer's attention probabilities [B, heads, T, T]",
    "  --compare     report the max abs difference to a reference JSON with the same keys",
    "                (attentions_layer0 = layer 0's attentions), on real tokens (attention_mask 1); fails above --atol",
    ENGINE_USAGE,
  ].join("\n"),
  options: {
    model: { type: "string" },
    "input-json": { type: "string" },
    out: { type: "string" },
    attentions: { type: "boolean" },
    compare: { type: "string" },
    atol: { type: "string" },
    ...ENGINE_OPTIONS,
  },
  async run({ values }) {
    const modelArg = str(values, "model");
    const inputFile = str(values, "input-json");
    if (!modelArg) throw new UsageError("--model is required (a Hugging Face model folder or Hub id)");
    if (!inputFile) throw new UsageError("--input-json is required");
    const atol = num(values, "atol", 1e-4)!;
    const inputs: Inputs = readTokenInput(inputFile); // a batch, or one sequence as `course tokenize --json` prints; "-" = stdin
    const engineLine = await applyEngineOptions(values);
    const clf = isClassifierFolder(modelArg) ? await loadFineTuned(modelArg) : null;
    const model: BertModel = clf ? clf.bert : await fromPretrained(modelArg);
    const r: LoadReport = (model as BertModel & { loadReport?: LoadReport }).loadReport ?? { missing: [], unexpected: [], warnings: [] };
    if (r.missing.length && !clf) console.error(`warning: the checkpoint lacks ${r.missing.length} parameter(s) (random): ${r.missing.join(", ")}`);
    const unexpected = r.unexpected.filter((n) => !(clf && /^(classifier\.|cls\.)/.test(n))); // a classifier reads its own head, not the pre-training heads
    if (unexpected.length) console.error(`warning: unused tensors in the checkpoint: ${unexpected.join(", ")}`);
    for (const w of r.warnings) console.error(`warning: ${w}`);
    clf?.lora?.merge(); // LoRA: W + (α/r)·A·B folded into BERT's weights, so its hidden states are the adapted model's
    const out = await model.run(
      { inputIds: inputs.input_ids, attentionMask: inputs.attention_mask, tokenTypeIds: inputs.token_type_ids },
      { attentions: Boolean(values.attentions), heads: !clf },
    );
    const logits = clf ? await classifierLogits(clf, inputs) : null;
    const arr = (h: HostTensor): Nested => {
      const build = (dims: number[], start: number): Nested => {
        if (dims.length === 0) return h.data[start];
        const step = dims.slice(1).reduce((a, b) => a * b, 1);
        return Array.from({ length: dims[0] }, (_, i) => build(dims.slice(1), start + i * step));
      };
      return build(h.shape, 0);
    };
    const L = model.config.num_hidden_layers;
    const hidden = [...out.hiddenStates.keys()].sort((a, b) => a - b).map((l) => out.hiddenStates.get(l)!);
    const result: Record<string, Nested> = {
      hidden_states: hidden.map(arr),
      last_hidden_state: arr(out.hiddenStates.get(L)!),
    };
    if (out.poolerOutput) result.pooler_output = arr(out.poolerOutput);
    if (out.attentions) result.attentions = out.attentions.map(arr);
    if (out.mlmLogits) result.mlm_logits = arr(out.mlmLogits);
    if (out.nspLogits) result.nsp_logits = arr(out.nspLogits);
    if (logits) result.logits = arr(logits);
    const shapes: string[] = [
      `hidden_states      ${hidden.length} × [${hidden[0].shape}]`,
      `last_hidden_state  [${hidden[L].shape}]`,
      out.poolerOutput ? `pooler_output      [${out.poolerOutput.shape}]` : "",
      out.attentions ? `attentions         ${out.attentions.length} × [${out.attentions[0].shape}]` : "",
      out.mlmLogits ? `mlm_logits         [${out.mlmLogits.shape}]` : "",
      out.nspLogits ? `nsp_logits         [${out.nspLogits.shape}]` : "",
      logits && clf ? `logits             [${logits.shape}] (${clf.task === "token" ? "BertForTokenClassification" : "BertForSequenceClassification"}: ${clf.labelNames.join(", ")})` : "",
      engineLine,
    ].filter(Boolean);
    if (clf) clf.dispose();
    else model.dispose();
    if (values.out) {
      fs.writeFileSync(values.out as string, JSON.stringify(result));
      console.log(`wrote ${values.out}:\n  ${shapes.join("\n  ")}`);
    } else console.log(shapes.join("\n"));

    const refFile = str(values, "compare");
    if (!refFile) return 0;
    const ref = JSON.parse(fs.readFileSync(refFile, "utf8")) as Record<string, Nested>;
    const mask = inputs.attention_mask ?? inputs.input_ids.map((row) => row.map(() => 1));
    type Kind = "tokens" | "attention" | "none";
    const pairs: [string, Nested | undefined, Nested, Kind][] = [];
    const add = (key: string, mine: Nested | undefined, kind: Kind) => {
      if (ref[key] !== undefined) pairs.push([key, mine, ref[key], kind]);
    };
    add("hidden_states", result.hidden_states, "tokens");
    add("last_hidden_state", result.last_hidden_state, "tokens");
    add("pooler_output", result.pooler_output, "none");
    add("attentions_layer0", result.attentions ? (result.attentions as Nested[])[0] : undefined, "attention");
    add("attentions", result.attentions, "attention");
    add("mlm_logits", result.mlm_logits, "tokens");
    add("nsp_logits", result.nsp_logits, "none");
    add("logits", result.logits, clf?.task === "token" ? "tokens" : "none");
    let worst = 0;
    let failed = false;
    console.log(`\ncompared with ${refFile} (real tokens only):`);
    for (const [key, mine, theirs, kind] of pairs) {
      if (mine === undefined) {
        console.log(`  ${key.padEnd(18)} not produced (${key.startsWith("attentions") ? "add --attentions" : "the checkpoint has no such head"})`);
        failed = true;
        continue;
      }
      const d = maxAbsDiff(mine, theirs, mask, kind, key === "hidden_states" || key === "attentions");
      worst = Math.max(worst, d);
      console.log(`  ${key.padEnd(18)} max |Δ| = ${d.toExponential(2)} ${d <= atol ? "ok" : `> ${atol}`}`);
    }
    console.log(`  worst ${worst.toExponential(2)} (atol ${atol})`);
    return failed || worst > atol ? 1 : 0;
  },
};

/**
 * Max |a − b| over nested arrays of the same shape. `kind` says which axes are tokens that must be
 * real (attention_mask 1): "tokens" = [B, T, ...]; "attention" = [B, nh, T, T] (query and key).
 * `leadingList`: the arrays hold one such tensor per layer.
 */
function maxAbsDiff(a: Nested, b: Nested, mask: number[][] | null, kind: "tokens" | "attention" | "none", leadingList: boolean): number {
  let worst = 0;
  const walk = (x: Nested, y: Nested, idx: number[]) => {
    if (!Array.isArray(y)) {
      const i = leadingList ? idx.slice(1) : idx;
      if (mask && kind === "tokens" && mask[i[0]][i[1]] === 0) return;
      if (mask && kind === "attention" && (mask[i[0]][i[2]] === 0 || mask[i[0]][i[3]] === 0)) return;
      if (typeof x !== "number") throw new Error(`shape mismatch at [${idx}]`);
      worst = Math.max(worst, Math.abs(x - y));
      return;
    }
    if (!Array.isArray(x) || x.length !== y.length) throw new Error(`shape mismatch at [${idx}]: ${Array.isArray(x) ? x.length : "scalar"} vs ${y.length}`);
    y.forEach((yi, k) => walk(x[k], yi, [...idx, k]));
  };
  walk(a, b, []);
  return worst;
}

/** A folder written by `course finetune`: an adapter, or a config naming a classification architecture. */
function isClassifierFolder(dir: string): boolean {
  if (fs.existsSync(path.join(dir, ADAPTER_CONFIG))) return true;
  const cfgFile = path.join(dir, "config.json");
  if (!fs.existsSync(cfgFile)) return false;
  const cfg = JSON.parse(fs.readFileSync(cfgFile, "utf8")) as { architectures?: string[] };
  return (cfg.architectures ?? []).some((a) => a === "BertForSequenceClassification" || a === "BertForTokenClassification");
}

/** The classifier's logits on the given ids: [B, C], or [B, T, C] for a token classifier. */
async function classifierLogits(clf: SequenceClassifier, inputs: Inputs): Promise<HostTensor> {
  const B = inputs.input_ids.length;
  const T = inputs.input_ids[0].length;
  const flat = (rows: number[][] | undefined, fill: number) => (rows ? Int32Array.from(rows.flat()) : new Int32Array(B * T).fill(fill));
  const feeds: Record<string, HostTensor> = {
    inputIds: { data: flat(inputs.input_ids, 0), shape: [B, T] },
    attentionMask: { data: flat(inputs.attention_mask, 1), shape: [B, T] },
    tokenTypeIds: { data: flat(inputs.token_type_ids, 0), shape: [B, T] },
  };
  const { key, fn } = clf.modelFn("predict");
  const { hooks, hooksKey } = clf.hooks();
  const out = await runModel(await clf.resolveEngine(), { key, fn, params: clf.params, inputs: feeds, outputs: ["logits"], hooks, hooksKey });
  const C = clf.numLabels;
  return { data: out.logits.data, shape: clf.task === "token" ? [B, T, C] : [B, C] };
}
