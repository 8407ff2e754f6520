/**
 * A static look at a submission's code for things an honest answer rarely needs: touching
 * grader files, deleting or writing files, signalling processes, patching built-ins,
 * reaching for the kernel's internals. Findings are flags for a person to review, not
 * verdicts (a plot saved with writeFileSync is innocent); the sandbox is what stops the
 * attempts, and what it refused is reported separately (see sandbox.ts meaningfulEvents).
 */

export type FlagSeverity = "tampering" | "attempt" | "review";

export interface Flag {
  /** Short code for the gradebook's flags column, e.g. "locked-cell-edited". */
  code: string;
  severity: FlagSeverity;
  message: string;
  /** "cell 7 (q2-solution), line 3" */
  where?: string;
}

interface Rule {
  code: string;
  severity: FlagSeverity;
  re: RegExp;
  what: string;
}

const RULES: Rule[] = [
  { code: "grader-internals", severity: "tampering", re: /__courseGrader|__tslab__|COURSE_GRADE_|course-grade-|##course-grade##/, what: "refers to the grader's or the kernel's internals" },
  { code: "grader-files", severity: "review", re: /\bsolutions?\/|hidden[-_ ]?tests?|gradebook|results\.json/i, what: "refers to grader files (solutions, hidden tests, gradebook, results)" },
  { code: "deletes-or-writes-files", severity: "review", re: /\b(unlink|rm|rmdir|writeFile|appendFile|rename|copyFile|cp|truncate|createWriteStream|symlink|link|writeReport|writeHeapSnapshot)(Sync)?\s*\(/, what: "deletes, moves or writes files" },
  { code: "processes", severity: "review", re: /child_process|worker_threads|\bprocess\s*\.\s*(kill|_kill|exit|reallyExit|abort|binding|_linkedBinding|dlopen|chdir)\b|\/proc\//, what: "starts, signals or inspects processes" },
  { code: "runtime-internals", severity: "review", re: /\binspector\b|["'](node:)?v8["']|\bvm\s*\.\s*run|require\s*\.\s*cache|Module\s*\.\s*_|Error\s*\.\s*prepareStackTrace|getHeapSnapshot|setFlagsFromString|process\s*\.\s*report\b/, what: "uses the runtime's internals (inspector, v8, vm, module cache, process.report)" },
  {
    code: "patches-builtins",
    severity: "review",
    re: /\b(Object|Array|Function|String|Number|Boolean|Promise|JSON|Math|Reflect|RegExp|Error|Symbol|Buffer|console|globalThis|\w*Array|process\s*\.\s*std(out|err))(\s+as\s+[\w<>\[\]]+\s*\))?\s*(\.\s*prototype)?\s*(\.\s*[\w$]+|\[[^\]]+\])\s*=[^=>]|(Object|Reflect)\s*\.\s*(defineProperty|defineProperties|setPrototypeOf|assign)\s*\(\s*((globalThis|Object|Array|Function|JSON|Math|console|process|Buffer|Reflect|Promise|\w*Array)\b|[\w$.]+\.prototype\b)|\.__proto__\s*=[^=]/,
    what: "replaces a built-in function or object",
  },
  { code: "network", severity: "review", re: /["'](node:)?(net|http|https|http2|dgram|tls|dns)["']|\bfetch\s*\(|\bWebSocket\b|\bzeromq\b|\bsetServers\s*\(/, what: "uses the network" },
  { code: "raw-output", severity: "review", re: /\b(writeSync|write)\s*\(\s*[12]\s*,|process\s*\.\s*std(out|err)\s*\.\s*write\b/, what: "writes to the process's own output directly" },
];

/** Flags for one cell's source. */
export function scanSource(source: string, where: string): Flag[] {
  const flags: Flag[] = [];
  const seen = new Set<string>();
  source.split("\n").forEach((line, i) => {
    for (const r of RULES) {
      if (seen.has(r.code) || !r.re.test(line)) continue;
      seen.add(r.code);
      flags.push({ code: r.code, severity: r.severity, message: `${r.what}: ${line.trim().slice(0, 160)}`, where: `${where}, line ${i + 1}` });
    }
  });
  return flags;
}
