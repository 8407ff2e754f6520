// CSV and JSON loaders: bad input fails naming the file, the line and the problem.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DataError, loadChatbot, readCsv, readJsonRecords } from "../../lib/data";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "data-csv-"));
process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

/** Asserts that fn throws a DataError whose message contains every fragment. */
function throwsWith(fn: () => unknown, ...fragments: (string | RegExp)[]): DataError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof DataError, `expected a DataError, got ${String(err)}`);
  for (const f of fragments) {
    if (typeof f === "string") assert.ok(err.message.includes(f), `message lacks ${JSON.stringify(f)}:\n${err.message}`);
    else assert.match(err.message, f);
  }
  return err;
}

test("reads a well-formed CSV: quoted commas, doubled quotes, line breaks in fields, CRLF", () => {
  const file = write("ok.csv", 'question,answer\r\nhi,"Hello, ""friend"""\r\n"two\r\nlines",x\r\n\r\nlast,y\r\n');
  const t = readCsv(file, { requiredColumns: ["question", "answer"] });
  assert.deepEqual(t.columns, ["question", "answer"]);
  assert.deepEqual(t.rows, [
    { question: "hi", answer: 'Hello, "friend"' },
    { question: "two\r\nlines", answer: "x" },
    { question: "last", answer: "y" },
  ]);
  assert.deepEqual(t.lines, [2, 3, 6]);
  assert.equal(t.file, file);
});

test("a UTF-8 BOM is removed and header names are trimmed", () => {
  const file = write("bom.csv", "\ufeff question , answer \nq,a\n");
  const t = readCsv(file, { requiredColumns: ["question", "answer"] });
  assert.deepEqual(t.columns, ["question", "answer"]);
  assert.deepEqual(t.rows, [{ question: "q", answer: "a" }]);
});

test("a CSV without a question column fails naming the file and the column", () => {
  const file = write("no-question.csv", "prompt,answer\nhello,hi\n");
  const err = throwsWith(() => readCsv(file, { requiredColumns: ["question", "answer"] }), "no-question.csv", '"question"', '"prompt", "answer"');
  assert.equal(err.file, file);
  // and through the chatbot loader, as the acceptance line asks
  throwsWith(() => loadChatbot(file), "no-question.csv", 'missing required column "question"');
});

test("a missing column that differs only in case gets a hint", () => {
  const file = write("case.csv", "Question,answer\nhello,hi\n");
  throwsWith(() => readCsv(file, { requiredColumns: ["question"] }), 'did you mean "Question"');
  assert.equal(readCsv(file, { requiredColumns: ["question"], ignoreCase: true }).rows.length, 1);
});

test("missing file: says to check the path and where datasets live", () => {
  throwsWith(() => readCsv(path.join(dir, "nope.csv")), "nope.csv", "no such file", "check the path", "datasets/");
});

test("a folder instead of a file", () => {
  throwsWith(() => readCsv(dir), "is a folder");
});

test("empty file and whitespace-only file", () => {
  throwsWith(() => readCsv(write("empty.csv", "")), "empty.csv", "empty");
  throwsWith(() => readCsv(write("blank.csv", "\n  \n")), "blank.csv", "empty");
});

test("header only: no data rows", () => {
  throwsWith(() => readCsv(write("header.csv", "question,answer\n")), "header.csv", "no data rows");
  // blank rows (,,) do not count as data
  throwsWith(() => readCsv(write("header2.csv", "question,answer\n,\n")), "header2.csv", "no data rows");
});

test("ragged row: names the line and both field counts, and loads nothing", () => {
  const file = write("ragged.csv", 'question,answer,intent\na,b,c\n"multi\nline",b,c\nd,e\nf,g,h\n');
  const err = throwsWith(() => readCsv(file), "ragged.csv", "line 5", "2 fields", "header has 3");
  assert.equal(err.line, 5);
  const crlf = write("ragged-crlf.csv", 'question,answer\r\n"two\r\nlines",b\r\n\r\nc\r\n');
  assert.equal(throwsWith(() => readCsv(crlf), "line 5", "1 field").line, 5);
  const more = write("ragged2.csv", "question,answer\nhow much, roughly?,10\n");
  throwsWith(() => readCsv(more), "line 2", "3 fields", "header has 2", "double quotes");
});

test("unterminated quote: names the line where the quote opens", () => {
  const file = write("quote.csv", 'question,answer\na,b\nc,"never closed\nd,e\nf,g\n');
  const err = throwsWith(() => readCsv(file), "quote.csv", "line 3", "unterminated quote");
  assert.equal(err.line, 3);
});

test("stray quotes: inside an unquoted field, or after a closing quote", () => {
  throwsWith(() => readCsv(write("inner.csv", 'question,answer\na 15" screen,b\n')), "inner.csv", "line 2", "double quote");
  throwsWith(() => readCsv(write("close.csv", 'question,answer\n"a"b,c\n')), "close.csv", "line 2", "quoted field");
});

test("duplicate and empty header names", () => {
  throwsWith(() => readCsv(write("dup.csv", "question,question\na,b\n")), "line 1", 'column "question" twice');
  throwsWith(() => readCsv(write("noname.csv", "question,,answer\na,b,c\n")), "line 1", "column 2", "no name");
});

test("UTF-16 files are refused with a fix", () => {
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("question,answer\na,b\n", "utf16le")]);
  throwsWith(() => readCsv(write("utf16.csv", utf16)), "UTF-16", "UTF-8");
});

test("readJsonRecords: good file", () => {
  const file = write("ok.json", JSON.stringify([{ text: "a", class: 1 }, { text: "b", class: null }]));
  assert.deepEqual(readJsonRecords(file, ["text", "class"]), [
    { text: "a", class: 1 },
    { text: "b", class: null },
  ]);
});

test("readJsonRecords: bad JSON gives line and column", () => {
  const file = write("bad.json", '[\n  {"text": "a"},\n  {"text": "b",}\n]\n');
  throwsWith(() => readJsonRecords(file), "bad.json", "not valid JSON", "line 3");
});

test("readJsonRecords: not an array, empty array, non-object record, missing key", () => {
  throwsWith(() => readJsonRecords(write("obj.json", '{"data": []}')), "obj.json", "expected a JSON array", "data");
  throwsWith(() => readJsonRecords(write("none.json", "[]")), "none.json", "empty array");
  throwsWith(() => readJsonRecords(write("num.json", '[{"text": "a"}, 3]')), "num.json", "record 1", "not an object");
  throwsWith(() => readJsonRecords(write("key.json", '[{"text": "a", "class": 0}, {"text": "b"}]'), ["text", "class"]), "key.json", "record 1", '"class"');
  throwsWith(() => readJsonRecords(write("empty.json", "")), "empty.json", "empty");
});
