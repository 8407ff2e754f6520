/** The shape of one `course` subcommand; each lives in its own file under cli/commands/. */
import { parseArgs } from "util";

export type OptionSpec = Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean; default?: string | boolean }>;

export interface Command {
  name: string;
  /** One line for `course help`. */
  summary: string;
  /** Usage lines shown by `course help <name>` and on bad arguments. */
  usage: string;
  options: OptionSpec;
  /** Returns the process exit code. */
  run(args: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] }): Promise<number>;
}

/** A mistake in how a command was called; printed with the command's usage. */
export class UsageError extends Error {}

/** Edit distance (Damerau–Levenshtein, adjacent swaps count 1): how far a typo is from a name. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The names a mistyped word was probably meant to be: within a third of its length in
 * edits (at least 1, at most 3, as git's "did you mean" allows), or the ones it starts.
 */
export function suggest(word: string, names: string[]): string[] {
  const bare = (s: string) => s.replace(/^-+/, "").toLowerCase();
  const w = bare(word);
  const limit = Math.min(3, Math.max(1, Math.floor(w.length / 3)));
  const scored = names.map((n) => ({ n, d: editDistance(w, bare(n)) })).filter(({ n, d }) => d <= limit || (w.length >= 3 && bare(n).startsWith(w)));
  scored.sort((x, y) => x.d - y.d || x.n.localeCompare(y.n));
  return scored.map(({ n }) => n).slice(0, 3);
}

/** " Did you mean …?" for a list of candidates ("" when there are none). */
export function didYouMean(candidates: string[]): string {
  if (!candidates.length) return "";
  return ` Did you mean ${candidates.length === 1 ? candidates[0] : `one of ${candidates.join(", ")}`}?`;
}

export function parse(cmd: Command, argv: string[]) {
  try {
    return parseArgs({ args: argv, options: cmd.options as never, allowPositionals: true, strict: true }) as {
      values: Record<string, string | boolean | string[] | undefined>;
      positionals: string[];
    };
  } catch (err) {
    const e = err as Error & { code?: string };
    const unknown = /^Unknown option '(-{1,2})([^'=]+)/.exec(e.message);
    if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && unknown) {
      const given = `${unknown[1]}${unknown[2]}`;
      const names = Object.keys(cmd.options).map((o) => `--${o}`);
      const known = names.length ? ` (${cmd.name} takes ${names.join(", ")})` : ` (${cmd.name} takes no options)`;
      throw new UsageError(`unknown option ${given}.${didYouMean(suggest(`--${unknown[2]}`, names))}${known}`);
    }
    const missing = /^Option '(-{1,2}[^ ']+) <value>' argument missing/.exec(e.message);
    if (missing) throw new UsageError(`${missing[1]} needs a value, e.g. ${missing[1]} VALUE`);
    throw new UsageError(e.message);
  }
}

/** Reads a string option, with a default. */
export function str(values: Record<string, unknown>, key: string, dflt?: string): string | undefined {
  const v = values[key];
  return typeof v === "string" ? v : dflt;
}

/** Reads a positive number option, failing with a clear message. */
export function num(values: Record<string, unknown>, key: string, dflt?: number): number | undefined {
  const v = values[key];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (typeof v !== "string" || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${key} must be a positive number, got "${String(v)}"`);
  return n;
}
