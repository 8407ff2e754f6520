"use strict";
/**
 * TypeScript → CommonJS for sandboxed kernels, which cannot run tsx's compiler (esbuild needs a
 * worker thread and a child process). One definition, used by the kernel's preload (compile on
 * load) and by the grader (fill a cache ahead of a batch, so kernels mostly read): the same
 * options (the tsconfig's: CommonJS, ES2020, esModuleInterop), and a cache key over everything
 * the output depends on: the compiler's version, these options, the file's extension (.tsx
 * parses JSX) and the source.
 */
const crypto = require("crypto");

function compilerOptions(ts) {
  return { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true, jsx: ts.JsxEmit.React };
}

/** The cache file name for a source: a sha256 of what the compiled output depends on. */
function cacheKey(ts, source, filename) {
  const ext = /\.[^./\\]*$/.exec(filename || "");
  return (
    crypto
      .createHash("sha256")
      .update(String(ts.version))
      .update("\0")
      .update(JSON.stringify(compilerOptions(ts)))
      .update("\0")
      .update(ext ? ext[0] : "")
      .update("\0")
      .update(source)
      .digest("hex")
      .slice(0, 40) + ".js"
  );
}

function transpile(ts, source, filename) {
  return ts.transpileModule(source, { fileName: filename, compilerOptions: compilerOptions(ts) }).outputText;
}

module.exports = { cacheKey: cacheKey, transpile: transpile };
