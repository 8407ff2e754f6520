"""Chooses the vocabulary stage's ridge λ without the FAQ: the static student (bag of word pieces →
ridge map) scored on 2,048 held-out pool sentences (mean cosine to the teacher's centred vectors and
neighbour agreement@10 with the teacher), with and without the cached single words as extra examples.
The FAQ is printed beside it, never used to choose.  python3 vocab-lambda.py DIR"""
import json, sys
import numpy as np
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from faqscore import score
d = sys.argv[1]; V = 8192
def load(name):
    j = json.load(open(f"{d}/{name}.json")); return j, np.fromfile(f"{d}/{name}.f32", dtype=np.float32).reshape(len(j["texts"]), -1)
import scipy.sparse as sp
def bow(L):
    r, c, v = [], [], []
    for i, ids in enumerate(L):
        ids = ids[1:-1]
        for t in ids: r.append(i); c.append(t); v.append(1.0 / len(ids))
    return sp.csr_matrix((v, (r, c)), shape=(len(L), V))  # duplicates are summed
tr, T = load("train"); he, Th = load("held2"); wo, Tw = load("words")
faq = json.load(open(f"{d}/faq.json")); labels = np.array(faq["labels"]); Xf = bow(faq["ids"])
mu = T.mean(0)
Xh = bow(he["ids"]); Thc = Th - mu
def unit(A): return A / np.maximum(np.linalg.norm(A, axis=1, keepdims=True), 1e-12)
def topk(A, k=10):
    S = unit(A) @ unit(A).T; np.fill_diagonal(S, -np.inf); return np.argsort(-S, 1)[:, :k]
tn = topk(Thc)
q = np.array([t.rstrip().endswith("?") for t in he["texts"]]); tq = topk(Thc[q])
for words in ([False, True] if "--words" in sys.argv else [False]):
    X = bow(tr["ids"]); Tc = T - mu
    if "--n" in sys.argv:
        n = int(sys.argv[sys.argv.index("--n") + 1]); X = X[:n]; Tc = Tc[:n]
    if words: X = sp.vstack([X, bow(wo["ids"])]).tocsr(); Tc = np.vstack([Tc, Tw - mu])
    print(f"{X.shape[0]} training examples", flush=True)
    A0 = (X.T @ X).toarray(); B = X.T @ Tc
    for lam in ([float(x) for x in sys.argv[2].split(",")] if len(sys.argv) > 2 and sys.argv[2][0].isdigit() and not sys.argv[2].startswith("--") else [3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1]):
        A = A0.copy(); A[np.diag_indices(V)] += lam
        W = np.linalg.solve(A, B)
        P = Xh @ W
        cos = float((unit(P) * unit(Thc)).sum(1).mean())
        sn = topk(P); agr = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(sn, tn)]))
        aq = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(topk(P[q]), tq)]))
        f = score(Xf @ W, labels, seeds=3)
        print(f"words={words} lam={lam:g}: held-out cosine {cos:.3f} agreement@10 {agr:.3f} (among the {q.sum()} questions {aq:.3f}) | FAQ ARI {f['ari']:.3f} 1-NN {f['nn']:.3f}", flush=True)
