"""PyTorch twin of `course pretrain`, for measuring pre-training recipes quickly.

It trains BertForPreTraining exactly as the course defines it (post-LN encoder, exact GELU, learned
positions, token types, tanh pooler, MLM head dense -> GELU -> LayerNorm -> decoder tied to the word
embeddings + bias, NSP head; BERT's N(0, 0.02) initialisation; AdamW with weight decay 0.01 except
biases and LayerNorm, eps 1e-6, gradient clipping to norm 1) on the examples that the course's own
data pipeline produced (export-batches.ts: the same document split, NSP pairs, 80/10/10 masks and
data order), and logs held-out MLM accuracy/loss and NSP accuracy to JSONL.

usage (one thread, as on the shared machine):
  nice -n 5 env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 models/course-bert/explore/train_torch.py \
      --data models/course-bert/explore/data --shape tiny --phases 128:32 --lr 1e-3 --warmup 300 \
      --schedule constant --dropout 0.1 --nsp-weight 1 --minutes 10 --eval-every 200 --out runs/NAME.jsonl

--phases T:B[:STEPS],...  sequence length and batch of each phase; STEPS of the last phase may be
  left out (runs until --steps or --minutes). Each phase reads its stream from example 0, as
  Pretrainer does. --schedule constant | linear | cosine: after warm-up; linear and cosine decay to
  0 at --steps (needs --steps).
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

SHAPES = {"tiny": (2, 128, 2), "mini": (4, 256, 4), "small": (4, 512, 8)}  # Turc et al. 2019 (L, H, heads); FFN 4H


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
        a = self.ln1(F.dropout(self.o(ctx), self.p, self.training) + x)  # post-LN
        return self.ln2(F.dropout(self.down(F.gelu(self.up(a))), self.p, self.training) + a)


class BertForPreTraining(nn.Module):
    def __init__(self, vocab, h, layers, nh, inter, max_pos=512, p=0.1, pad_id=0):
        super().__init__()
        self.p = p
        self.word, self.pos, self.segment = nn.Embedding(vocab, h), nn.Embedding(max_pos, h), nn.Embedding(2, h)
        self.ln = nn.LayerNorm(h, eps=1e-12)
        self.layers = nn.ModuleList(Layer(h, nh, inter, p) for _ in range(layers))
        self.pool = nn.Linear(h, h)
        self.transform, self.tln = nn.Linear(h, h), nn.LayerNorm(h, eps=1e-12)
        self.bias = nn.Parameter(torch.zeros(vocab))
        self.nsp = nn.Linear(h, 2)
        for m in self.modules():  # transformers' BertPreTrainedModel._init_weights
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0.0, 0.02)
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)
        with torch.no_grad():
            self.word.weight[pad_id].zero_()

    def set_dropout(self, p):
        self.p = p
        for layer in self.layers:
            layer.p = p

    def forward(self, ids, types, lengths, rows):
        B, T = ids.shape
        x = F.dropout(self.ln(self.word(ids) + self.pos.weight[:T] + self.segment(types)), self.p, self.training)
        keep = torch.arange(T)[None, :] < lengths[:, None]
        bias = (~keep)[:, None, None, :].float() * torch.finfo(torch.float32).min
        for layer in self.layers:
            x = layer(x, bias)
        pooled = torch.tanh(self.pool(x[:, 0]))
        h = x.reshape(B * T, -1)[rows]  # masked rows only
        mlm_logits = self.tln(F.gelu(self.transform(h))) @ self.word.weight.t() + self.bias
        return mlm_logits, self.nsp(pooled)


class Examples:
    """One exported stream (export-batches.ts layout)."""

    def __init__(self, data_dir, name, T):
        base = os.path.join(data_dir, f"{name}-{T}")
        self.meta = json.load(open(base + ".json"))
        N = self.meta["N"]
        raw = np.fromfile(base + ".bin", dtype=np.uint8)
        o = 0

        def take(dtype, count):
            nonlocal o
            a = raw[o:o + count * np.dtype(dtype).itemsize].view(dtype)
            o += count * np.dtype(dtype).itemsize
            return a

        self.ids = torch.from_numpy(take(np.int16, N * T).reshape(N, T).astype(np.int64))
        self.types = torch.from_numpy(take(np.uint8, N * T).reshape(N, T).astype(np.int64))
        self.labels = torch.from_numpy(take(np.int16, N * T).reshape(N, T).astype(np.int64))
        self.nsp = torch.from_numpy(take(np.uint8, N).astype(np.int64))
        self.lengths = torch.from_numpy(take(np.int16, N).astype(np.int64))
        self.N, self.T = N, T

    def batch(self, first, B):
        if first + B > self.N:
            raise SystemExit(f"the exported stream T={self.T} has {self.N} examples; export more (asked for {first + B})")
        sl = slice(first, first + B)
        T = int(self.lengths[sl].max())  # pad to the longest, as collate() does
        ids, types, labels = self.ids[sl, :T], self.types[sl, :T], self.labels[sl, :T].reshape(-1)
        rows = (labels != -100).nonzero().squeeze(1)
        return ids, types, self.lengths[sl], rows, labels[rows], self.nsp[sl], B * T


def lr_at(step, a):
    if step < a.warmup:
        return a.lr * (step + 1) / a.warmup
    if a.schedule == "constant":
        return a.lr
    frac = min(1.0, (step - a.warmup) / max(1, a.steps - a.warmup))
    if a.schedule == "linear":
        return a.lr * (1 - frac)
    if a.schedule == "cosine":
        return a.lr * 0.5 * (1 + math.cos(math.pi * frac))
    if a.schedule == "rsqrt":
        return a.lr * math.sqrt(a.warmup / (step + 1))
    raise SystemExit(f"unknown --schedule {a.schedule}")


@torch.no_grad()
def evaluate(model, held, chunk=128):
    model.eval()
    loss = correct = masked = nsp_loss = nsp_ok = 0.0
    for first in range(0, held.N, chunk):
        ids, types, lengths, rows, labels, nsp, _ = held.batch(first, min(chunk, held.N - first))
        mlm, ns = model(ids, types, lengths, rows)
        loss += F.cross_entropy(mlm, labels, reduction="sum").item()
        correct += (mlm.argmax(-1) == labels).sum().item()
        masked += len(labels)
        nsp_loss += F.cross_entropy(ns, nsp, reduction="sum").item()
        nsp_ok += (ns.argmax(-1) == nsp).sum().item()
    model.train()
    return {"mlm_loss": loss / masked, "mlm_acc": correct / masked, "nsp_loss": nsp_loss / held.N, "nsp_acc": nsp_ok / held.N, "masked": int(masked), "pairs": held.N}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--shape", default="tiny", choices=list(SHAPES))
    ap.add_argument("--phases", default="128:32", help="T:B[:STEPS],... (see the module docstring)")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--schedule", default="constant")
    ap.add_argument("--steps", type=int, default=0, help="total steps (the decay horizon; 0 = until --minutes)")
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--dropout-after", type=int, default=-1, help="switch dropout to --dropout-late at this step (-1: never)")
    ap.add_argument("--dropout-late", type=float, default=0.1)
    ap.add_argument("--nsp-weight", type=float, default=1.0)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--beta2", type=float, default=0.999)
    ap.add_argument("--minutes", type=float, default=10.0, help="wall-clock budget of training (evaluation excluded)")
    ap.add_argument("--eval-every", type=int, default=200, help="evaluate every N steps ...")
    ap.add_argument("--eval-tokens", type=float, default=0, help="... or every N training tokens (overrides --eval-every)")
    ap.add_argument("--max-tokens", type=float, default=0, help="stop after this many training tokens (0: no limit)")
    ap.add_argument("--heldout-T", type=int, default=128)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True, help="JSONL log")
    ap.add_argument("--save", default="", help="write model + optimizer state here at the end")
    ap.add_argument("--resume", default="", help="continue from a --save file (same flags)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    phases = []
    for spec in a.phases.split(","):
        parts = [int(x) for x in spec.split(":")]
        phases.append({"T": parts[0], "B": parts[1], "steps": parts[2] if len(parts) > 2 else None})
    streams = {p["T"]: Examples(a.data, "train", p["T"]) for p in phases}
    held = Examples(a.data, "heldout", a.heldout_T)
    meta = held.meta
    L, H, nh = SHAPES[a.shape]
    model = BertForPreTraining(meta["vocabSize"], H, L, nh, 4 * H, p=a.dropout, pad_id=meta["padId"])
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=a.lr, betas=(0.9, a.beta2), eps=1e-6)

    step, tokens, train_s = 0, 0, 0.0
    if a.resume:
        st = torch.load(a.resume)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        step, tokens, train_s = st["step"], st["tokens"], st["train_s"]
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    log = open(a.out, "a")
    n_params = sum(p.numel() for p in model.parameters())
    log.write(json.dumps({"args": vars(a), "params": n_params, "torch": torch.__version__, "start_step": step}) + "\n")

    def phase_of(s):
        start = 0
        for i, p in enumerate(phases):
            if p["steps"] is None or s < start + p["steps"]:
                return p, start
            start += p["steps"]
        return phases[-1], start - phases[-1]["steps"]

    acc_mlm = acc_nsp = 0.0
    n_acc = 0
    due = True
    if step == 0:
        ev = evaluate(model, held)
        log.write(json.dumps({"step": 0, "tokens": 0, "train_s": 0, **ev}) + "\n")
        log.flush()
    while True:
        if a.steps and step >= a.steps:
            break
        if train_s >= a.minutes * 60:
            break
        if a.max_tokens and tokens >= a.max_tokens:
            break
        t0 = time.perf_counter()
        p, start = phase_of(step)
        if a.dropout_after >= 0 and step == a.dropout_after:
            model.set_dropout(a.dropout_late)
        ids, types, lengths, rows, labels, nsp, ntok = streams[p["T"]].batch((step - start) * p["B"], p["B"])
        lr = lr_at(step, a)
        for g in opt.param_groups:
            g["lr"] = lr
        mlm, ns = model(ids, types, lengths, rows)
        l_mlm = F.cross_entropy(mlm, labels)
        l_nsp = F.cross_entropy(ns, nsp)
        loss = l_mlm + a.nsp_weight * l_nsp if a.nsp_weight > 0 else l_mlm
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        tokens += p["B"] * p["T"]  # tokens as the course log counts them: B x T of the phase
        train_s += time.perf_counter() - t0
        acc_mlm += l_mlm.item()
        acc_nsp += l_nsp.item()
        n_acc += 1
        due = (tokens // a.eval_tokens > (tokens - p["B"] * p["T"]) // a.eval_tokens) if a.eval_tokens else step % a.eval_every == 0
        if due:
            ev = evaluate(model, held)
            log.write(json.dumps({"step": step, "tokens": tokens, "train_s": round(train_s, 1), "lr": lr, "grad_norm": float(gn), "T": p["T"], "B": p["B"],
                                  "train_mlm_loss": acc_mlm / n_acc, "train_nsp_loss": acc_nsp / n_acc, **ev}) + "\n")
            log.flush()
            print(f"step {step} tokens {tokens} {train_s:.0f}s  train mlm {acc_mlm / n_acc:.3f}  held-out mlm {ev['mlm_loss']:.3f} acc {ev['mlm_acc']:.3f}  nsp acc {ev['nsp_acc']:.3f}", flush=True)
            acc_mlm = acc_nsp = 0.0
            n_acc = 0
    if not due:
        ev = evaluate(model, held)
        log.write(json.dumps({"step": step, "tokens": tokens, "train_s": round(train_s, 1), "lr": lr, **ev}) + "\n")
    log.write(json.dumps({"done": True, "step": step, "tokens": tokens, "train_s": round(train_s, 1)}) + "\n")
    log.close()
    if a.save:
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "tokens": tokens, "train_s": train_s}, a.save)


if __name__ == "__main__":
    main()
