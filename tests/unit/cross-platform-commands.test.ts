/**
 * Every script in package.json and every command the README shows runs the same in bash/zsh,
 * Windows cmd and PowerShell. npm runs package.json scripts with sh on macOS/Linux and cmd.exe on
 * Windows; readers type README commands into whatever shell they have. Rejected, with the reason:
 *
 *   VAR=value cmd        a POSIX environment prefix: cmd and PowerShell run "VAR=value" as a program
 *   * ? [ ] in an argument   a glob: cmd and PowerShell pass it on unexpanded (and Node 20's test runner takes no glob)
 *   'single quotes'      cmd keeps them as part of the argument
 *   $VAR, ${VAR}, $(cmd), `cmd`   POSIX expansion and substitution
 *   ;                    cmd has no `;` separator
 *   rm, cp, mv, mkdir -p, cat, grep, sed, awk, export, source, /dev/null, a trailing \   POSIX tools and syntax
 *
 * Allowed: `&&` (sequence on success) works in sh, cmd.exe and PowerShell 7+; npm runs scripts with
 * cmd.exe on Windows even when typed in PowerShell. Windows PowerShell 5.1 has no `&&`, which is why
 * the README says to type its `npm install && npm start` as two commands there.
 * README lines that start with `sudo`, `apt-get` or `brew` are instructions for one OS and named as such.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");

const RULES: { re: RegExp; why: string }[] = [
  { re: /(^|&&\s*|\|\|\s*)[A-Za-z_][A-Za-z0-9_]*=\S*\s+\S/, why: "a VAR=value prefix (POSIX only: use a --flag, an npm script, or show the cmd and PowerShell forms)" },
  { re: /[*?]|\[[^\]\s]*\]/, why: "a glob (cmd and PowerShell do not expand it: pass a folder and expand it in Node)" },
  { re: /'/, why: "single quotes (cmd keeps them as part of the argument: use double quotes)" },
  { re: /\$[A-Za-z_{(]|`/, why: "POSIX expansion or command substitution" },
  { re: /;/, why: "`;` (cmd has no `;` separator: use &&)" },
  { re: /(^|&&\s*|\|\s*)(rm|cp|mv|cat|grep|sed|awk|export|source|which|touch|chmod)\s|mkdir -p|\/dev\/null|\\$/, why: "a POSIX tool or syntax" },
];

export function posixOnly(cmd: string): string[] {
  return RULES.filter((r) => r.re.test(cmd)).map((r) => r.why);
}

/** Commands a reader types: fenced shell blocks, and inline code spans that start with npm/npx/node/course. */
export function readmeCommands(md: string): string[] {
  const out: string[] = [];
  let fence: string | null = null;
  for (const line of md.split("\n")) {
    const f = /^```(\w*)/.exec(line);
    if (f) {
      fence = fence === null ? f[1] || "text" : null;
      continue;
    }
    if (fence !== null) {
      if (["bash", "sh", "shell", "console", "cmd", "bat", "powershell", "ps1"].includes(fence)) {
        const cmd = line.replace(/\s+#.*$/, "").replace(/^\s*(\$|>|PS>)\s+/, "").trim();
        if (cmd) out.push(cmd);
      }
      continue;
    }
    // Inline spans that run something, with any VAR=value prefix in front (which is what to catch).
    for (const m of line.matchAll(/`([^`]+)`/g)) if (/^([A-Za-z_][A-Za-z0-9_]*=\S*\s+)*(npm|npx|node|course) /.test(m[1])) out.push(m[1].trim());
  }
  return out.filter((c) => !/^(sudo|apt-get|brew) /.test(c));
}

test("the rules catch what they are for (and let && through)", () => {
  assert.ok(posixOnly("COURSE_MODE=fast npm start").length);
  assert.ok(posixOnly("node --test tests/unit/*.test.ts").length);
  assert.ok(posixOnly("echo 'hi'").length);
  assert.ok(posixOnly("rm -rf build && npm test").length);
  assert.ok(posixOnly("npm test; npm start").length);
  assert.deepEqual(posixOnly("npm install && npm start"), []);
  assert.deepEqual(posixOnly('npx course fill-mask --model models/course-bert "the united [MASK] of america"'.replace(/"[^"]*"/g, '""')), []);
  assert.deepEqual(posixOnly("npm start -- --mode fast --port 9000"), []);
});

test("no package.json script needs a POSIX shell", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  const bad = Object.entries(pkg.scripts as Record<string, string>).flatMap(([name, cmd]) => posixOnly(cmd).map((why) => `"${name}": ${cmd}\n    → ${why}`));
  assert.deepEqual(bad, [], `package.json scripts that fail on Windows:\n${bad.join("\n")}`);
});

test("no README command needs a POSIX shell", () => {
  for (const file of ["README.md"]) {
    const cmds = readmeCommands(fs.readFileSync(path.join(ROOT, file), "utf8"));
    assert.ok(cmds.length >= 5, `${file}: found its commands (${cmds.length})`);
    // Arguments in double quotes are text (e.g. "the united [MASK] of america"), not globs.
    const bad = cmds.flatMap((c) => posixOnly(c.replace(/"[^"]*"/g, '""')).map((why) => `${c}\n    → ${why}`));
    assert.deepEqual(bad, [], `${file} commands that fail in cmd or PowerShell:\n${bad.join("\n")}`);
  }
});

test("lib/bin/test.js expands test folders in Node (no shell glob), sorted, recursively; a missing folder is an error", () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { spawnSync } = require("child_process") as typeof import("child_process");
  const runner = path.join(ROOT, "lib", "bin", "test.js");
  const r = spawnSync(process.execPath, [runner, "tests/notebooks", "--list"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split("\n").map((f) => f.split(path.sep).join("/")), ["tests/notebooks/run-all.test.ts", "tests/notebooks/run-tfjs.test.ts"]);
  const unit = spawnSync(process.execPath, [runner, "tests/unit", "--list"], { cwd: ROOT, encoding: "utf8" }).stdout.trim().split("\n");
  assert.ok(unit.length > 20 && unit.every((f) => f.endsWith(".test.ts")), "only *.test.ts files (helpers such as hub-server.ts are left out)");
  const missing = spawnSync(process.execPath, [runner, "tests/nowhere"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /tests\/nowhere does not exist/);
});
