#!/usr/bin/env node
// The `course` command. The library is TypeScript source, loaded through tsx (no build step).
require("tsx/cjs/api").register();
require("../cli/main.ts")
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err) => {
    console.error(err && err.message ? `course: ${err.message}` : err);
    process.exitCode = 1;
  });
