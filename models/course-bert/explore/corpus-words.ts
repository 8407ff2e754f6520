/**
 * The course corpus's composition, for notebook 01's data-bias section: documents, words and tokens per
 * source, and how often a few probe words occur per million words (he/she, the probes' answers).
 * Writes models/course-bert/corpus-words.json (about a minute: it loads all four corpora).
 *
 *   node --import tsx models/course-bert/explore/corpus-words.ts
 */
import * as fs from "node:fs";
import { loadPretrainingDocuments, sourceOf } from "../../../lib/pretraining/corpus";
import { normalize, preTokenize } from "../../../lib/text/basic";

const WORDS = ["he", "she", "his", "her", "man", "woman", "men", "women", "movie", "film", "whale", "sea", "ship", "door", "sky", "east", "president", "congress"];
const { docs } = loadPretrainingDocuments("course");
const per: Record<string, { documents: number; words: number; counts: Record<string, number> }> = {};
for (const d of docs) {
  const src = sourceOf(d.id);
  const s = (per[src] ??= { documents: 0, words: 0, counts: Object.fromEntries(WORDS.map((w) => [w, 0])) });
  s.documents++;
  for (const w of preTokenize(normalize(d.text))) {
    s.words++;
    if (w in s.counts) s.counts[w]++;
  }
}
const out = { script: "models/course-bert/explore/corpus-words.ts", date: new Date().toISOString().slice(0, 10), words: WORDS, sources: per };
fs.writeFileSync("models/course-bert/corpus-words.json", JSON.stringify(out, null, 1) + "\n");
for (const [src, s] of Object.entries(per)) console.log(src, s.documents, s.words, `he ${s.counts.he} she ${s.counts.she}`);
