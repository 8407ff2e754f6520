/**
 * Self-check answers at the end of a notebook: computed by the notebook from its own run, shown
 * folded (an HTML <details> element) so a student can try the questions first. Text-only front ends
 * get the answers after a line that says so.
 */
import { display, escapeHtml } from "./display";

export interface Answer {
  /** The question, short (it is repeated above the answer). */
  question: string;
  /** The answer, plain text; **bold** is kept. */
  answer: string;
}

const bold = (s: string) => escapeHtml(s).replace(/\*\*(.+?)\*\*/g, "<b>$1</b>");

/** The folded HTML: a <details> with one numbered item per question. */
export function answersHtml(answers: readonly Answer[], summary = "Answers (computed from this run) — click to reveal"): string {
  if (!answers.length) throw new Error("answersHtml: no answers to show");
  const items = answers.map((a) => `<li><p><i>${bold(a.question)}</i></p><p>${bold(a.answer)}</p></li>`).join("");
  return `<details class="course-answers"><summary>${escapeHtml(summary)}</summary><ol>${items}</ol></details>`;
}

/** Shows the answers folded in a notebook. */
export function showAnswers(answers: readonly Answer[], summary?: string): void {
  const text = ["Answers (computed from this run):", ...answers.map((a, i) => `${i + 1}. ${a.question}\n   ${a.answer.replace(/\*\*/g, "")}`)].join("\n");
  display({ "text/html": answersHtml(answers, summary), "text/plain": text });
}
