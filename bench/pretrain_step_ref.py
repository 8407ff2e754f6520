"""PyTorch reference for bench/pretrain-step.ts: one BERT pre-training step (MLM at the masked
positions + NSP, backward, gradient clipping to norm 1, AdamW), the same model and batch shapes,
timed the same way. Prints one JSON line.

Plain torch (Debian's python3-torch), written to match lib/pretraining's step op for op: BERT
encoder (dropout 0.1 in training), pooler, MLM head (dense → GELU → LayerNorm → tied decoder + bias)
scored at the masked rows only, NSP head, mean cross-entropies, clip_grad_norm_(1.0), AdamW
(lr 1e-4, weight decay 0.01, eps 1e-6).

usage: python3 bench/pretrain_step_ref.py --layers 4 --hidden 256 --heads 4 --inter 1024 \
          --vocab 30522 --seq 128 --batch 8 --iters 5 --threads 1
"""
import argparse
import json
import math
import time

import torch
from torch import nn
import torch.nn.functional as F


class Layer(nn.Module):
    def __init__(self, h, nh, inter, p):
        super().__init__()
        self.nh, self.hs, self.p = nh, h // nh, p
        self.q, self.k, self.v, self.o = (nn.Linear(h, h) for _ in range(4))
        self.ln1 = nn.LayerNorm(h, eps=1e-12)
        self.up, self.down = nn.Linear(h, inter), nn.Linear(inter, h)
        self.ln2 = nn.LayerNorm(h, eps=1e-12)

    def forward(self, x, mask_bias):
        B, T, H = x.shape
        split = lambda y: y.view(B, T, self.nh, self.hs).transpose(1, 2)
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        probs = F.dropout((q @ k.transpose(-1, -2) / math.sqrt(self.hs) + mask_bias).softmax(-1), self.p, self.training)
        ctx = (probs @ v).transpose(1, 2).reshape(B, T, H)
        a = self.ln1(F.dropout(self.o(ctx), self.p, self.training) + x)
        return self.ln2(F.dropout(self.down(F.gelu(self.up(a))), self.p, self.training) + a)


class BertForPreTraining(nn.Module):
    def __init__(self, vocab, h, layers, nh, inter, max_pos=512, p=0.1):
        super().__init__()
        self.p = p
        self.word, self.pos, self.segment = nn.Embedding(vocab, h), nn.Embedding(max_pos, h), nn.Embedding(2, h)
        self.ln = nn.LayerNorm(h, eps=1e-12)
        self.layers = nn.ModuleList(Layer(h, nh, inter, p) for _ in range(layers))
        self.pool = nn.Linear(h, h)
        self.transform, self.tln = nn.Linear(h, h), nn.LayerNorm(h, eps=1e-12)
        self.bias = nn.Parameter(torch.zeros(vocab))
        self.nsp = nn.Linear(h, 2)

    def forward(self, ids, mask, types, rows, labels, nsp_labels):
        B, T = ids.shape
        x = F.dropout(self.ln(self.word(ids) + self.pos.weight[:T] + self.segment(types)), self.p, self.training)
        bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.layers:
            x = layer(x, bias)
        pooled = torch.tanh(self.pool(x[:, 0]))
        h = x.reshape(B * T, -1)[rows]  # masked rows only
        logits = self.tln(F.gelu(self.transform(h))) @ self.word.weight.t() + self.bias
        return F.cross_entropy(logits, labels) + F.cross_entropy(self.nsp(pooled), nsp_labels)


def main():
    ap = argparse.ArgumentParser()
    for name, default in [("layers", 4), ("hidden", 256), ("heads", 4), ("inter", 1024), ("vocab", 30522), ("seq", 128), ("batch", 8), ("iters", 5), ("warmup", 1), ("threads", 1)]:
        ap.add_argument(f"--{name}", type=int, default=default)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = BertForPreTraining(a.vocab, a.hidden, a.layers, a.heads, a.inter)
    model.train()
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}], lr=1e-4, eps=1e-6)
    B, T = a.batch, a.seq
    ids = torch.randint(5, a.vocab, (B, T))
    mask = torch.ones(B, T, dtype=torch.long)
    types = torch.zeros(B, T, dtype=torch.long)
    n = round(0.15 * B * T)
    rows = torch.randperm(B * T)[:n].sort().values
    labels = torch.randint(5, a.vocab, (n,))
    nsp_labels = torch.randint(0, 2, (B,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = model(ids, mask, types, rows, labels, nsp_labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    for _ in range(a.warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(a.iters):
        step()
    ms = (time.perf_counter() - t0) * 1000 / a.iters
    print(json.dumps({"tokens_per_s": B * T * 1000 / ms, "ms_per_step": ms, "torch": torch.__version__, "threads": a.threads}))


if __name__ == "__main__":
    main()
