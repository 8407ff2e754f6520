"""Adds course-sbert (the distilled sentence encoder) to the embeddings exercise's solution: its poolings and
layers in §4, a dose-response of weight noise per layer group in §5, PCA pictures and the whitening baseline
in §6, and findings that say which comparisons lie beyond 3 σ. Changes only the cells named here (ids kept,
new cells get new ids, outputs cleared); run it from the course folder, then `npx course assign`."""
import json

P = "solutions/embeddings.ipynb"
nb = json.load(open(P))
cells = nb["cells"]
pos = {c.get("id"): i for i, c in enumerate(cells)}


def lines(s):
    out = s.split("\n")
    return [l + "\n" for l in out[:-1]] + [out[-1]]


def code(cid, src, meta):
    return {"cell_type": "code", "execution_count": None, "id": cid, "metadata": meta, "outputs": [], "source": lines(src)}


def md(cid, src, meta):
    return {"cell_type": "markdown", "id": cid, "metadata": meta, "source": lines(src)}


def get(cid):
    return cells[pos[cid]]


def replace_in(cid, old, new):
    c = get(cid)
    s = "".join(c["source"])
    assert old in s, f"{cid}: text to replace not found: {old[:60]!r}"
    c["source"] = lines(s.replace(old, new, 1))
    if c["cell_type"] == "code":
        c["outputs"], c["execution_count"] = [], None


LOCKED = {"course": {"type": "locked"}}

# ---- §4: the same poolings and layers on course-sbert
replace_in("c19", """* **mean pooling** — the average of the real tokens' vectors (your Q1), as Sentence-BERT does.""",
"""* **mean pooling** — the average of the real tokens' vectors (your Q1), as Sentence-BERT does.

The same measurements are repeated on **course-sbert**, the course BERT after it was *distilled* into a
sentence encoder (§6 says how): its weights were trained so that the mean of the last layer's token vectors
says what a sentence means. Watch which pooling and which layer profit.""")
replace_in("c20", """viz.showTable(layerNames.map((name, i) => ({ "hidden state": name, "mean pooling": fmt(arisByLayer.mean[i]), "[CLS]": fmt(arisByLayer.cls[i]), pooler_output: i === L ? fmt(arisByPooling.pooler) : "—" })),
  { caption: `ARI (mean ± std over ${S} K-Means runs); noise floor σ = ${sigma.toFixed(3)}` });""",
"""// The same on course-sbert's BERT (models/course-sbert): the pooled vectors themselves, before its Dense layer.
const sbert = await embeddings.loadEncoder("course-sbert");
const sModel = sbert.bert!.model, sTok = sbert.bert!.tokenizer;
const sMeanByLayer = await embeddings.embedTexts(sModel, sTok, questions, { pooling: "mean", layer: "all" }); // [L+1][n][H]
const sClsByLayer = await embeddings.embedTexts(sModel, sTok, questions, { pooling: "cls", layer: "all" });
const sbertArisByLayer = { mean: sMeanByLayer.map((X) => arisOf(X)), cls: sClsByLayer.map((X) => arisOf(X)) };
const sbertArisByPooling: Record<string, number[]> = { cls: sbertArisByLayer.cls[L], mean: sbertArisByLayer.mean[L] };
if (sModel.heads.pooler) sbertArisByPooling.pooler = arisOf(await embeddings.embedTexts(sModel, sTok, questions, { pooling: "pooler" }));
viz.show(viz.bar(layerNames, {
  "mean pooling": sbertArisByLayer.mean.map(mean),
  "[CLS]": sbertArisByLayer.cls.map(mean),
  "pooler_output": lastOnly(sbertArisByPooling.pooler ? mean(sbertArisByPooling.pooler) : NaN),
}, {
  errors: { "mean pooling": sbertArisByLayer.mean.map(std), "[CLS]": sbertArisByLayer.cls.map(std), "pooler_output": lastOnly(sbertArisByPooling.pooler ? std(sbertArisByPooling.pooler) : NaN) },
  title: `course-sbert: ARI by layer and pooling (mean ± std of ${S} K-Means runs)`, xTitle: "hidden state", yTitle: "ARI vs intents",
}));
viz.showTable(layerNames.map((name, i) => ({ "hidden state": name, "mean pooling": fmt(arisByLayer.mean[i]), "[CLS]": fmt(arisByLayer.cls[i]), pooler_output: i === L ? fmt(arisByPooling.pooler) : "—",
  "course-sbert mean": fmt(sbertArisByLayer.mean[i]), "course-sbert [CLS]": fmt(sbertArisByLayer.cls[i]), "course-sbert pooler": i === L && sbertArisByPooling.pooler ? fmt(sbertArisByPooling.pooler) : "—" })),
  { caption: `ARI (mean ± std over ${S} K-Means runs); noise floor σ = ${sigma.toFixed(3)}` });
const sbertBestLayer = sbertArisByLayer.mean.map(mean).reduce((b, a, i, all) => (a > all[b] ? i : b), 0);
console.log(`course-sbert, mean pooling: the best hidden state is ${sbertBestLayer} (${mean(sbertArisByLayer.mean[sbertBestLayer]).toFixed(3)}); ` +
  `last layer vs layer 0: ${verdict(sbertArisByLayer.mean[L], sbertArisByLayer.mean[0], sigma, K_SIGMA)}; [CLS] vs mean at the last layer: ${verdict(sbertArisByPooling.cls, sbertArisByPooling.mean, sigma, K_SIGMA)}`);""")

