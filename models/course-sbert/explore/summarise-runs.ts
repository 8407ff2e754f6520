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
const runs = fs.readdirSync(DIR).filter((f) => f.endsWith(".json")).sort().map((f) => ({ name: f.replace(/\.json$/, ""), r: JSON.parse(fs.readFileSync(path.join(DIR, f), "utf8")) as Rec }));
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
console.log("| run | student | examples | loss | steps × batch | held-out agreement@10: start → end (best) | FAQ ARI start → end | FAQ 1-NN start → end | minutes |");
console.log("|---|---|---|---|---|---|---|---|---|");
for (const { name, r } of runs) {
  const e0 = r.evals[0], e1 = r.evals[r.evals.length - 1];
  const best = r.evals.reduce((b, e) => (e.agreement > b.agreement ? e : b));
  console.log(`| ${name} | ${r.student.init} | ${r.data.training.toLocaleString("en")} sentences${r.data.words ? ` + ${r.data.words.toLocaleString("en")} words` : ""} | ${r.options.lossSpec}${r.options.centre ? ", centred" : ""} | ${e1.step} × ${r.options.batch} (lr ${r.options.lr}) | ${pct(e0.agreement)} → ${pct(e1.agreement)} (${pct(best.agreement)} at ${best.step}) | ${e0.faqAri.toFixed(3)} → ${e1.faqAri.toFixed(3)} | ${pct(e0.faqNn)} → ${pct(e1.faqNn)} | ${(r.seconds / 60).toFixed(0)} |`);
}
const pre = runs.find((x) => x.name === "words-pretrained"), rnd = runs.find((x) => x.name === "words-random-init");
if (pre && rnd) {
  const svg = distillCurvesSvg(
    [{ name: "from the pre-trained course BERT", color: "#1f77b4", evals: pre.r.evals }, { name: "from random weights (same shape)", color: "#d62728", evals: rnd.r.evals }],
    [{ metric: "agreement", title: "held-out neighbour agreement@10 (selects)" }, { metric: "faqAri", title: "FAQ ARI (reported only)", refs: [{ label: "TF-IDF 0.100", value: 0.1 }, { label: "1.3 × TF-IDF", value: 0.13 }] }, { metric: "faqNn", title: "FAQ 1-NN intent accuracy (reported only)", refs: [{ label: "TF-IDF 45.5%", value: 0.455 }] }],
    "Distillation from USE Lite: pre-trained vs random start, same data and steps",
  );
  fs.writeFileSync(path.join(__dirname, "..", "distill-curves.svg"), svg + "\n");
  console.log("\nwritten models/course-sbert/distill-curves.svg");
}
