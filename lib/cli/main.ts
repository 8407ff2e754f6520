/** `course <command>`: dispatches to the commands in ./commands. */
import { Command, UsageError, didYouMean, parse, suggest } from "./command";

/**
 * The staff commands (assign, check, grade, autograder, release) belong to the grader, @course/grading,
 * which depends on this library — not the other way round. They are found at run time by the
 * grader's package name, as a plugin (its cli.ts exports `commands`), so lib never imports it.
 */
const STAFF_PLUGIN = "@course/grading/cli";

function staff(name: string): () => Command {
  return () => {
    let plugin: { commands: Record<string, () => Command> };
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      plugin = require(STAFF_PLUGIN);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND" && (err as Error).message.includes(STAFF_PLUGIN)) {
        throw new Error(`\`course ${name}\` is a staff command of the course's grader (${STAFF_PLUGIN}), which is not installed here: run \`npm ci\` in the course folder.`);
      }
      throw err;
    }
    return plugin.commands[name]();
  };
}

// One line per command; each module exports `command: Command`.
const COMMANDS: Record<string, () => Command> = {
  doctor: () => require("./commands/doctor").command,
  run: () => require("./commands/run").command,
  start: () => require("./commands/start").command,
  "install-kernel": () => require("./commands/install-kernel").command,
  gpu: () => require("./commands/gpu").command,
  book: () => require("./commands/book").command,
  assign: staff("assign"),
  check: staff("check"),
  grade: staff("grade"),
  autograder: staff("autograder"),
  release: staff("release"),
  embed: () => require("./commands/embed").command,
  cluster: () => require("./commands/cluster").command,
  pca: () => require("./commands/pca").command,
  forward: () => require("./commands/forward").command,
  tokenize: () => require("./commands/tokenize").command,
  "fill-mask": () => require("./commands/fill-mask").command,
  download: () => require("./commands/download").command,
  icl: () => require("./commands/icl").command,
  finetune: () => require("./commands/finetune").command,
  pretrain: () => require("./commands/pretrain").command,
  simcse: () => require("./commands/simcse").command,
  whiten: () => require("./commands/whiten").command,
  distill: () => require("./commands/distill").command,
};

/** A command's one-line summary; a command that fails to load says so instead of breaking help. */
function summary(name: string): string {
  try {
    return COMMANDS[name]().summary;
  } catch (err) {
    return `(cannot load: ${(err as Error).message.split("\n")[0]})`;
  }
}

function help(): string {
  const lines = Object.keys(COMMANDS).map((n) => `  ${n.padEnd(16)} ${summary(n)}`);
  return `usage: course <command> [options]\n\ncommands:\n${lines.join("\n")}\n\n\`course help <command>\` shows a command's options.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    const which = rest[0];
    if (which && COMMANDS[which]) console.log(COMMANDS[which]().usage);
    else if (which) {
      console.error(`course help: no command "${which}".${didYouMean(suggest(which, Object.keys(COMMANDS)).map((c) => `\`course help ${c}\``))}\n\n${help()}`);
      return 2;
    } else console.log(help());
    return 0;
  }
  const factory = COMMANDS[name];
  if (!factory) {
    const guesses = suggest(name, Object.keys(COMMANDS));
    console.error(`course: unknown command "${name}".${didYouMean(guesses.map((c) => `\`course ${c}\``))}\n\n${help()}`);
    return 2;
  }
  const cmd = factory();
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(cmd.usage);
    return 0;
  }
  try {
    return await cmd.run(parse(cmd, rest));
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`course ${name}: ${err.message}\n\n${cmd.usage}`);
      return 2;
    }
    throw err;
  }
}
