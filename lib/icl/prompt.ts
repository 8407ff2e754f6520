/**
 * Prompt anatomy (Brown et al. 2020, "Language Models are Few-Shot Learners", Figure 2.1):
 *
 *   Translate English to French:        ← task description (instruction)
 *   sea otter => loutre de mer          ← k examples (k = 0: zero-shot, 1: one-shot, more: few-shot)
 *   peppermint => menthe poivrée
 *   plush girafe => girafe peluche
 *   cheese =>                           ← the query; the model continues the text
 *
 * No gradient updates: the "learning" is only in what the model reads. The same parts also make a
 * chat conversation (`toChat`): the description as the system message and each example as a
 * user → assistant turn, which is how chat-tuned models expect few-shot examples.
 */

export interface Example {
  input: string;
  output: string;
}

export interface PromptParts {
  /** The task description; omit for a prompt with examples only. */
  instruction?: string;
  /** The demonstrations, in the order shown. */
  examples: readonly Example[];
  /** The input the model must complete. */
  query: string;
}

export interface PromptFormat {
  /** Between an input and its output (the query ends with it). */
  arrow: string;
  /** Between lines (instruction, examples, query). */
  separator: string;
}

/** The course's format: `input => output`, one per line (Brown et al. 2020's translation example). */
export const DEFAULT_FORMAT: PromptFormat = { arrow: " =>", separator: "\n" };

export type PromptPartKind = "instruction" | "example" | "query";

export interface PromptSegment {
  kind: PromptPartKind;
  text: string;
}

/** The prompt as labelled segments (for display: which words are description, examples, query). */
export function promptSegments(parts: PromptParts, format: PromptFormat = DEFAULT_FORMAT): PromptSegment[] {
  const out: PromptSegment[] = [];
  if (parts.instruction !== undefined && parts.instruction !== "") out.push({ kind: "instruction", text: parts.instruction });
  for (const ex of parts.examples) out.push({ kind: "example", text: `${ex.input}${format.arrow} ${ex.output}` });
  out.push({ kind: "query", text: `${parts.query}${format.arrow}` });
  return out;
}

/** The prompt text; the model's answer is its continuation (candidates are scored as " " + output). */
export function buildPrompt(parts: PromptParts, format: PromptFormat = DEFAULT_FORMAT): string {
  return promptSegments(parts, format)
    .map((s) => s.text)
    .join(format.separator);
}

/** How a label is appended to the prompt when it is scored: one space, then the label. */
export function continuation(output: string): string {
  return ` ${output}`;
}

/** Brown et al. 2020's running example, used by the notebook and the `translate` task. */
export const TRANSLATE_EXAMPLE: PromptParts = {
  instruction: "Translate English to French:",
  examples: [
    { input: "sea otter", output: "loutre de mer" },
    { input: "peppermint", output: "menthe poivrée" },
    { input: "plush girafe", output: "girafe peluche" },
  ],
  query: "cheese",
};

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/**
 * The same parts as a chat (multi-turn): system = task description, then one user/assistant turn
 * per example, then the query as the last user turn. A chat template turns this into the tokens the
 * chat model was tuned on (`tokenizer.apply_chat_template`).
 */
export function toChat(parts: PromptParts): ChatMessage[] {
  const msgs: ChatMessage[] = [];
  if (parts.instruction) msgs.push({ role: "system", content: parts.instruction });
  for (const ex of parts.examples) msgs.push({ role: "user", content: ex.input }, { role: "assistant", content: ex.output });
  msgs.push({ role: "user", content: parts.query });
  return msgs;
}