# ---- §5: dose-response per layer group on course-sbert (after Q7's reading)
dose_md = md("d28a0001", """### Dose and response, layer group by layer group

One noise scale on every weight says little about *where* a model keeps what it learned. Below, noise of
growing scale is added to one group of course-sbert's weights at a time (the embeddings, each encoder layer,
and all of them), and the FAQ questions are embedded with course-sbert's own pipeline (mean pooling, its
Dense layer, length 1). A group whose curve falls below the band first is the one the sentence encoder
relies on most; the band is the unchanged model's ARI minus 3 σ_Δ.""", LOCKED)
dose_code = code("d28a0002", """const doseScales = byMode({ fast: [0, 0.3, 3], full: [0, 0.03, 0.1, 0.3, 1, 3] });
const doseGroups = byMode({ fast: ["embeddings", "all"], full: [...sModel.params.groups().filter((g) => g === "embeddings" || g.startsWith("layer.")), "all"] });
const sbertUnchanged = arisOf(await sbert.embed(questions));
const doseAris: Record<string, number[][]> = {}; // group → [scale][S]
for (const group of doseGroups) {
  doseAris[group] = [sbertUnchanged];
  for (const scale of doseScales.slice(1)) {
    const X = await embeddings.withPerturbation(sModel, (m) => embeddings.addNoise(m, { groups: group, scale, seed: settings.seed }), () => sbert.embed(questions));
    doseAris[group].push(arisOf(X));
  }
}
const sBand = mean(sbertUnchanged) - K_SIGMA * sigma * Math.sqrt(2 / S);
const doseFig = viz.line({
  ...Object.fromEntries(doseGroups.map((g) => [g === "all" ? "all weights" : g, { x: doseScales.map((s) => Math.max(s, 1e-2)), y: doseAris[g].map(mean) }])),
  [`unchanged − ${K_SIGMA} σ_Δ`]: { x: [1e-2, doseScales[doseScales.length - 1]], y: [sBand, sBand] },
}, { title: "course-sbert: ARI vs noise scale, one layer group at a time (scale 0 plotted at 0.01)", xTitle: "noise std / weight std (log scale)", yTitle: "ARI vs intents" });
(doseFig.layout.xaxis as Record<string, unknown>).type = "log";
viz.show(doseFig);
const firstHarm = Object.fromEntries(doseGroups.map((g) => [g, doseScales.find((s, i) => i > 0 && verdict(doseAris[g][i], doseAris[g][0], sigma, K_SIGMA) === "lower") ?? Infinity]));
viz.showTable(doseGroups.map((g) => ({ group: g, ...Object.fromEntries(doseScales.map((s, i) => [`scale ${s}`, mean(doseAris[g][i]).toFixed(3)])), "first harmful scale": Number.isFinite(firstHarm[g]) ? firstHarm[g] : "none" })),
  { caption: `course-sbert, mean ARI of ${S} K-Means runs per setting; a drop counts beyond ${K_SIGMA} σ_Δ` });
const fragile = doseGroups.filter((g) => g !== "all" && Number.isFinite(firstHarm[g])).sort((a, b) => firstHarm[a] - firstHarm[b]);
console.log(fragile.length ? `Noise on ${fragile[0]} alone lowers ARI beyond the noise from scale ${firstHarm[fragile[0]]}; ` +
  `groups in order of sensitivity: ${fragile.map((g) => `${g} (${firstHarm[g]})`).join(", ")}.` : "No single group's noise lowers ARI beyond the noise at these scales.");
console.log(Number.isFinite(firstHarm.all) ? `Noise on all weights lowers it from scale ${firstHarm.all}.` : "Noise on all weights does not lower it beyond the noise at these scales.");""", LOCKED)
i = pos["7c1e2a00"] + 1
cells[i:i] = [dose_md, dose_code]
pos = {c.get("id"): i for i, c in enumerate(cells)}

