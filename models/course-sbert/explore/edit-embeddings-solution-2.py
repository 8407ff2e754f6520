"""Second pass on the embeddings solution (after edit-embeddings-solution.py): the text says what course-sbert
is by pointing at its card (it is whichever encoder models/course-sbert holds: whitened or distilled), and Q9 asks
about the course's sentence encoder, not one method. Only the cells named here change."""
from nbedit import P, lines, nb, pos, replace_in, save  # noqa: F401 (the scripts share nbedit.py)


replace_in("c19", """The same measurements are repeated on **course-sbert**, the course BERT after it was *distilled* into a
sentence encoder (§6 says how): its weights were trained so that the mean of the last layer's token vectors
says what a sentence means. Watch which pooling and which layer profit.""",
"""The same measurements are repeated on the BERT inside **course-sbert**, the course's sentence encoder (§6).
Its card, `models/course-sbert/README.md`, says how it was made: where its weights were trained further
(`npx course distill`), the table shows which pooling and which layer profited; where only a layer after
pooling was added (`npx course whiten`), its BERT is the course BERT itself and the two tables agree.""")
replace_in("c37", """* **`course-sbert`** — the course BERT *distilled* into a sentence encoder (`npx course distill`; Reimers &
  Gurevych 2020, the recipe sentence-transformers uses to make new models): its mean-pooled vector, through
  one linear layer, was trained to match USE Lite's vector for the same sentence, on unlabelled questions,
  short sentences and words from the pre-training corpus — no FAQ question, no label. The model card,
  `models/course-sbert/README.md`, has the training record and what was tried.""",
"""* **`course-sbert`** — the course's own sentence encoder, made from the course BERT without labels and
  saved in sentence-transformers' layout (mean pooling, a linear layer, length 1). Two recipes make one:
  `npx course whiten` (the linear layer is a whitening fitted on corpus questions, no training) and
  `npx course distill` (Reimers & Gurevych 2020, the recipe sentence-transformers uses for new models: the
  BERT and the linear layer are trained so that the pooled vector matches USE Lite's vector for the same
  unlabelled corpus sentence). Its card, `models/course-sbert/README.md`, says which one this is, with the
  measurements of both.""")
c = nb["cells"][pos["c39"]]
s = "".join(c["source"])
s = s.replace("### Q9 · Did distillation help? (1 point)", "### Q9 · Did the course's sentence encoder help? (1 point)")
s = s.replace("""`arisByModel`, `sigma` and `K_SIGMA`. Both start from the same pre-trained BERT with mean pooling;
course-sbert's weights were then distilled from USE Lite (and a linear layer added).""", """`arisByModel`, `sigma` and `K_SIGMA`. Both start from the same pre-trained BERT with mean pooling; what
course-sbert adds (its card says which) is the only difference.""")
c["source"] = lines(s)
replace_in("c43", """`Distillation: course-sbert (""", """`course-sbert (""")
save()
print("solutions/embeddings.ipynb: course-sbert described by its card")
