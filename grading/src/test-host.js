// Entry of the grader's test host thread (started by ./host.ts): TypeScript through tsx.
require("tsx/cjs/api").register();
require("./test-host.ts");
