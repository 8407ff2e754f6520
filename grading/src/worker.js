// Entry of a grading worker process (forked by ./grade.ts, one per submission): the grading
// library is TypeScript, loaded through tsx like lib/register.js does.
require("tsx/cjs/api").register();
require("./worker.ts");
