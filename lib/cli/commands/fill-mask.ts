/** `course fill-mask`: what a BERT's MLM head puts in each [MASK] of a text, with probabilities. */
import { Command, UsageError, num, str } from "../command";
import { applyEngineOptions, ENGINE_OPTIONS, ENGINE_USAGE } from "../engine-option";
import { fromPretrained } from "../../models/bert";
import { fillMask } from "../../pretraining/fill-mask";
import { BertTokenizer } from "../../text";

export const command: Command = {
  name: "fill-mask",
  summary: "the top-k words a BERT predicts for each [MASK] in a text, with probabilities",
  usage: [
    'usage: course fill-mask --model DIR|HUB_ID "text with [MASK]" [--top-k 5] [--json]',
    "",
    "  --model   a BERT with its MLM head: a folder (models/course-bert) or a Hub id (bert-base-uncased,",
    "            from the Hub cache; downloaded into it when online)",
    "  --top-k   how many candidates per [MASK] (default 5)",
    "  --json    print [[{token, id, score, sequence}, ...], ...]: one list per [MASK], left to right",
    ENGINE_USAGE,
    "",
    'example: course fill-mask --model models/course-bert "the united [MASK] of america"',
  ].join("\n"),
  options: { model: { type: "string" }, text: { type: "string" }, "top-k": { type: "string" }, json: { type: "boolean" }, ...ENGINE_OPTIONS },
  async run({ values, positionals }) {
    const modelArg = str(values, "model");
    if (!modelArg) throw new UsageError('--model is required, e.g. course fill-mask --model models/course-bert "the united [MASK] of america"');
    const text = str(values, "text") ?? positionals.join(" ");
    if (!text.trim()) throw new UsageError('give a text with [MASK] in it, e.g. "the united [MASK] of america" (in double quotes)');
    const topK = num(values, "top-k", 5)!;
    if (!Number.isInteger(topK) || topK < 1) throw new UsageError(`--top-k must be a positive whole number, got ${topK}`);
    console.error(await applyEngineOptions(values));
    const model = await fromPretrained(modelArg);
    if (!model.heads.mlm) {
      throw new UsageError(`${modelArg} has no MLM head (a bare BertModel checkpoint): fill-mask needs a BertForPreTraining or BertForMaskedLM checkpoint, e.g. models/course-bert or bert-base-uncased`);
    }
    const tok = BertTokenizer.fromDir(model.sourceDir!);
    if (!tok.encode(text).ids.includes(tok.maskId)) {
      model.dispose();
      throw new UsageError(`the text has no ${tok.special.mask} token: write ${tok.special.mask} where the model should fill in a word, e.g. "the united ${tok.special.mask} of america"`);
    }
    const lists = await fillMask(model, tok, text, topK);
    model.dispose();
    if (values.json) {
      console.log(JSON.stringify(lists));
      return 0;
    }
    lists.forEach((cands, m) => {
      if (lists.length > 1) console.log(`[MASK] ${m + 1} of ${lists.length}:`);
      const w = Math.max(5, ...cands.map((c) => c.token.length));
      for (const c of cands) console.log(`${c.token.padEnd(w)}  ${(100 * c.score).toFixed(1).padStart(5)}%  ${c.sequence}`);
    });
    return 0;
  },
};
