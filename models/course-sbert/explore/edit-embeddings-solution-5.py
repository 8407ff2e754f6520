"""Fifth pass (session s29): course-sbert's pooling and layer rows measured as the encoder outputs them —
through its linear layer and scaled to length 1 — instead of its BERT's raw pooled vectors. The distilled
encoder's linear layer carries half of what it learned (a probe on the full FAQ, 10 K-Means runs: raw mean
pooling of its last layer 0.039, through the linear layer 0.177), so raw vectors hid every difference."""
from nbedit import P, lines, nb, pos, replace_in, save  # noqa: F401 (the scripts share nbedit.py)


replace_in("c19", """the course BERT, and its table has a row for each of its own hidden states. The pooled vectors are measured
*before* its linear layer, as for the course BERT.""",
"""the course BERT, and its table has a row for each of its own hidden states. Its vectors are measured as the
encoder outputs them: every pooling and layer goes through its linear layer and is scaled to length 1. That
layer was fitted on the last layer's mean pooling, so the other rows show what happens when you pool
differently and keep the rest of the encoder as it is.""")

replace_in("c20", """// The same on course-sbert's BERT (models/course-sbert): the pooled vectors themselves, before its Dense layer.
const sbert = await embeddings.loadEncoder("course-sbert");
const sModel = sbert.bert!.model, sTok = sbert.bert!.tokenizer;
const sMeanByLayer = await embeddings.embedTexts(sModel, sTok, questions, { pooling: "mean", layer: "all" }); // [L+1][n][H]
const sClsByLayer = await embeddings.embedTexts(sModel, sTok, questions, { pooling: "cls", layer: "all" });
const sbertArisByLayer = { mean: sMeanByLayer.map((X) => arisOf(X)), cls: sClsByLayer.map((X) => arisOf(X)) };""",
"""// The same on course-sbert (models/course-sbert), as the encoder outputs its vectors: each pooling and layer
// through its linear layer (sbert.dense) and scaled to length 1 — what sbert.embed does with the last layer's mean.
const sbert = await embeddings.loadEncoder("course-sbert");
const sModel = sbert.bert!.model, sTok = sbert.bert!.tokenizer;
const sOut = (X: number[][]) => (sbert.dense ? embeddings.l2Normalize(embeddings.applyLinear(sbert.dense, X)) : X);
const sMeanByLayer = await embeddings.embedTexts(sModel, sTok, questions, { pooling: "mean", layer: "all" }); // [sL+1][n][H]
const sClsByLayer = await embeddings.embedTexts(sModel, sTok, questions, { pooling: "cls", layer: "all" });
const sbertArisByLayer = { mean: sMeanByLayer.map((X) => arisOf(sOut(X))), cls: sClsByLayer.map((X) => arisOf(sOut(X))) };""")
replace_in("c20", """if (sModel.heads.pooler) sbertArisByPooling.pooler = arisOf(await embeddings.embedTexts(sModel, sTok, questions, { pooling: "pooler" }));""",
"""if (sModel.heads.pooler) sbertArisByPooling.pooler = arisOf(sOut(await embeddings.embedTexts(sModel, sTok, questions, { pooling: "pooler" })));""")

save()
print("course-sbert rows through its linear layer")
