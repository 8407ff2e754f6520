/**
 * The chatbot dataset: a help-desk sheet of `question,answer` rows in which many
 * paraphrased questions share one canned answer (datasets/README.md §1).
 *
 * The intent of a question is the answer it gets: questions with the same answer (after
 * whitespace is normalised) share an intent. An `intent` column, when present, supplies
 * readable names, and the loader checks that it agrees with the answers.
 */
import * as path from "path";
import { findColumn, readCsv } from "./csv";
import { DATASETS_DIR, DataError } from "./paths";

/** The course's own FAQ (CC0): 391 questions, 31 intents. */
export const DEFAULT_CHATBOT_FILE: string = path.join(DATASETS_DIR, "chatbot", "university-faq.csv");

export interface ChatbotDataset {
  /** One entry per CSV row, trimmed. */
  questions: string[];
  answers: string[];
  /** The intent name of each question. */
  intents: string[];
  /** The intent of each question as an index into `intentNames` (the class label). */
  labels: number[];
  /** Intent names in order of first appearance in the file. */
  intentNames: string[];
  /** The answer of each intent, indexed like `intentNames` (what the chatbot replies). */
  intentAnswers: string[];
  /** "column": names from the `intent` column; "answers": derived from identical answers. */
  intentSource: "column" | "answers";
  /** Absolute path of the CSV read. */
  source: string;
  /** Disagreements between the intent column and the answers, duplicate questions. Not fatal. */
  warnings: string[];
}

export interface LoadChatbotOptions {
  /**
   * Where intents come from. "auto" (default): the `intent` column when the file has one,
   * else the answers. "answers": always derive from the answers, ignoring any intent column.
   */
  intentFrom?: "auto" | "answers";
  /** Names for derived intents: "numbered" (intent_01, intent_02, …; default) or "slug" (first words of the answer). */
  naming?: "numbered" | "slug";
}

/**
 * Loads a `question,answer[,intent]` CSV (any extra columns are ignored; column names
 * may be in any case). Fails with a DataError naming the file and line for a missing
 * column or an empty question/answer/intent.
 */
export function loadChatbot(file: string = DEFAULT_CHATBOT_FILE, options: LoadChatbotOptions = {}): ChatbotDataset {
  const table = readCsv(file, { requiredColumns: ["question", "answer"], ignoreCase: true });
  const qCol = findColumn(table.columns, "question", true) as string;
  const aCol = findColumn(table.columns, "answer", true) as string;
  const iCol = options.intentFrom === "answers" ? undefined : findColumn(table.columns, "intent", true);

  const questions: string[] = [];
  const answers: string[] = [];
  const columnIntents: string[] = [];
  table.rows.forEach((row, r) => {
    const line = table.lines[r];
    const q = row[qCol].trim();
    const a = row[aCol].trim();
    if (q === "") throw new DataError(file, `the "${qCol}" field is empty; every row needs a question`, line);
    if (a === "") throw new DataError(file, `the "${aCol}" field is empty; every question needs the answer the help desk gives`, line);
    questions.push(q);
    answers.push(a);
    if (iCol !== undefined) {
      const intent = row[iCol].trim();
      if (intent === "") {
        throw new DataError(
          file,
          `the "${iCol}" field is empty; fill it in, or delete the ${iCol} column to derive intents from the answers`,
          line,
        );
      }
      columnIntents.push(intent);
    }
  });

  const warnings = duplicateQuestionWarnings(questions, table.lines);
  let intents: string[];
  let intentSource: ChatbotDataset["intentSource"];
  if (iCol !== undefined) {
    intents = columnIntents;
    intentSource = "column";
    warnings.push(...consistencyWarnings(intents, answers, table.lines));
  } else {
    intents = deriveIntents(answers, options.naming ?? "numbered");
    intentSource = "answers";
  }

  const intentNames: string[] = [];
  const intentAnswers: string[] = [];
  const index = new Map<string, number>();
  const labels = intents.map((name, i) => {
    let k = index.get(name);
    if (k === undefined) {
      k = intentNames.length;
      index.set(name, k);
      intentNames.push(name);
      intentAnswers.push(answers[i]);
    }
    return k;
  });

  return { questions, answers, intents, labels, intentNames, intentAnswers, intentSource, source: path.resolve(file), warnings };
}

