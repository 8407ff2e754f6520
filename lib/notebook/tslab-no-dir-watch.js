// Stops tslab's TypeScript compiler from watching directories. tslab compiles each cell with a
// TypeScript watch program whose timer hook throws "Unexpected pending rebuildTimer" when a second
// rebuild is scheduled before the first ran; a change in a directory it watches (the places where a
// module lookup failed, node_modules folders, the notebook's folder) schedules one. On a busy
// machine, or while files around the notebook change, a cell then fails, or the kernel dies, for
// no fault of its code. A kernel compiles every cell afresh, and files it reads are still watched
// one by one (watchFile), so it loses nothing it needs: a package installed while a kernel runs is
// seen after a restart. Loaded by the kernel launcher and by `course run`'s kernels (which, being
// headless, watch no files either).
"use strict";
const path = require("path");

module.exports = function noDirectoryWatch(tslabDir, o = {}) {
  let ts;
  try {
    ts = require(require.resolve("@tslab/typescript-for-tslab", { paths: [tslabDir] }));
  } catch {
    return false;
  }
  if (!ts || !ts.sys || typeof ts.sys.watchDirectory !== "function") return false;
  ts.sys.watchDirectory = () => ({ close() {} });
  // Headless kernels (course run, the book) also watch no files: nobody edits sources while they
  // run, and a file replaced on disk (git, an install next door) fired the same rebuild twice.
  if (o.files) ts.sys.watchFile = () => ({ close() {} });
  return true;
};

/** With `node --require thisFile`: patch the tslab this file's course folder has. */
if (require.main !== module && process.argv.includes("kernel")) {
  try {
    const tslabDir = path.dirname(require.resolve("tslab/package.json", { paths: [path.join(__dirname, "..", "..")] }));
    module.exports(tslabDir, { files: true });
    require("./tslab-execute-input.js")(tslabDir);
    require("./tslab-send-queue.js")(tslabDir);
  } catch {
    /* leave tslab as it is */
  }
}
