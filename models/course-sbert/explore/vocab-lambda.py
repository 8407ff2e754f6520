"""Chooses the vocabulary stage's ridge λ without the FAQ: the static student (bag of word pieces →
ridge map onto the teacher's centred vectors) scored on the 2,048 held-out pool sentences (mean cosine
to the teacher's centred vectors and neighbour agreement@10 with the teacher, also among the held-out
questions alone). The rule, fixed before any run: the λ of the grid with the highest held-out
agreement@10 over all 2,048 held-out sentences. The FAQ is scored only with --faq, never used to choose.
  python3 vocab-lambda.py DIR [λ,λ,…] [--n N] [--words] [--faq] [--json FILE]
DIR is what dump-pool.ts writes. Each λ is one Cholesky solve of (XᵀX + λI) W = XᵀT over the pieces the
training bags contain (the others keep zero rows, as in lib/embeddings/vocab-distill.ts)."""
import json, sys, time
import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from faqscore import score
d = sys.argv[1]; V = 8192
argv = sys.argv[2:]
def opt(name):
    return argv[argv.index(name) + 1] if name in argv else None
def load(name):
    j = json.load(open(f"{d}/{name}.json")); return j, np.fromfile(f"{d}/{name}.f32", dtype=np.float32).reshape(len(j["texts"]), -1)
def bow(L):
    r, c, v = [], [], []
    for i, ids in enumerate(L):
        ids = ids[1:-1]
        for t in ids: r.append(i); c.append(t); v.append(1.0 / len(ids))
    return sp.csr_matrix((v, (r, c)), shape=(len(L), V))  # duplicates are summed
tr, T = load("train"); he, Th = load("held2")
faq = json.load(open(f"{d}/faq.json")) if "--faq" in argv else None
mu = T.mean(0)
Xh = bow(he["ids"]); Thc = Th - mu
def unit(A): return A / np.maximum(np.linalg.norm(A, axis=1, keepdims=True), 1e-12)
def topk(A, k=10):
    S = unit(A) @ unit(A).T; np.fill_diagonal(S, -np.inf); return np.argsort(-S, 1)[:, :k]
tn = topk(Thc)
q = np.array([t.rstrip().endswith("?") for t in he["texts"]]); tq = topk(Thc[q])
grid = [float(x) for x in argv[0].split(",")] if argv and argv[0][0].isdigit() else [3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1]
rows = []
for words in ([False, True] if "--words" in argv else [False]):
    X = bow(tr["ids"]); Tc = T - mu
    if opt("--n"):
        n = int(opt("--n")); X = X[:n]; Tc = Tc[:n]
    if words:
        wo, Tw = load("words"); X = sp.vstack([X, bow(wo["ids"])]).tocsr(); Tc = np.vstack([Tc, Tw - mu])
    t0 = time.time()
    seen = np.flatnonzero(np.asarray((X != 0).sum(0)).ravel())
    Xs = X[:, seen]
    A0 = (Xs.T @ Xs).toarray(); B = np.asarray(Xs.T @ Tc)
    print(f"{X.shape[0]} training examples, {len(seen)} of {V} pieces seen; XᵀX in {time.time() - t0:.0f} s", flush=True)
    for lam in grid:
        t1 = time.time()
        A = A0.copy(); A[np.diag_indices_from(A)] += lam
        Ws = sla.cho_solve(sla.cho_factor(A, overwrite_a=True), B)
        W = np.zeros((V, Tc.shape[1])); W[seen] = Ws
        P = Xh @ W
        cos = float((unit(P) * unit(Thc)).sum(1).mean())
        sn = topk(P); agr = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(sn, tn)]))
        aq = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(topk(P[q]), tq)]))
        row = dict(examples=int(X.shape[0]), words=words, lam=lam, heldCosine=round(cos, 4), agreement=round(agr, 4), agreementQuestions=round(aq, 4), seconds=round(time.time() - t1, 1))
        line = f"words={words} lam={lam:g}: held-out cosine {cos:.3f} agreement@10 {agr:.3f} (among the {q.sum()} questions {aq:.3f}) [{row['seconds']} s]"
        if faq is not None:
            f = score(np.asarray(sp.csr_matrix(bow(faq["ids"])) @ W), np.array(faq["labels"]), seeds=3)
            row.update(faqAri=round(f["ari"], 4), faqNn=round(f["nn"], 4)); line += f" | FAQ ARI {f['ari']:.3f} 1-NN {f['nn']:.3f}"
        rows.append(row); print(line, flush=True)
best = max((r for r in rows if not r["words"]), key=lambda r: r["agreement"])
print(f"selected (highest held-out agreement@10, no words): λ = {best['lam']:g} ({best['agreement']:.3f})", flush=True)
if opt("--json"):
    json.dump(dict(dir=d, heldOut=int(len(he["texts"])), heldOutQuestions=int(q.sum()), rule="highest held-out agreement@10 over the 2,048 held-out pool sentences", selected=best["lam"], rows=rows), open(opt("--json"), "w"), indent=1)
