"""FAQ scores for the closed-form experiments of this folder (numpy only): K-Means (k-means++,
restarts, seeds) ARI / NMI against the intents and leave-one-out 1-NN accuracy by cosine. A quick
stand-in for `course cluster` (lib/analysis/kmeans.ts); final figures come from measure-faq.ts."""
import numpy as np


def ari(a, b):
    a = np.asarray(a); b = np.asarray(b)
    _, ai = np.unique(a, return_inverse=True); _, bi = np.unique(b, return_inverse=True)
    C = np.zeros((ai.max() + 1, bi.max() + 1)); np.add.at(C, (ai, bi), 1)
    c2 = lambda x: x * (x - 1) / 2
    s = c2(C).sum(); sa = c2(C.sum(1)).sum(); sb = c2(C.sum(0)).sum(); t = c2(len(a))
    e = sa * sb / t
    return (s - e) / (0.5 * (sa + sb) - e)


def nmi(a, b):
    a = np.asarray(a); b = np.asarray(b)
    _, ai = np.unique(a, return_inverse=True); _, bi = np.unique(b, return_inverse=True)
    C = np.zeros((ai.max() + 1, bi.max() + 1)); np.add.at(C, (ai, bi), 1)
    P = C / C.sum(); pa = P.sum(1); pb = P.sum(0)
    nz = P > 0
    mi = (P[nz] * np.log(P[nz] / np.outer(pa, pb)[nz])).sum()
    h = lambda p: -(p[p > 0] * np.log(p[p > 0])).sum()
    return mi / ((h(pa) + h(pb)) / 2)


def kmeans(X, k, seed, n_init=10, iters=100):
    rng = np.random.default_rng(seed)
    best = None
    for _ in range(n_init):
        c = [X[rng.integers(len(X))]]
        d = ((X - c[0]) ** 2).sum(1)
        for _ in range(1, k):
            c.append(X[rng.choice(len(X), p=d / d.sum())])
            d = np.minimum(d, ((X - c[-1]) ** 2).sum(1))
        C = np.array(c)
        for _ in range(iters):
            D = (X ** 2).sum(1)[:, None] - 2 * X @ C.T + (C ** 2).sum(1)[None]
            lab = D.argmin(1)
            newC = np.array([X[lab == j].mean(0) if (lab == j).any() else C[j] for j in range(k)])
            if np.allclose(newC, C): break
            C = newC
        inertia = D[np.arange(len(X)), lab].sum()
        if best is None or inertia < best[0]: best = (inertia, lab)
    return best[1]


def score(V, labels, seeds=5, n_init=10):
    V = np.asarray(V, dtype=np.float64)
    V = V / np.maximum(np.linalg.norm(V, axis=1, keepdims=True), 1e-12)
    labels = np.asarray(labels)
    k = len(np.unique(labels))
    aris = []; nmis = []
    for s in range(seeds):
        lab = kmeans(V, k, s, n_init)
        aris.append(ari(labels, lab)); nmis.append(nmi(labels, lab))
    S = V @ V.T; np.fill_diagonal(S, -np.inf)
    nn = (labels[S.argmax(1)] == labels).mean()
    return dict(ari=float(np.mean(aris)), ariStd=float(np.std(aris)), nmi=float(np.mean(nmis)), nn=float(nn))
