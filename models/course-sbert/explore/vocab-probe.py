"""FAQ score of each layer's mean-pooled vectors (from vocab-init.ts) through a Dense layer fitted by
least squares to the teacher's centred vectors on 4,096 pool sentences — what `course distill`
starts from — and of the raw pooled vectors.  python3 vocab-probe.py DIR VARIANT"""
import sys, numpy as np
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from faqscore import score
d, v = sys.argv[1], sys.argv[2]
T = np.fromfile(f"{d}/train.f32", dtype=np.float32).reshape(-1, 512)[:4096]; T = T - T.mean(0)
labels = np.array(__import__("json").load(open(f"{d}/faq.json"))["labels"])
r = lambda s: {k: round(x, 3) for k, x in s.items()}
for l in range(5):
    Z = np.fromfile(f"{d}/feat-{v}-train-L{l}.f32", dtype=np.float32).reshape(4096, -1)
    F = np.fromfile(f"{d}/feat-{v}-faq-L{l}.f32", dtype=np.float32).reshape(len(labels), -1)
    A = np.hstack([Z, np.ones((len(Z), 1))]); W = np.linalg.lstsq(A, T, rcond=None)[0]
    print(v, "layer", l, "dense", r(score(np.hstack([F, np.ones((len(F), 1))]) @ W, labels, seeds=3)), "raw", r(score(F, labels, seeds=3)), flush=True)
