"""FAQ-free choice of the pooled layer: for each layer's mean-pooled vectors (vocab-init.ts … --held), a Dense layer
fitted by least squares onto the teacher's centred vectors of the first 4,096 pool sentences, then held-out
agreement@10 with the teacher and cosine on the 2,048 held-out pool sentences (what `course distill` selects by).
No FAQ is read.  python3 layer-heldout.py DIR VARIANT"""
import json, sys
import numpy as np
d, v = sys.argv[1], sys.argv[2]
T = np.fromfile(f"{d}/train.f32", dtype=np.float32).reshape(-1, 512)
mu = T.mean(0); T = T[:4096] - mu
Th = np.fromfile(f"{d}/held2.f32", dtype=np.float32).reshape(-1, 512) - mu
def unit(A): return A / np.maximum(np.linalg.norm(A, axis=1, keepdims=True), 1e-12)
def topk(A, k=10):
    S = unit(A) @ unit(A).T; np.fill_diagonal(S, -np.inf); return np.argsort(-S, 1)[:, :k]
tn = topk(Th)
rows = []
for l in range(5):
    Z = np.fromfile(f"{d}/feat-{v}-train-L{l}.f32", dtype=np.float32).reshape(4096, -1)
    Zh = np.fromfile(f"{d}/feat-{v}-held2-L{l}.f32", dtype=np.float32).reshape(len(Th), -1)
    one = lambda A: np.hstack([A, np.ones((len(A), 1))])
    W = np.linalg.lstsq(one(Z), T, rcond=None)[0]
    P = one(Zh) @ W
    cos = float((unit(P) * unit(Th)).sum(1).mean())
    agr = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(topk(P), tn)]))
    rows.append(dict(layer=l, heldCosine=round(cos, 4), agreement=round(agr, 4)))
    print(v, "layer", l, f"held-out cosine {cos:.3f} agreement@10 {agr:.3f}", flush=True)
print(json.dumps(rows))
