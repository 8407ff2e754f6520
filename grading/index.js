// Run-time entry of @course/grading (its package.json "main"): TypeScript source through tsx,
// like @course/lib (no build step).
require("tsx/cjs/api").register();
module.exports = require("./index.ts");