# ---- §6: the distilled course-sbert, the whitening baseline, PCA pictures
replace_in("c37", """* **`course-sbert`** — the course BERT made into a sentence encoder without labels: mean pooling, then
  *whitening* (Su et al. 2021) fitted on questions from the pre-training corpus. The vectors are shifted to
  mean zero, rotated onto their principal directions and every direction is scaled to unit variance, so the
  few directions that all of a BERT's sentence vectors share no longer decide every cosine similarity.
  `npx course whiten` makes one. (The contrastive route, `npx course simcse` — SimCSE, Gao et al. 2021 — did
  not improve this small model's FAQ clusters; `models/course-sbert/README.md` has both measurements.)""",
"""* **`course-sbert`** — the course BERT *distilled* into a sentence encoder (`npx course distill`; Reimers &
  Gurevych 2020, the recipe sentence-transformers uses to make new models): its mean-pooled vector, through
  one linear layer, was trained to match USE Lite's vector for the same sentence, on unlabelled questions,
  short sentences and words from the pre-training corpus — no FAQ question, no label. The model card,
  `models/course-sbert/README.md`, has the training record and what was tried.
* **course-bert mean, whitened** — the cheapest fix without training (Su et al. 2021): shift the course BERT's
  mean-pooled vectors to mean zero, rotate them onto their principal directions and scale every direction
  to unit variance, so the few directions all its sentence vectors share no longer decide every cosine.
  Fitted here on the questions themselves, without their labels (`npx course whiten` fits it on corpus
  questions instead and saves a folder).""")
replace_in("c38", """addRow("course-bert mean", meanByLayer[L], "§4");""", """addRow("course-bert mean", meanByLayer[L], "§4");
// Whitening fitted on these questions' own vectors (no labels); at most n/2 directions, so every kept variance is well estimated.
const whitening = embeddings.fitWhitening(meanByLayer[L], Math.min(model.config.hidden_size, Math.floor(questions.length / 2)));
addRow("course-bert mean, whitened", embeddings.l2Normalize(embeddings.applyLinear(whitening, meanByLayer[L])), "§4");
const vectorsByModel: Record<string, number[][]> = {};""")
replace_in("c38", """    const X = await enc.embed(questions);
    enc.dispose();""", """    const X = id === "course-sbert" ? await sbert.embed(questions) : await enc.embed(questions);
    vectorsByModel[id] = X;
    enc.dispose();""")
replace_in("c38", """if (sb) console.log(`course-sbert: ARI ${fmt(sb)}; course BERT, mean pooling: ARI ${fmt(bm)}; difference ${(mean(sb) - mean(bm)).toFixed(3)} (${K_SIGMA} σ_Δ = ${(K_SIGMA * sigma * Math.sqrt(1 / sb.length + 1 / bm.length)).toFixed(3)})`);""",
"""if (sb) console.log(`course-sbert: ARI ${fmt(sb)}; course BERT, mean pooling: ARI ${fmt(bm)}; difference ${(mean(sb) - mean(bm)).toFixed(3)} (${K_SIGMA} σ_Δ = ${(K_SIGMA * sigma * Math.sqrt(1 / sb.length + 1 / bm.length)).toFixed(3)})`);
// The first picture of §1 again, for [CLS] and for the sentence encoders: the first two principal components, coloured by intent.
const pictures: [string, number[][]][] = [["course-bert [CLS]", clsByLayer[L]], ["course-sbert", vectorsByModel["course-sbert"]], ["use-lite", vectorsByModel["use-lite"]]];
for (const [name, X] of pictures) {
  if (!X) continue;
  const p = analysis.pca(X, { nComponents: 2 });
  viz.show(viz.scatter({ x: p.scores.map((r) => r[0]), y: p.scores.map((r) => r[1]), groups: intents, hover: questions }, {
    title: `${name}: first two principal components, coloured by intent`, xTitle: `PC1 (${(100 * p.explainedVarianceRatio[0]).toFixed(1)}%)`, yTitle: `PC2 (${(100 * p.explainedVarianceRatio[1]).toFixed(1)}%)`, height: 460,
  }));
}""")
sbert_md = get("c39")
s = "".join(sbert_md["source"])
s = s.replace("### Q9 · Did whitening help? (1 point)", "### Q9 · Did distillation help? (1 point)")
s = s.replace("""`arisByModel`, `sigma` and `K_SIGMA`. Both are the same BERT with mean pooling; only the whitening
(and the normalisation after it) differs.""", """`arisByModel`, `sigma` and `K_SIGMA`. Both start from the same pre-trained BERT with mean pooling;
course-sbert's weights were then distilled from USE Lite (and a linear layer added).""")
sbert_md["source"] = lines(s)

