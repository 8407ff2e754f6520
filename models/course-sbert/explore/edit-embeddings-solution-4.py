"""Fourth pass (session s29): course-sbert became the vocabulary-distilled student cut to the layers held-out
agreement picks (one encoder layer), so its BERT no longer has the course BERT's depth: the course-sbert
tables and comparisons index its own layers (sL), and the prose says how it was made."""
from nbedit import P, lines, nb, pos, replace_in, save  # noqa: F401 (the scripts share nbedit.py)


# §4 prose: what course-sbert's BERT is now.
replace_in("c19", """The same measurements are repeated on the BERT inside **course-sbert**, the course's sentence encoder (§6).
Its card, `models/course-sbert/README.md`, says how it was made: where its weights were trained further
(`npx course distill`), the table shows which pooling and which layer profited; where only a layer after
pooling was added (`npx course whiten`), its BERT is the course BERT itself and the two tables agree.""",
"""The same measurements are repeated on the BERT inside **course-sbert**, the course's sentence encoder (§6).
Its card, `models/course-sbert/README.md`, says how it was made: `npx course distill` gave the course BERT a
new word-piece table, distilled from a strong sentence encoder, and kept only the encoder layers whose mean
pooling agreed best with that encoder on held-out corpus sentences — so its BERT may have fewer layers than
the course BERT, and its table has a row for each of its own hidden states. The pooled vectors are measured
*before* its linear layer, as for the course BERT.""")

# §4 code: course-sbert's own depth.
replace_in("c20", """const sbertArisByPooling: Record<string, number[]> = { cls: sbertArisByLayer.cls[L], mean: sbertArisByLayer.mean[L] };""",
"""const sL = sModel.config.num_hidden_layers; // course-sbert's own depth
const sbertArisByPooling: Record<string, number[]> = { cls: sbertArisByLayer.cls[sL], mean: sbertArisByLayer.mean[sL] };""")
replace_in("c20", """viz.show(viz.bar(layerNames, {
  "mean pooling": sbertArisByLayer.mean.map(mean),
  "[CLS]": sbertArisByLayer.cls.map(mean),
  "pooler_output": lastOnly(sbertArisByPooling.pooler ? mean(sbertArisByPooling.pooler) : NaN),
}, {
  errors: { "mean pooling": sbertArisByLayer.mean.map(std), "[CLS]": sbertArisByLayer.cls.map(std), "pooler_output": lastOnly(sbertArisByPooling.pooler ? std(sbertArisByPooling.pooler) : NaN) },""",
"""const sLayerNames = sMeanByLayer.map((_, i) => (i === 0 ? "0 (embeddings)" : i === sL ? `${i} (last)` : String(i)));
const sLastOnly = (x: number) => sLayerNames.map((_, i) => (i === sL ? x : NaN));
viz.show(viz.bar(sLayerNames, {
  "mean pooling": sbertArisByLayer.mean.map(mean),
  "[CLS]": sbertArisByLayer.cls.map(mean),
  "pooler_output": sLastOnly(sbertArisByPooling.pooler ? mean(sbertArisByPooling.pooler) : NaN),
}, {
  errors: { "mean pooling": sbertArisByLayer.mean.map(std), "[CLS]": sbertArisByLayer.cls.map(std), "pooler_output": sLastOnly(sbertArisByPooling.pooler ? std(sbertArisByPooling.pooler) : NaN) },""")
replace_in("c20", """  "course-sbert mean": fmt(sbertArisByLayer.mean[i]), "course-sbert [CLS]": fmt(sbertArisByLayer.cls[i]), "course-sbert pooler": i === L && sbertArisByPooling.pooler ? fmt(sbertArisByPooling.pooler) : "—" })),""",
"""  "course-sbert mean": i <= sL ? fmt(sbertArisByLayer.mean[i]) : "—", "course-sbert [CLS]": i <= sL ? fmt(sbertArisByLayer.cls[i]) : "—", "course-sbert pooler": i === sL && sbertArisByPooling.pooler ? fmt(sbertArisByPooling.pooler) : "—" })),""")
replace_in("c20", """  { caption: `ARI (mean ± std over ${S} K-Means runs); noise floor σ = ${sigma.toFixed(3)}` });""",
"""  { caption: `ARI (mean ± std over ${S} K-Means runs); noise floor σ = ${sigma.toFixed(3)}; course-sbert's BERT has ${sL} encoder layer${sL === 1 ? "" : "s"}` });""")
replace_in("c20", """`last layer minus layer 0: ${zOf(sbertArisByLayer.mean[L], sbertArisByLayer.mean[0]).toFixed(1)} σ_Δ;""",
"""`last layer minus layer 0: ${zOf(sbertArisByLayer.mean[sL], sbertArisByLayer.mean[0]).toFixed(1)} σ_Δ;""")

# §6 prose: how the distilled encoder is made.
replace_in("c37", """  `npx course distill` (Reimers & Gurevych 2020, the recipe sentence-transformers uses for new models: the
  BERT and the linear layer are trained so that the pooled vector matches USE Lite's vector for the same
  unlabelled corpus sentence). Its card, `models/course-sbert/README.md`, says which one this is, with the
  measurements of both.""",
"""  `npx course distill` (knowledge distillation, Reimers & Gurevych 2020, the recipe sentence-transformers uses
  for new models: the student's pooled vector, through the linear layer, should match USE Lite's vector for
  the same unlabelled corpus sentence; the course's version can first give the BERT a word-piece table
  distilled from USE Lite by least squares and keep only the layers that help). Its card,
  `models/course-sbert/README.md`, says which one this is, with the measurements of both.""")

# Q9's prompt.
replace_in("c39", """`arisByModel`, `sigma` and `K_SIGMA`. Both start from the same pre-trained BERT with mean pooling; what
course-sbert adds (its card says which) is the only difference.""",
"""`arisByModel`, `sigma` and `K_SIGMA`. Both pool with the mean; course-sbert was made from the course BERT
by what its card describes, and that is what this verdict judges.""")

# Findings: course-sbert's layers by its own depth.
replace_in("c43", """  layers: [vs(`course-sbert mean: layer ${L} vs layer 0`, sbertArisByLayer.mean[L], sbertArisByLayer.mean[0]),
    ...sbertArisByLayer.mean.slice(1, L).map((a, i) => vs(`course-sbert mean: layer ${L} vs layer ${i + 1}`, sbertArisByLayer.mean[L], a))],""",
"""  layers: [vs(`course-sbert mean: layer ${sL} vs layer 0`, sbertArisByLayer.mean[sL], sbertArisByLayer.mean[0]),
    ...sbertArisByLayer.mean.slice(1, sL).map((a, i) => vs(`course-sbert mean: layer ${sL} vs layer ${i + 1}`, sbertArisByLayer.mean[sL], a))],""")

save()
print("edited", P)
