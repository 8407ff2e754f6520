/**
 * Twenty cloze sentences written for the course BERT (trained on State of the Union addresses and
 * Moby-Dick): each has one [MASK] whose answer is a single token of its vocabulary. The score is
 * how many answers appear in the model's top 5 (the course BERT's count is in models/course-bert).
 */
export const CLOZE_ITEMS: readonly { text: string; answer: string }[] = [
  { text: "Fellow citizens of the Senate and [MASK] of Representatives.", answer: "house" },
  { text: "The President of the United [MASK] addressed the Congress.", answer: "states" },
  { text: "The state of the [MASK] is strong.", answer: "union" },
  { text: "The Secretary of the [MASK] will report on the public debt.", answer: "treasury" },
  { text: "I ask the Congress to [MASK] this bill without delay.", answer: "pass" },
  { text: "We must reduce the public [MASK].", answer: "debt" },
  { text: "Our army and [MASK] are ready to defend the nation.", answer: "navy" },
  { text: "The Supreme [MASK] decided the case.", answer: "court" },
  { text: "Every American deserves affordable health [MASK].", answer: "care" },
  { text: "We will protect Social [MASK] and Medicare.", answer: "security" },
  { text: "Our foreign [MASK] with other nations remain peaceful.", answer: "relations" },
  { text: "The people of this [MASK] want jobs and growth.", answer: "country" },
  { text: "We will cut [MASK] for working families.", answer: "taxes" },
  { text: "God bless the United States of [MASK].", answer: "america" },
  { text: "The whale hunters sailed from [MASK] in a ship.", answer: "nantucket" },
  { text: "Captain [MASK] stood upon the quarter-deck.", answer: "ahab" },
  { text: "The white [MASK] rose from the sea.", answer: "whale" },
  { text: "The harpooneer threw his [MASK] at the whale.", answer: "harpoon" },
  { text: "The ship sailed across the [MASK].", answer: "sea" },
  { text: "The sailors climbed into the [MASK] and rowed toward the whale.", answer: "boats" },
];
