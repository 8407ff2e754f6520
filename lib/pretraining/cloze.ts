/** Which part of the corpus a cloze sentence is written in the style of. */
export type ClozeSource = "reviews" | "everyday" | "speeches" | "novel";

/**
 * Twenty cloze sentences written for the course BERT, spread over the four sources of its corpus
 * (the `course` mix: IMDb movie reviews, which are about 80% of the text, the Brown Corpus, State of
 * the Union addresses and Moby-Dick): each has one [MASK] whose answer is a single token of the
 * course vocabulary. The score is how many answers appear in the model's top 5 (the course BERT's
 * count is in models/course-bert/training-record.json).
 */
export const CLOZE_ITEMS: readonly { text: string; answer: string; source: ClozeSource }[] = [
  { text: "This is one of the best [MASK] I have ever seen.", answer: "movies", source: "reviews" },
  { text: "The acting was terrible and the [MASK] made no sense.", answer: "plot", source: "reviews" },
  { text: "I would not recommend this film to [MASK].", answer: "anyone", source: "reviews" },
  { text: "The special [MASK] were amazing for their time.", answer: "effects", source: "reviews" },
  { text: "She gave a wonderful [MASK] as the mother.", answer: "performance", source: "reviews" },
  { text: "The movie was so boring that I fell [MASK].", answer: "asleep", source: "reviews" },
  { text: "He opened the [MASK] and walked into the room.", answer: "door", source: "everyday" },
  { text: "She drank a cup of [MASK] every morning.", answer: "coffee", source: "everyday" },
  { text: "The children went to [MASK] on Monday morning.", answer: "school", source: "everyday" },
  { text: "Every morning the sun rose in the [MASK].", answer: "east", source: "everyday" },
  { text: "Fellow citizens of the Senate and [MASK] of Representatives.", answer: "house", source: "speeches" },
  { text: "The President of the United [MASK] addressed the Congress.", answer: "states", source: "speeches" },
  { text: "The Supreme [MASK] decided the case.", answer: "court", source: "speeches" },
  { text: "We must reduce the public [MASK].", answer: "debt", source: "speeches" },
  { text: "Our army and [MASK] are ready to defend the nation.", answer: "navy", source: "speeches" },
  { text: "God bless the United States of [MASK].", answer: "america", source: "speeches" },
  { text: "Captain [MASK] stood upon the quarter-deck.", answer: "ahab", source: "novel" },
  { text: "The white [MASK] rose from the sea.", answer: "whale", source: "novel" },
  { text: "The ship sailed across the [MASK].", answer: "sea", source: "novel" },
  { text: "The sailors climbed into the [MASK] and rowed toward the whale.", answer: "boats", source: "novel" },
];
