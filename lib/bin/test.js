#!/usr/bin/env node
// Runs test files with Node's test runner, on every OS: `node lib/bin/test.js tests/unit [more dirs or files]`.
// The folders are expanded here, in Node (cmd and PowerShell do not expand `*.test.ts`, and Node 20's
// runner takes no glob). Options: --concurrency N (default 1: one file at a time), --list (print the files).
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const args = process.argv.slice(2);
let concurrency = "1";
let list = false;
const targets = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--concurrency") concurrency = args[++i];
  else if (args[i] === "--list") list = true;
  else targets.push(args[i]);
}
if (!targets.length) {
  console.error("usage: node lib/bin/test.js <dir or file.test.ts>... [--concurrency N] [--list]");
  process.exit(2);
}

/** Every *.test.ts under a folder (recursively), sorted; a file is taken as given. */
function expand(target) {
  if (!fs.existsSync(target)) {
    console.error(`test: ${target} does not exist`);
    process.exit(2);
  }
  if (fs.statSync(target).isFile()) return [target];
  return fs
    .readdirSync(target, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => (e.isDirectory() ? expand(path.join(target, e.name)) : e.name.endsWith(".test.ts") ? [path.join(target, e.name)] : []));
}

const files = targets.flatMap(expand);
if (list) {
  for (const f of files) console.log(f);
  process.exit(0);
}
if (!files.length) {
  console.error(`test: no *.test.ts files in ${targets.join(", ")}`);
  process.exit(2);
}
const runnerArgs = ["--import", "tsx", "--test"];
if (concurrency !== "auto") runnerArgs.push(`--test-concurrency=${concurrency}`);
const r = spawnSync(process.execPath, [...runnerArgs, ...files], { stdio: "inherit" });
if (r.error) console.error(`test: ${r.error.message}`);
process.exit(r.status ?? 1);
