"""Stage 1 of vocabulary distillation: the ridge map from a bag of word pieces to the teacher's
(centred) vectors, W [V, 512], factored to the student's width, W ≈ E · D with E [V, 256] (a vector
per word piece: the student's new word-embedding table) and D [256, 512] (the Dense layer's start).
Scores the FAQ at each stage (no FAQ text is used to fit). Writes E, D, the teacher mean to OUT.
  nice -n 19 python3 models/course-sbert/explore/vocab-factor.py /tmp/s28 [lambda]"""
import json, sys, time
import numpy as np
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from faqscore import score

d = sys.argv[1] if len(sys.argv) > 1 else "/tmp/s28"
lam = float(sys.argv[2]) if len(sys.argv) > 2 else 1e-3
V, H = 8192, 256
def load(name):
    j = json.load(open(f"{d}/{name}.json"))
    return j, np.fromfile(f"{d}/{name}.f32", dtype=np.float32).reshape(len(j["texts"]), -1)
def bow(ids_list, rows=None):
    X = np.zeros((len(ids_list), V))
    for i, ids in enumerate(ids_list):
        ids = ids[1:-1]
        if ids: np.add.at(X[i], ids, (1.0 / len(ids)) if rows is None else 1.0)
    return X
tr, T = load("train")
faq = json.load(open(f"{d}/faq.json")); labels = np.array(faq["labels"])
X = bow(tr["ids"]); Xf = bow(faq["ids"])
mu = T.mean(0); Tc = T - mu
A = X.T @ X; A[np.diag_indices(V)] += lam
W = np.linalg.solve(A, X.T @ Tc)                      # [V, 512]
r = lambda s: {k: round(v, 3) for k, v in s.items()}
print("full ridge", r(score(Xf @ W, labels)), flush=True)
U, S, Vt = np.linalg.svd(W, full_matrices=False)      # W = U S Vt
E = U[:, :H] * np.sqrt(S[:H]); D = np.sqrt(S[:H])[:, None] * Vt[:H]
print("rank 256 share of ||W||²:", round(float((S[:H] ** 2).sum() / (S ** 2).sum()), 4))
print("rank 256", r(score(Xf @ E @ D, labels)), flush=True)
# Each word piece's vector at one length, as a LayerNorm-ed embedding would give it; the Dense layer refitted.
seen = X.sum(0) > 0
print("pieces seen in training sentences:", int(seen.sum()), "of", V)
En = E / np.maximum(np.linalg.norm(E, axis=1, keepdims=True), 1e-9)
Z = X @ En; Zf = Xf @ En
Dn = np.linalg.lstsq(np.hstack([Z, np.ones((len(Z), 1))]), Tc, rcond=None)[0]
print("unit rows + refit Dense", r(score(np.hstack([Zf, np.ones((len(Zf), 1))]) @ Dn, labels)))
print("unit rows, no Dense (cosine of the 256-d means)", r(score(Zf, labels)))
np.save(f"{d}/E.npy", E.astype(np.float32)); np.save(f"{d}/D.npy", D.astype(np.float32)); np.save(f"{d}/mu.npy", mu)
np.save(f"{d}/seen.npy", seen)
