// Run-time entry for `import ... from "@course/lib/grading/testing"` when nothing has loaded
// the TypeScript loader yet (TypeScript's type checker reads ./testing.ts; Node finds this
// file first). Same pattern as lib/register.js.
require("tsx/cjs/api").register();
module.exports = require("./testing.ts");
