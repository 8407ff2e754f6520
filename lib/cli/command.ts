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

export function parse(cmd: Command, argv: string[]) {
  try {
    return parseArgs({ args: argv, options: cmd.options as never, allowPositionals: true, strict: true }) as {
      values: Record<string, string | boolean | string[] | undefined>;
      positionals: string[];
    };
  } catch (err) {
    throw new UsageError((err as Error).message);
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
