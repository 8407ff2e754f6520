/** BertTokenizer behaviour: basic tokenizer, WordPiece, pairs, truncation, padding, batches, decode. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { BertTokenizer, WordPiece, basicTokenize, truncatePair } from "../../lib/text";

const DIR = path.join(__dirname, "..", "fixtures", "tokenizers", "bert-base-uncased");
const tok = BertTokenizer.fromDir(DIR);

test("basic tokenizer: lower-case, accents, punctuation, CJK, cleaning", () => {
  assert.deepEqual(basicTokenize(" \tHeLLo!How  \n Are yoU?  "), ["hello", "!", "how", "are", "you", "?"]);
  assert.deepEqual(basicTokenize("Héllo wörld"), ["hello", "world"]);
  assert.deepEqual(basicTokenize("ah博推zz"), ["ah", "博", "推", "zz"]);
  assert.deepEqual(basicTokenize("a\u0000b\ufffdc\u0007d"), ["abcd"]);
  assert.deepEqual(basicTokenize("$5.99"), ["$", "5", ".", "99"]);
  // Characters outside the BMP are handled whole (an extension-B ideograph is its own word).
  assert.deepEqual(basicTokenize("a\u{20000}b"), ["a", "\u{20000}", "b"]);
  assert.deepEqual(basicTokenize("HeLLo", { cleanText: true, handleChineseChars: true, lowercase: false, stripAccents: null }), ["HeLLo"]);
});

test("WordPiece: greedy longest match, ## continuation, [UNK] for unknown and over-long words", () => {
  const wp = WordPiece.fromVocabText(["[UNK]", "[CLS]", "[SEP]", "want", "##want", "##ed", "wa", "un", "runn", "##ing", ","].join("\n"));
  assert.deepEqual(wp.tokenize(["unwanted", "running"]), ["un", "##want", "##ed", "runn", "##ing"]);
  assert.deepEqual(wp.tokenize(["unwantedx"]), ["[UNK]"]);
  assert.deepEqual(wp.tokenize(["want".repeat(26)]), ["[UNK]"]); // 104 chars > 100
  assert.deepEqual(tok.tokenize("unaffable"), ["una", "##ffa", "##ble"]);
});

test("single sentence and pair: [CLS] A [SEP] B [SEP] with token types", () => {
  const e = tok.encode("Hello, world!", "How are you?");
  assert.deepEqual(e.tokens, ["[CLS]", "hello", ",", "world", "!", "[SEP]", "how", "are", "you", "?", "[SEP]"]);
  assert.deepEqual(e.ids, [101, 7592, 1010, 2088, 999, 102, 2129, 2024, 2017, 1029, 102]);
  assert.deepEqual(e.tokenTypeIds, [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
  assert.deepEqual(e.attentionMask, Array(11).fill(1));
  assert.deepEqual(e.specialTokensMask, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  assert.deepEqual(tok.encode("").ids, [101, 102]);
  assert.deepEqual(tok.encode("hi", null, { addSpecialTokens: false }).ids, [7632]);
  assert.deepEqual(tok.encode("Paris is the [MASK].").ids, [101, 3000, 2003, 1996, 103, 1012, 102]);
});

test("truncation longest_first follows Hugging Face tokenizers", () => {
  assert.deepEqual(truncatePair(10, 3, 8, "longest_first"), [5, 3]);
  assert.deepEqual(truncatePair(3, 10, 8, "longest_first"), [3, 5]);
  assert.deepEqual(truncatePair(6, 6, 9, "longest_first"), [4, 5]);
  assert.deepEqual(truncatePair(20, 30, 10, "longest_first"), [5, 5]);
  assert.deepEqual(truncatePair(4, 4, 9, "longest_first"), [4, 4]);
  assert.deepEqual(truncatePair(10, 3, 8, "only_first"), [5, 3]);
  assert.deepEqual(truncatePair(3, 10, 8, "only_second"), [3, 5]);
  assert.throws(() => truncatePair(10, 3, 2, "only_first"), /cannot fit/);

  const long = "one two three four five six seven eight nine ten";
  const short = "alpha beta gamma";
  const e = tok.encode(long, short, { maxLength: 11 }); // budget 8 for text: 5 + 3
  assert.equal(e.ids.length, 11);
  assert.deepEqual(e.tokens, ["[CLS]", "one", "two", "three", "four", "five", "[SEP]", "alpha", "beta", "gamma", "[SEP]"]);
  const single = tok.encode(long, null, { maxLength: 5 });
  assert.deepEqual(single.tokens, ["[CLS]", "one", "two", "three", "[SEP]"]);
  assert.equal(tok.encode("word ".repeat(600), null, { truncation: true }).ids.length, 512);
});

test("padding and batches", () => {
  const e = tok.encode("hi", null, { padding: "max_length", maxLength: 6 });
  assert.deepEqual(e.ids, [101, 7632, 102, 0, 0, 0]);
  assert.deepEqual(e.attentionMask, [1, 1, 1, 0, 0, 0]);
  const b = tok.encodeBatch(["hi", ["a b c", "d"]]);
  assert.deepEqual(b.inputIds, [
    [101, 7632, 102, 0, 0, 0, 0],
    [101, 1037, 1038, 1039, 102, 1040, 102],
  ]);
  assert.deepEqual(b.tokenTypeIds[1], [0, 0, 0, 0, 0, 1, 1]);
  assert.deepEqual(b.attentionMask[0], [1, 1, 1, 0, 0, 0, 0]);
  const fixed = tok.encodeBatch(["hi", "hello there"], { padding: "max_length", maxLength: 8 });
  assert.ok(fixed.inputIds.every((r) => r.length === 8));
  const ragged = tok.encodeBatch(["hi", "hello there"], { padding: false });
  assert.deepEqual(ragged.inputIds.map((r) => r.length), [3, 4]);
});

test("decode joins WordPiece pieces", () => {
  const ids = tok.encode("Unaffable tokenization, isn't it?").ids;
  assert.equal(tok.decode(ids, { skipSpecialTokens: true }), "unaffable tokenization, isn't it?");
  assert.equal(tok.decode(ids), "[CLS] unaffable tokenization, isn't it? [SEP]");
});

test("vocab.txt with tokenizer_config.json (cased) and clear errors", () => {
  const tmp = fs.mkdtempSync(path.join(require("os").tmpdir(), "tok-"));
  fs.writeFileSync(path.join(tmp, "vocab.txt"), ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "Hello", "hello", "!"].join("\n") + "\n");
  fs.writeFileSync(path.join(tmp, "tokenizer_config.json"), JSON.stringify({ do_lower_case: false, model_max_length: 64 }));
  const cased = BertTokenizer.fromDir(tmp);
  assert.deepEqual(cased.encode("Hello hello HELLO!").ids, [2, 5, 6, 1, 7, 3]);
  assert.equal(cased.modelMaxLength, 64);
  fs.rmSync(tmp, { recursive: true });
  assert.throws(() => BertTokenizer.fromDir("/nonexistent-dir"), /neither tokenizer.json nor vocab.txt/);
});