# ---- Findings: the distilled encoder's comparisons, and which task comparisons lie beyond 3 σ
replace_in("c43", """  ...Object.keys(arisByModel).filter((m) => !m.startsWith("course-bert")).map((m) => vs(`${m} vs course-bert mean`, arisByModel[m], arisByModel["course-bert mean"])),
];""", """  ...Object.keys(arisByModel).filter((m) => !m.startsWith("course-bert")).map((m) => vs(`${m} vs course-bert mean`, arisByModel[m], arisByModel["course-bert mean"])),
];
// The three tasks' comparisons on course-sbert: poolings, layers, weight noise per group.
const sbertTasks: Record<string, ReturnType<typeof vs>[]> = {
  pooling: [vs("course-sbert: mean vs [CLS], last layer", sbertArisByPooling.mean, sbertArisByPooling.cls),
    ...(sbertArisByPooling.pooler ? [vs("course-sbert: mean vs pooler, last layer", sbertArisByPooling.mean, sbertArisByPooling.pooler)] : []),
    vs("mean pooling: course-sbert vs course-bert, last layer", sbertArisByPooling.mean, arisByPooling.mean)],
  layers: [vs(`course-sbert mean: layer ${L} vs layer 0`, sbertArisByLayer.mean[L], sbertArisByLayer.mean[0]),
    ...sbertArisByLayer.mean.slice(1, L).map((a, i) => vs(`course-sbert mean: layer ${L} vs layer ${i + 1}`, sbertArisByLayer.mean[L], a))],
  "weight noise": doseGroups.flatMap((g) => doseScales.slice(1).map((s, i) => vs(`course-sbert: noise ${s} on ${g} vs none`, doseAris[g][i + 1], doseAris[g][0]))),
};
findings.push(...Object.values(sbertTasks).flat());""")
replace_in("c43", """  `Ranking by ARI: ${ranked.map((r) => `${r.model} ${r.ARI.toFixed(3)}`).join(" > ")}.`,""",
"""  arisByModel["course-bert mean, whitened"] ? `Whitening alone: ${mean(arisByModel["course-bert mean, whitened"]).toFixed(3)}, ${said[verdict(arisByModel["course-bert mean, whitened"], arisByModel["course-bert mean"], sigma, K_SIGMA)]} mean pooling.` : "",
  ...Object.entries(sbertTasks).map(([task, rows]) => {
    const real = rows.filter((r) => r.verdict !== "within noise");
    return `course-sbert, ${task}: ${real.length} of ${rows.length} comparisons lie beyond ${K_SIGMA} σ_Δ${real.length ? ` — ${real.slice(0, 4).map((r) => `${r.comparison} (${r.difference > 0 ? "+" : ""}${r.difference})`).join("; ")}${real.length > 4 ? "; …" : ""}` : ""}.`;
  }),
  `Ranking by ARI: ${ranked.map((r) => `${r.model} ${r.ARI.toFixed(3)}`).join(" > ")}.`,""")
replace_in("c43", """  arisByModel["course-sbert"] ? `Whitening: course-sbert (${mean(arisByModel["course-sbert"]).toFixed(3)}) ${said[sbertVsBert]} the course BERT's mean pooling (${mean(arisByModel["course-bert mean"]).toFixed(3)}).` : "",""",
"""  arisByModel["course-sbert"] ? `Distillation: course-sbert (${mean(arisByModel["course-sbert"]).toFixed(3)}) ${said[sbertVsBert]} the course BERT's mean pooling (${mean(arisByModel["course-bert mean"]).toFixed(3)}).` : "",""")
replace_in("c43", """console.log(lines.join("\\n"));""", """console.log(lines.join("\\n"));
sbert.dispose();""")

with open(P, "w") as f:
    json.dump(nb, f, indent=1, ensure_ascii=False)
    f.write("\n")
print("solutions/embeddings.ipynb: §4, §5, §6 and findings updated")
