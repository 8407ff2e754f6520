"""Closed-form diagnostic: how far can a *static* student get with the distillation data we have?
A bag of the course tokenizer's word pieces (mean of one-hots, [n, V]) is mapped by ridge regression
onto the teacher's (centred) USE Lite vectors of the cached pool sentences; the FAQ is scored on the
predicted vectors. No FAQ text is used to fit. Reads the files explore/dump-pool.ts writes.
  nice -n 19 python3 models/course-sbert/explore/bow-ridge.py /tmp/s28"""
import json, sys, time
import numpy as np
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from faqscore import score

d = sys.argv[1] if len(sys.argv) > 1 else "/tmp/s28"
V = 8192
def load(name):
    j = json.load(open(f"{d}/{name}.json"))
    T = np.fromfile(f"{d}/{name}.f32", dtype=np.float32).reshape(len(j["texts"]), -1)
    return j, T
def bow(ids_list, drop_special=True):
    X = np.zeros((len(ids_list), V), dtype=np.float32)
    for i, ids in enumerate(ids_list):
        ids = ids[1:-1] if drop_special else ids
        if not ids: continue
        np.add.at(X[i], ids, 1.0 / len(ids))
    return X
tr, Ttr = load("train")
faq = json.load(open(f"{d}/faq.json"))
labels = np.array(faq["labels"])
Xf = bow(faq["ids"])
print("teacher on FAQ is not cached here; TF-IDF/USE figures: faq-measurements.json")
print("raw bag of word pieces (no teacher):", score(Xf, labels))
ws = None
try:
    wj, Tw = load("words")
    ws = (bow(wj["ids"]), Tw)
except FileNotFoundError:
    pass
for n in [4096, 8192, 13312]:
    X = bow(tr["ids"][:n]); T = Ttr[:n]
    if ws is not None and "--words" in sys.argv:
        X = np.vstack([X, ws[0]]); T = np.vstack([T, ws[1]])
    mu = T.mean(0); Tc = T - mu
    for lam in [1e-4, 1e-3, 1e-2]:
        t0 = time.time()
        A = X.T @ X; A[np.diag_indices(V)] += lam * len(X) / V * 0 + lam
        W = np.linalg.solve(A.astype(np.float64), (X.T @ Tc).astype(np.float64))
        P = Xf @ W
        print(f"n={len(X)} lam={lam}: FAQ", {k: round(v, 3) for k, v in score(P, labels).items()}, f"{time.time()-t0:.0f}s", flush=True)
