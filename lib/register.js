// Run-time entry of @course/lib (its package.json "main").
// The library ships as TypeScript source; tsx compiles each file on load, so an edit
// in lib/ takes effect the next time a kernel or command starts, with no build step.
// Notebooks import "@course/lib" (a workspace link in node_modules), which keeps them
// inside tslab's rootDir limit: no relative import ever leaves the notebook's folder.
require("tsx/cjs/api").register();
module.exports = require("./index.ts");
