// Fills a tsx compile cache with every module of the course library (run with TMPDIR set to
// the cache's root, by ./compile-cache.ts): sandboxed kernels may read the cache but cannot
// compile TypeScript themselves (that needs a worker thread and a child process, which the
// permission model refuses). Loading a module runs its top level; the library's modules only
// define things. Prints "<files> <loaded>" on its last line.
const fs = require("fs");
const path = require("path");
require("tsx/cjs/api").register();
const lib = path.resolve(__dirname, "..", "..", "lib");
const files = [];
const walk = (d) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") && !e.name.endsWith(".test.ts")) files.push(p);
  }
};
walk(lib);
let loaded = 0;
for (const f of files.sort()) {
  try {
    require(f);
    loaded++;
  } catch (err) {
    console.error(`${path.relative(lib, f)}: ${String((err && err.message) || err).split("\n")[0]}`);
  }
}
console.log(`${files.length} ${loaded}`);
process.exit(0);
