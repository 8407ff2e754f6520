// The university FAQ meets the dataset's stated numbers; any question,answer CSV loads.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DataError, DEFAULT_CHATBOT_FILE, deriveIntents, loadChatbot, loadDataset, readCsv } from "../../lib/data";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "data-chatbot-"));
process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

test("the FAQ: ≥ 25 intents, ≥ 300 questions, 5–20 questions per intent, no warnings", () => {
  const d = loadChatbot();
  assert.equal(d.source, DEFAULT_CHATBOT_FILE);
  assert.equal(d.intentSource, "column");
  assert.ok(d.intentNames.length >= 25, `${d.intentNames.length} intents`);
  assert.ok(d.questions.length >= 300, `${d.questions.length} questions`);
  assert.equal(d.answers.length, d.questions.length);
  assert.equal(d.labels.length, d.questions.length);
  const counts = new Map<number, number>();
  for (const y of d.labels) counts.set(y, (counts.get(y) ?? 0) + 1);
  for (const [k, n] of counts) assert.ok(n >= 5 && n <= 20, `intent ${d.intentNames[k]} has ${n} questions`);
  d.labels.forEach((y, i) => {
    assert.equal(d.intentNames[y], d.intents[i]);
    assert.equal(d.intentAnswers[y], d.answers[i]);
  });
  assert.equal(new Set(d.questions.map((q) => q.toLowerCase())).size, d.questions.length, "duplicate questions");
  assert.deepEqual(d.warnings, []);
  assert.ok(d.intentNames.includes("tuition_fees"));
});

test("the default path works from any working directory", () => {
  const cwd = process.cwd();
  process.chdir(os.tmpdir());
  try {
    assert.ok(loadChatbot().questions.length >= 300);
  } finally {
    process.chdir(cwd);
  }
});

test("intents derived from identical answers equal the intent column, when the column is dropped", () => {
  const withColumn = loadChatbot();
  const table = readCsv(DEFAULT_CHATBOT_FILE);
  const text = ["question,answer", ...table.rows.map((r) => `${csvField(r.question)},${csvField(r.answer)}`)].join("\n") + "\n";
  const file = path.join(dir, "faq-no-intent.csv");
  fs.writeFileSync(file, text);
  const derived = loadChatbot(file);
  assert.equal(derived.intentSource, "answers");
  assert.deepEqual(derived.labels, withColumn.labels);
  assert.equal(derived.intentNames.length, withColumn.intentNames.length);
  assert.equal(derived.intentNames[0], "intent_01");
  // and the same when asked to ignore the column
  assert.deepEqual(loadChatbot(DEFAULT_CHATBOT_FILE, { intentFrom: "answers" }).labels, withColumn.labels);
});

test("any question,answer CSV works: extra columns, any case, whitespace-normalised answers", () => {
  const file = path.join(dir, "tiny.csv");
  fs.writeFileSync(
    file,
    [
      "id,Question,Answer",
      '1,where is the library?,"Main building,  floor 2."',
      "2,library location,Main building, floor 2.".replace("Main building, floor 2.", '"Main building, floor 2. "'),
      "3,when does it open?,8am to 10pm.",
      "4,opening hours,8am to 10pm.",
      "5,who runs it?,The head librarian.",
    ].join("\n"),
  );
  const d = loadChatbot(file);
  assert.deepEqual(d.labels, [0, 0, 1, 1, 2]);
  assert.deepEqual(d.intentNames, ["intent_01", "intent_02", "intent_03"]);
  assert.deepEqual(loadChatbot(file, { naming: "slug" }).intentNames, ["main_building_floor_2", "8am_to_10pm", "the_head_librarian"]);
});

test("an intent column that disagrees with the answers gives warnings, not a failure", () => {
  const file = path.join(dir, "inconsistent.csv");
  fs.writeFileSync(file, "question,answer,intent\nq1,A,x\nq2,B,x\nq3,C,y\nq4,C,z\nq1,A,x\n");
  const d = loadChatbot(file);
  assert.deepEqual(d.intentNames, ["x", "y", "z"]);
  assert.equal(d.warnings.length, 3);
  assert.ok(d.warnings.some((w) => w.includes('intent "x" has 2 different answers')));
  assert.ok(d.warnings.some((w) => w.includes('"y", "z"') && w.includes("share the answer")));
  assert.ok(d.warnings.some((w) => w.includes('question "q1" appears 2 times')));
});

test("empty question, answer or intent fails with the line", () => {
  const write = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };
  assert.throws(() => loadChatbot(write("e1.csv", "question,answer\nq,a\n ,b\n")), (e: unknown) => e instanceof DataError && e.line === 3 && /question/.test(e.message));
  assert.throws(() => loadChatbot(write("e2.csv", "question,answer\nq,\n")), (e: unknown) => e instanceof DataError && e.line === 2 && /answer/.test(e.message));
  assert.throws(() => loadChatbot(write("e3.csv", "question,answer,intent\nq,a,\n")), (e: unknown) => e instanceof DataError && e.line === 2 && /intent/.test(e.message));
  assert.throws(() => loadChatbot(write("e4.csv", "question,reply\nq,a\n")), /e4\.csv.*missing required column "answer"/);
});

test("deriveIntents numbers in order of first appearance and dedupes slugs", () => {
  assert.deepEqual(deriveIntents(["b", "a", "b ", "c"]), ["intent_01", "intent_02", "intent_01", "intent_03"]);
  assert.deepEqual(deriveIntents(["Yes.", "yes!", "Yes."], "slug"), ["yes", "yes_2", "yes"]);
});

test("the registry loads the same dataset", () => {
  assert.equal(loadDataset("chatbot").questions.length, loadChatbot().questions.length);
});
