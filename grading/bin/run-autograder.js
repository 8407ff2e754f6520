#!/usr/bin/env node
// run_autograder's entry (and setup.sh's, with --prepare): see ../src/autograder.ts.
//   node grading/bin/run-autograder.js --assignment NAME [--root /autograder] [--prepare]
require("tsx/cjs/api").register();
const { parseArgs } = require("util");
const { values } = parseArgs({ options: { assignment: { type: "string" }, root: { type: "string" }, prepare: { type: "boolean" } } });
if (!values.assignment) {
  console.error("usage: run-autograder.js --assignment NAME [--root /autograder] [--prepare]");
  process.exit(2);
}
require("../src/autograder.ts")
  .runAutograder({ assignment: values.assignment, root: values.root || process.env.AUTOGRADER_ROOT || "/autograder", prepare: values.prepare === true })
  .then((code) => (process.exitCode = code))
  .catch((err) => {
    console.error(err && err.stack ? err.stack : err);
    process.exitCode = 1;
  });
