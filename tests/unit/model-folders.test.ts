import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readSettings, COURSE_ROOT } from "../../lib/env";
import { COURSE_BERT_DIR, courseModelSource, iclGptSource, ICL_GPT_DIR } from "../../lib/models/folders";

test("the course model folders: defaults under models/, one rule for COURSE_MODEL_DIR and COURSE_ICL_GPT_DIR", () => {
  assert.equal(COURSE_BERT_DIR, path.join(COURSE_ROOT, "models", "course-bert"));
  const dflt = courseModelSource(readSettings({}));
  assert.deepEqual(dflt, { source: COURSE_BERT_DIR, local: true, name: "course-bert", fromSetting: false });
  assert.equal(iclGptSource(readSettings({})), ICL_GPT_DIR);
  // A relative folder: from the working directory, else from the course root (a kernel runs in notebooks/).
  const fromRoot = courseModelSource(readSettings({ COURSE_MODEL_DIR: "models/course-bert" }));
  assert.equal(fromRoot.source, COURSE_BERT_DIR);
  assert.equal(fromRoot.local, true);
  assert.equal(iclGptSource(readSettings({ COURSE_ICL_GPT_DIR: "models/icl-gpt" })), ICL_GPT_DIR);
  // Not a folder but shaped like a Hub id: a Hub id.
  assert.deepEqual(courseModelSource(readSettings({ COURSE_MODEL_DIR: "google-bert/bert-base-uncased" })), { source: "google-bert/bert-base-uncased", local: false, name: "google-bert/bert-base-uncased", fromSetting: true });
});

test("a model setting that names nothing usable says what is wrong and what to do", () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), "course-model-"));
  try {
    assert.throws(() => courseModelSource(readSettings({ COURSE_MODEL_DIR: empty })), /COURSE_MODEL_DIR=.* has no config\.json .*unset it to use models\/course-bert/);
    assert.throws(() => courseModelSource(readSettings({ COURSE_MODEL_DIR: "./no/such/folder" })), /is not a folder \(looked in .*\) nor a Hub id/);
    assert.throws(() => iclGptSource(readSettings({ COURSE_ICL_GPT_DIR: "no-such-gpt" })), /COURSE_ICL_GPT_DIR=no-such-gpt is not a folder/);
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});
