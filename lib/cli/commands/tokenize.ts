/** `course tokenize`: show how BERT's tokenizer splits a text (or a sentence pair). */
import { Command, UsageError, num, str } from "../command";
import { resolveModel } from "../../hub/resolve";
import { BertTokenizer } from "../../text";

export const command: Command = {
  name: "tokenize",
  summary: "show BERT's WordPiece tokens and ids for a text or a sentence pair",
  usage: [
    'usage: course tokenize --model DIR|HUB_ID --text "…" [--pair "…"] [--max-length N] [--json]',
    "",
    "  --model       a folder with tokenizer.json or vocab.txt (a model folder, or a Hub id from the cache)",
    "  --pair        a second sentence: [CLS] text [SEP] pair [SEP], token types 0 / 1",
    "  --max-length  truncate (longest first) to N tokens, special tokens included",
    "  --json        print {tokens, input_ids, token_type_ids, attention_mask}",
  ].join("\n"),
  options: { model: { type: "string" }, text: { type: "string" }, pair: { type: "string" }, "max-length": { type: "string" }, json: { type: "boolean" } },
  async run({ values }) {
    const modelArg = str(values, "model");
    const text = str(values, "text");
    if (!modelArg) throw new UsageError("--model is required (a folder with tokenizer.json or vocab.txt, or a Hub id)");
    if (text === undefined) throw new UsageError('--text is required, e.g. --text "Hello, world!"');
    const dir = await resolveModel(modelArg);
    const tok = BertTokenizer.fromDir(dir);
    const maxLength = num(values, "max-length");
    const e = tok.encode(text, str(values, "pair") ?? null, { maxLength });
    if (values.json) {
      console.log(JSON.stringify({ tokens: e.tokens, input_ids: e.ids, token_type_ids: e.tokenTypeIds, attention_mask: e.attentionMask }));
      return 0;
    }
    const w = Math.max(5, ...e.tokens.map((t) => t.length));
    console.log(`${"token".padEnd(w)}  ${"id".padStart(6)}  type`);
    e.tokens.forEach((t, i) => console.log(`${t.padEnd(w)}  ${String(e.ids[i]).padStart(6)}  ${e.tokenTypeIds[i]}`));
    console.log(`\n${e.ids.length} tokens\ninput_ids: [${e.ids.join(", ")}]\ntoken_type_ids: [${e.tokenTypeIds.join(", ")}]`);
    return 0;
  },
};