/** The form in which two answers count as the same: trimmed, runs of whitespace made one space. */
export function normaliseAnswer(answer: string): string {
  return answer.trim().replace(/\s+/g, " ");
}

/**
 * One intent name per answer: identical answers (after normaliseAnswer) get the same
 * name, numbered in order of first appearance (`intent_01`, …) or slugged from the
 * answer's first words (`undergraduate_tuition_at_northfield`).
 */
export function deriveIntents(answers: readonly string[], naming: "numbered" | "slug" = "numbered"): string[] {
  const keys = answers.map(normaliseAnswer);
  const distinct = [...new Set(keys)];
  const width = Math.max(2, String(distinct.length).length);
  const names = new Map<string, string>();
  const used = new Set<string>();
  distinct.forEach((key, i) => {
    let name = naming === "slug" ? answerSlug(key) : `intent_${String(i + 1).padStart(width, "0")}`;
    if (used.has(name)) {
      let n = 2;
      while (used.has(`${name}_${n}`)) n++;
      name = `${name}_${n}`;
    }
    used.add(name);
    names.set(key, name);
  });
  return keys.map((k) => names.get(k) as string);
}

/** A short snake_case name from the first words of an answer (at most 4 words, 40 characters). */
export function answerSlug(answer: string): string {
  const words = answer.toLowerCase().normalize("NFKD").replace(/[^a-z0-9\s]/g, " ").split(/\s+/).filter(Boolean);
  const slug = words.slice(0, 4).join("_").slice(0, 40).replace(/_+$/, "");
  return slug === "" ? "intent" : slug;
}

/** Intents with several answers, and answers shared by several intents. */
function consistencyWarnings(intents: readonly string[], answers: readonly string[], lines: readonly number[]): string[] {
  const warnings: string[] = [];
  const answersOf = new Map<string, Map<string, number[]>>(); // intent -> answer -> lines
  const intentsOf = new Map<string, Map<string, number[]>>(); // answer -> intent -> lines
  intents.forEach((intent, i) => {
    const a = normaliseAnswer(answers[i]);
    push(answersOf, intent, a, lines[i]);
    push(intentsOf, a, intent, lines[i]);
  });
  for (const [intent, byAnswer] of answersOf) {
    if (byAnswer.size > 1) {
      const where = [...byAnswer.values()].map((ls) => `lines ${ls.slice(0, 3).join(", ")}${ls.length > 3 ? ", …" : ""}`);
      warnings.push(`intent "${intent}" has ${byAnswer.size} different answers (${where.join("; ")}); paraphrases of one intent should share one answer`);
    }
  }
  for (const [answer, byIntent] of intentsOf) {
    if (byIntent.size > 1) {
      const names = [...byIntent.keys()].map((n) => `"${n}"`).join(", ");
      warnings.push(`intents ${names} share the answer "${answer.slice(0, 60)}${answer.length > 60 ? "…" : ""}"; each intent should have its own answer`);
    }
  }
  return warnings;
}

function duplicateQuestionWarnings(questions: readonly string[], lines: readonly number[]): string[] {
  const seen = new Map<string, number[]>();
  questions.forEach((q, i) => {
    const key = normaliseAnswer(q).toLowerCase();
    seen.set(key, [...(seen.get(key) ?? []), lines[i]]);
  });
  return [...seen.entries()]
    .filter(([, ls]) => ls.length > 1)
    .map(([q, ls]) => `question "${q}" appears ${ls.length} times (lines ${ls.join(", ")})`);
}

function push(m: Map<string, Map<string, number[]>>, a: string, b: string, line: number): void {
  let inner = m.get(a);
  if (inner === undefined) m.set(a, (inner = new Map()));
  inner.set(b, [...(inner.get(b) ?? []), line]);
}
