/**
 * The distillation runs' records (explore/runs/*.json, copied from each run's distill-record.json) as the
 * card's table, and the pre-trained vs random-initialised curves as distill-curves.svg.
 *   node --import tsx models/course-sbert/explore/summarise-runs.ts
 */
import * as fs from "fs";
import * as path from "path";
import { distillCurvesSvg } from "../../../lib/viz/distill";

const DIR = path.join(__dirname, "runs");
type Rec = { options: { lossSpec: string; centre: boolean; steps: number; batch: number; lr: number }; student: { init: string }; data: { training: number; words?: number }; evals: ({ step: number } & Record<string, number>)[]; seconds: number; selected: { step: number } | null };
const runs = fs.readdirSync(DIR).filter((f) => f.endsWith(".json")).sort().map((f) => ({ name: f.replace(/\.json$/, ""), r: JSON.parse(fs.readFileSync(path.join(DIR, f), "utf8")) as Rec })).filter((x) => Array.isArray(x.r.evals) && x.r.evals.length > 0 && x.r.options);
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
console.log("| run | student | examples | loss | steps × batch | held-out agreement@10: start → end (best) | FAQ ARI start → end | FAQ 1-NN start → end | minutes |");
console.log("|---|---|---|---|---|---|---|---|---|");
for (const { name, r } of runs) {
  const e0 = r.evals[0], e1 = r.evals[r.evals.length - 1];
  const best = r.evals.reduce((b, e) => (e.agreement > b.agreement ? e : b));
  console.log(`| ${name} | ${r.student.init} | ${r.data.training.toLocaleString("en")} sentences${r.data.words ? ` + ${r.data.words.toLocaleString("en")} words` : ""} | ${r.options.lossSpec}${r.options.centre ? ", centred" : ""} | ${e1.step} × ${r.options.batch} (lr ${r.options.lr}) | ${pct(e0.agreement)} → ${pct(e1.agreement)} (${pct(best.agreement)} at ${best.step}) | ${e0.faqAri.toFixed(3)} → ${e1.faqAri.toFixed(3)} | ${pct(e0.faqNn)} → ${pct(e1.faqNn)} | ${(r.seconds / 60).toFixed(0)} |`);
}
// The card's curves: the transfer ablation of the recipe that made this folder (session s29: vocabulary stage,
// first encoder layer, then sentence-level training from each start), read from the model folder's records.
const ABL = path.join(__dirname, "..", "distill-ablation");
const pre = JSON.parse(fs.readFileSync(path.join(ABL, "pretrained.json"), "utf8")) as Rec;
const rnd = JSON.parse(fs.readFileSync(path.join(ABL, "random-init.json"), "utf8")) as Rec;
// TF-IDF's scores on the FAQ, as the card's table measured them (faq-measurements.json).
const faq = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "faq-measurements.json"), "utf8")) as { rows: { model: string; ari: number; nnAccuracy: number }[] };
const tfidf = faq.rows.find((r) => r.model === "tfidf");
if (!tfidf) throw new Error("faq-measurements.json has no tfidf row: run explore/measure-faq.ts --write first");
const svg = distillCurvesSvg(
  [{ name: "from the pre-trained course BERT", color: "#1f77b4", evals: pre.evals }, { name: "from random weights (same shape)", color: "#d62728", evals: rnd.evals }],
  [{ metric: "agreement", title: "held-out neighbour agreement@10 (selects)" }, { metric: "faqAri", title: "FAQ ARI (reported only)", refs: [{ label: `TF-IDF ${tfidf.ari.toFixed(3)}`, value: tfidf.ari }] }, { metric: "faqNn", title: "FAQ 1-NN intent accuracy (reported only)", refs: [{ label: `TF-IDF ${(100 * tfidf.nnAccuracy).toFixed(1)}%`, value: tfidf.nnAccuracy }] }],
  "Distillation from USE Lite after the vocabulary stage: pre-trained vs random start, same data and steps",
);
fs.writeFileSync(path.join(__dirname, "..", "distill-curves.svg"), svg + "\n");
console.log("\nwritten models/course-sbert/distill-curves.svg");

// The first transfer ablation (sentence-level training of the whole BERT from its own word table; DEVLOG "The runs so far").
const oldPre = runs.find((x) => x.name === "words-pretrained"), oldRnd = runs.find((x) => x.name === "words-random-init");
if (oldPre && oldRnd) {
  const svgOld = distillCurvesSvg(
    [{ name: "from the pre-trained course BERT", color: "#1f77b4", evals: oldPre.r.evals }, { name: "from random weights (same shape)", color: "#d62728", evals: oldRnd.r.evals }],
    [{ metric: "agreement", title: "held-out neighbour agreement@10 (selects)" }, { metric: "faqAri", title: "FAQ ARI (reported only)", refs: [{ label: `TF-IDF ${tfidf.ari.toFixed(3)}`, value: tfidf.ari }] }, { metric: "faqNn", title: "FAQ 1-NN intent accuracy (reported only)", refs: [{ label: `TF-IDF ${(100 * tfidf.nnAccuracy).toFixed(1)}%`, value: tfidf.nnAccuracy }] }],
    "Distillation from USE Lite without the vocabulary stage: pre-trained vs random start, same data and steps",
  );
  fs.writeFileSync(path.join(__dirname, "..", "distill-curves-no-vocab.svg"), svgOld + "\n");
  console.log("written models/course-sbert/distill-curves-no-vocab.svg");
}
