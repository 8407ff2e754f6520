/**
 * Parity: our BertTokenizer gives the same ids as transformers.js's tokenizer (which runs the
 * Hugging Face tokenizers pipeline from tokenizer.json) on ≥ 200 varied strings and pairs.
 * Both load the bert-base-uncased files shipped in tests/fixtures (no network).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "path";
import { BertTokenizer } from "../../lib/text";

const DIR = path.join(__dirname, "..", "fixtures", "tokenizers", "bert-base-uncased");

const HAND_WRITTEN: string[] = [
  "",
  " ",
  "\t\n\r ",
  "Hello, world!",
  "The quick brown fox jumps over the lazy dog.",
  "UNAFFABLE unaffable Unaffable",
  "I can't believe it's not butter!",
  "Don't stop -- won't stop; shouldn't've.",
  "Café déjà vu, naïve façade, coöperate, Ångström, jalapeño.",
  "Crème brûlée à la mode — São Paulo, Zürich, Kraków, Reykjavík.",
  "ÉCOLE NORMALE SUPÉRIEURE",
  "Straße groß Maß ẞ",
  "İstanbul ıspanak I ı",
  "ﬁnance ﬂow ﬀ ﬃ (ligatures)",
  "Ｆｕｌｌｗｉｄｔｈ　ｔｅｘｔ　１２３",
  "北京是中国的首都。",
  "我爱自然语言处理！",
  "日本語のテキストとカタカナ、ひらがな。",
  "한국어 문장입니다. 서울특별시",
  "Mixed 中文 and English 文字 together",
  "東京タワー Tokyo Tower 123",
  "Привет, мир! Как дела?",
  "Ελληνικά: Καλημέρα κόσμε",
  "مرحبا بالعالم",
  "שלום עולם",
  "हिन्दी भाषा में पाठ",
  "ภาษาไทย ไม่มีช่องว่าง",
  "Tiếng Việt có dấu: Hà Nội, Đà Nẵng",
  "emoji 😀😃😄 party 🎉🎉 thumbs 👍🏽 family 👨‍👩‍👧",
  "flags 🇫🇷🇩🇪 hearts ❤️💔 ✨sparkles✨",
  "😀",
  "numbers 0 1 12 123 1234 12345 123456789 3.14159 -42 +7 1e10 1,000,000",
  "Prices: $5.99, €10, £3, ¥500, ₹100, 50% off!!!",
  "Dates 2024-01-15, 15/01/2024, 1/2/3 and times 12:30:45",
  "https://www.example.com/path/to/page?query=1&other=two#anchor",
  "http://huggingface.co/bert-base-uncased/resolve/main/config.json",
  "mailto:someone@example.org or someone.else+tag@sub.example.co.uk",
  "ftp://files.example.net:21/pub/file_name-v2.tar.gz",
  "C:\\Users\\name\\Documents\\file.txt and /usr/local/bin/node",
  "#hashtag @mention $cashtag ~tilde ^caret `backtick` |pipe| \\backslash",
  "<html><body class=\"main\">Hi & bye</body></html>",
  "{\"json\": [1, 2, {\"key\": null}], 'single': true}",
  "x = (a + b) * c / d - e % f; y <= z >= w != v == u",
  "function f(x) { return x ** 2; } // comment",
  "supercalifragilisticexpialidocious",
  "pneumonoultramicroscopicsilicovolcanoconiosis",
  "a".repeat(100),
  "a".repeat(101),
  "b".repeat(250) + " short",
  "antidisestablishmentarianism " + "x".repeat(99) + " " + "y".repeat(100),
  "hello[MASK]world",
  "The capital of France is [MASK].",
  "[CLS] already [SEP] special [PAD] tokens [UNK]",
  "[mask] lowercase is not special",
  "[ MASK ] spaced",
  "[MASK][MASK] [MASK]",
  "control\u0000chars\u0001here\u0007",
  "zero\u200bwidth\u200cjoin\u200dners",
  "bom\ufeffinside",
  "replacement\ufffdchar",
  "non\u00a0breaking\u2003em\u3000ideographic space",
  "soft\u00adhyphen",
  "rtl\u200fmark\u200eltr",
  "combining: e\u0301 a\u0300 n\u0303 o\u0308",
  "decomposed Cafe\u0301 vs precomposed Café",
  "math ∑∫∂√∞≈≠≤≥ ±×÷ αβγ",
  "arrows → ← ↑ ↓ ⇒ and box ─│┌┐",
  "quotes “curly” ‘single’ «guillemets» „low“",
  "dashes – — ― hyphen-minus ‐ ‑",
  "ellipsis… and · middle dot • bullet",
  "¡Hola! ¿Qué tal?",
  "trailing spaces   ",
  "   leading spaces",
  "multiple     internal      spaces",
  "new\nlines\n\nand\ttabs",
  "CamelCaseWordsJoinedTogether and snake_case_words",
  "O'Reilly's rock'n'roll",
  "e.g. i.e. etc. U.S.A. Ph.D.",
  "3rd 21st 100th 1st",
  "isn't aren't wasn't weren't",
  "ALL CAPS SENTENCE WITH NUMBERS 123 AND SYMBOLS !@#",
  "tokenization tokenizer tokenize tokens",
  "unbelievably uncharacteristically",
  "The Transformer's self-attention mechanism (Vaswani et al., 2017).",
  "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
  "𠀀 standalone extension-B ideograph",
  "Klingon  private use",
  "tab\tseparated\tvalues\t1\t2",
  "semi;colon:colon,comma.period",
  "a-b_c.d/e\\f|g",
  "!!!???...,,,;;;",
  "ø æ å œ ð þ ł đ",
  "Ÿ ÿ Ç ç Ñ ñ",
];

function generated(): string[] {
  // Deterministic variety: words from a small lexicon with random punctuation, case, accents, numbers, CJK, emoji.
  const lex = ["the", "model", "learns", "représentations", "naïve", "BERT", "GPT-2", "fine-tuning", "über", "東京", "数据", "🙂", "42", "3.5%", "https://a.b/c", "don't", "x-ray", "COVID-19", "résumé", "Ωmega", "ǅungla", "neural", "networks", "(parenthesis)", "\"quoted\"", "#1"];
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const out: string[] = [];
  for (let i = 0; i < 120; i++) {
    const n = 1 + Math.floor(rnd() * 12);
    const words: string[] = [];
    for (let k = 0; k < n; k++) {
      let w = lex[Math.floor(rnd() * lex.length)];
      const r = rnd();
      if (r < 0.15) w = w.toUpperCase();
      else if (r < 0.25) w = w[0].toUpperCase() + w.slice(1);
      if (rnd() < 0.2) w += ",.!?;:"[Math.floor(rnd() * 6)];
      words.push(w);
    }
    out.push(words.join(rnd() < 0.1 ? "  " : " "));
  }
  return out;
}

const SINGLES = [...HAND_WRITTEN, ...generated()];
const PAIRS: [string, string][] = [];
for (let i = 0; i + 1 < SINGLES.length && PAIRS.length < 60; i += 5) PAIRS.push([SINGLES[i], SINGLES[i + 1]]);

test(`tokenizer parity with transformers.js on ${SINGLES.length} strings and ${PAIRS.length} pairs`, async () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const tr = require("@huggingface/transformers");
  tr.env.allowRemoteModels = false;
  tr.env.localModelPath = path.dirname(DIR);
  const ref = await tr.AutoTokenizer.from_pretrained(path.basename(DIR));
  const fromJson = BertTokenizer.fromDir(DIR);
  const fromVocab = BertTokenizer.fromVocab(require("fs").readFileSync(path.join(DIR, "vocab.txt"), "utf8"));

  const mismatches: string[] = [];
  let same = 0;
  const check = (a: string, b: string | null) => {
    const want = ref(a, { text_pair: b, return_tensor: false }) as { input_ids: number[]; token_type_ids: number[] };
    for (const [name, tok] of [["tokenizer.json", fromJson], ["vocab.txt", fromVocab]] as const) {
      const got = tok.encode(a, b);
      const ok = JSON.stringify(got.ids) === JSON.stringify(want.input_ids) && JSON.stringify(got.tokenTypeIds) === JSON.stringify(want.token_type_ids);
      if (!ok) mismatches.push(`${name} ${JSON.stringify(a)}${b !== null ? ` + ${JSON.stringify(b)}` : ""}:\n  ours   ${got.ids}\n  theirs ${want.input_ids}`);
    }
    same++;
  };
  for (const s of SINGLES) check(s, null);
  for (const [a, b] of PAIRS) check(a, b);
  assert.ok(SINGLES.length + PAIRS.length >= 200, "at least 200 cases");
  assert.equal(mismatches.length, 0, `${mismatches.length} mismatches:\n${mismatches.slice(0, 10).join("\n")}`);
  console.log(`# tokenizer parity: ${same}/${SINGLES.length + PAIRS.length} identical (ids and token types), from tokenizer.json and from vocab.txt`);
});
