#!/usr/bin/python3
"""PyTorch twin of the lab's GPT pre-training (lib/models/gpt + lib/icl/pretrain.ts), for machines
where tfjs-wasm is too slow to reach the in-context-learning phase in reasonable time.

Same architecture and parameter names (GPT-2 layout: Conv1D weights stored [in, out], tied output
layer, pre-LayerNorm blocks, tanh-GELU, learned positions), same data (the synthetic task family read
from task-spec.json, which `node --import tsx models/icl-gpt/train.ts --spec` writes from
lib/icl/synthetic.ts), same objective (cross-entropy of the label after each input symbol), same
optimiser settings (Adam β=(0.9, 0.95), warm-up + cosine, clip 1.0). It writes config.json and
model.safetensors that lib/models/gpt's loadGpt reads unchanged; the TypeScript tests then measure
the checkpoint in tfjs.

    apt-get install -y python3-torch        (Debian's PyTorch 1.13, CPU)
    /usr/bin/python3 models/icl-gpt/train_torch.py [--steps 3000] [--batch 32] [--out models/icl-gpt]
"""
import argparse
import json
import math
import os
import random
import struct
import time

import torch
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--steps", type=int, default=3000)
p.add_argument("--batch", type=int, default=32)
p.add_argument("--lr", type=float, default=1.5e-3)
p.add_argument("--warmup", type=int, default=100)
p.add_argument("--embd", type=int, default=64)
p.add_argument("--layers", type=int, default=2)
p.add_argument("--heads", type=int, default=4)
p.add_argument("--seed", type=int, default=42)
p.add_argument("--threads", type=int, default=1)
p.add_argument("--positions", choices=["learned", "rotary"], default="rotary")
p.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
args = p.parse_args()
torch.manual_seed(args.seed)
rng = random.Random(args.seed)
torch.set_num_threads(args.threads)

spec = json.load(open(os.path.join(args.out, "task-spec.json")))
VOCAB = spec["vocab"]
ID = {t: i for i, t in enumerate(VOCAB)}
S = spec["synthetic"]
FIXED = spec["fixedMappings"]  # [mapping A, mapping B]: symbol → label
SYMBOLS = [f"x{i:02d}" for i in range(S["nSymbols"])]
LABELS = [f"y{i}" for i in range(S["nLabels"])]


def training_sequence(allow_repeat=True):
    """<bos> task (x y)×k, targets at each x (as lib/icl/synthetic.ts trainingSequence).
    With probability spec["repeatFraction"] the second half repeats the first half verbatim and every
    token of it is a target (the repeated-sequence copying data that makes induction heads form)."""
    if allow_repeat and rng.random() < spec.get("repeatFraction", 0):
        ids, tg = training_sequence(False)
        half = 2 + S["trainExamples"]  # <bos> task + the first k/2 pairs
        ids = ids[:half] + ids[2:half]
        return ids, [(j - 1, ids[j]) for j in range(half + 1, len(ids))]
    u = rng.random()
    task = "new" if u < spec["mix"]["new"] else ("A" if u < spec["mix"]["new"] + spec["mix"]["A"] else "B")
    syms = rng.sample(SYMBOLS, S["symbolsPerTask"])
    mapping = {s: (rng.choice(LABELS) if task == "new" else FIXED[0 if task == "A" else 1][s]) for s in syms}
    ids = [ID["<bos>"], ID[f"task:{task}"]]
    tg = []
    for _ in range(S["trainExamples"]):
        x = rng.choice(syms)
        ids.append(ID[x])
        tg.append((len(ids) - 1, ID[mapping[x]]))
        ids.append(ID[mapping[x]])
    return ids, tg


# ------------------------------------------------------------------ the model (names as lib/models/gpt/model.ts)
C, L, NH, V, NPOS = args.embd, args.layers, args.heads, len(VOCAB), 64
HS = C // NH
std, proj_std = 0.02, 0.02 / math.sqrt(2 * L)
P = {}


def param(name, shape, init):
    t = torch.empty(shape)
    if init == "normal":
        torch.nn.init.normal_(t, 0, std)
    elif init == "proj":
        torch.nn.init.normal_(t, 0, proj_std)
    elif init == "ones":
        t.fill_(1)
    else:
        t.zero_()
    P[name] = t.requires_grad_()


param("transformer.wte.weight", (V, C), "normal")
if args.positions == "learned":
    param("transformer.wpe.weight", (NPOS, C), "normal")
for i in range(L):
    h = f"transformer.h.{i}"
    param(f"{h}.ln_1.weight", (C,), "ones"); param(f"{h}.ln_1.bias", (C,), "zeros")
    param(f"{h}.attn.c_attn.weight", (C, 3 * C), "normal"); param(f"{h}.attn.c_attn.bias", (3 * C,), "zeros")
    param(f"{h}.attn.c_proj.weight", (C, C), "proj"); param(f"{h}.attn.c_proj.bias", (C,), "zeros")
    param(f"{h}.ln_2.weight", (C,), "ones"); param(f"{h}.ln_2.bias", (C,), "zeros")
    param(f"{h}.mlp.c_fc.weight", (C, 4 * C), "normal"); param(f"{h}.mlp.c_fc.bias", (4 * C,), "zeros")
    param(f"{h}.mlp.c_proj.weight", (4 * C, C), "proj"); param(f"{h}.mlp.c_proj.bias", (C,), "zeros")
param("transformer.ln_f.weight", (C,), "ones"); param("transformer.ln_f.bias", (C,), "zeros")


ROPE_BASE = 10000.0


def rot_half(x):
    return torch.cat([-x[..., HS // 2:], x[..., : HS // 2]], -1)


def ln(x, pre):
    return F.layer_norm(x, (C,), P[f"{pre}.weight"], P[f"{pre}.bias"], 1e-5)


def forward(ids):
    B, T = ids.shape
    x = P["transformer.wte.weight"][ids]
    if args.positions == "learned":
        x = x + P["transformer.wpe.weight"][:T]
    else:  # rotary (Su et al. 2021), rotate-half layout as in GPT-NeoX / Llama
        inv = 1.0 / (ROPE_BASE ** (torch.arange(0, HS, 2).float() / HS))
        ang = torch.arange(T).float()[:, None] * inv[None, :]  # [T, hs/2]
        cos, sin = torch.cat([ang.cos(), ang.cos()], -1), torch.cat([ang.sin(), ang.sin()], -1)  # [T, hs]
    mask = torch.triu(torch.full((T, T), -1e9), 1)
    for i in range(L):
        h = f"transformer.h.{i}"
        qkv = ln(x, f"{h}.ln_1") @ P[f"{h}.attn.c_attn.weight"] + P[f"{h}.attn.c_attn.bias"]
        q, k, v = qkv.view(B, T, 3, NH, HS).permute(2, 0, 3, 1, 4)
        if args.positions == "rotary":
            q = q * cos + rot_half(q) * sin
            k = k * cos + rot_half(k) * sin
        att = F.softmax(q @ k.transpose(-1, -2) / math.sqrt(HS) + mask, -1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        x = x + y @ P[f"{h}.attn.c_proj.weight"] + P[f"{h}.attn.c_proj.bias"]
        m = F.gelu(ln(x, f"{h}.ln_2") @ P[f"{h}.mlp.c_fc.weight"] + P[f"{h}.mlp.c_fc.bias"], approximate="tanh")
        x = x + m @ P[f"{h}.mlp.c_proj.weight"] + P[f"{h}.mlp.c_proj.bias"]
    return ln(x, "transformer.ln_f") @ P["transformer.wte.weight"].t()


def lr_at(step):
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    prog = min(1, (step - args.warmup) / max(1, args.steps - args.warmup))
    return args.lr / 10 + 0.5 * (1 + math.cos(math.pi * prog)) * (args.lr - args.lr / 10)


def probe(n=512):
    """j-shot accuracy on held-out NEW tasks (target j follows j examples)."""
    state = rng.getstate()
    rng.seed(999)
    seqs = []
    while len(seqs) < n:
        ids, tg = training_sequence(False)
        if VOCAB[ids[1]] == "task:new":
            seqs.append((ids, tg))
    rng.setstate(state)
    with torch.no_grad():
        logits = forward(torch.tensor([s[0] for s in seqs]))
    correct = [0] * S["trainExamples"]
    for b, (_, tg) in enumerate(seqs):
        for j, (pos, y) in enumerate(tg):
            correct[j] += int(logits[b, pos].argmax() == y)
    return [round(c / n, 3) for c in correct]


def save(step):
    names = sorted(P)
    header, blobs, off = {"__metadata__": {"format": "pt", "trained_steps": str(step), "trainer": "train_torch.py"}}, [], 0
    for n in names:
        b = P[n].detach().contiguous().float().numpy().tobytes()
        header[n] = {"dtype": "F32", "shape": list(P[n].shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    hb = json.dumps(header, separators=(",", ":")).encode()
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(os.path.join(args.out, "model.safetensors.tmp"), "wb") as f:
        f.write(struct.pack("<Q", len(hb)) + hb + b"".join(blobs))
    os.replace(os.path.join(args.out, "model.safetensors.tmp"), os.path.join(args.out, "model.safetensors"))
    cfg = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_positions": NPOS, "n_embd": C, "n_layer": L, "n_head": NH,
           "n_inner": None, "layer_norm_epsilon": 1e-5, "initializer_range": 0.02, "vocab_size": V,
           "position_embedding_type": args.positions, "rope_theta": ROPE_BASE}
    json.dump(cfg, open(os.path.join(args.out, "config.json"), "w"), indent=2)
    json.dump({"step": step, "trainer": "train_torch.py", "options": vars(args)}, open(os.path.join(args.out, "train-state.json"), "w"), indent=2)


opt = torch.optim.Adam(list(P.values()), lr=args.lr, betas=(0.9, 0.95))
log = open(os.path.join(args.out, "train-log.jsonl"), "w")
t0 = time.time()
tokens = 0
for step in range(args.steps):
    for g in opt.param_groups:
        g["lr"] = lr_at(step)
    batch = [training_sequence() for _ in range(args.batch)]
    ids = torch.tensor([b[0] for b in batch])
    logits = forward(ids)
    rows = torch.tensor([bi * ids.shape[1] + pos for bi, b in enumerate(batch) for pos, _ in b[1]])  # all sequences have 2 + 2k tokens
    ys = torch.tensor([y for b in batch for _, y in b[1]])
    loss = F.cross_entropy(logits.reshape(-1, V)[rows], ys)
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(list(P.values()), 1.0)
    opt.step()
    tokens += ids.numel()
    if (step + 1) % 100 == 0:
        rec = {"kind": "log", "step": step + 1, "loss": round(loss.item(), 4), "lr": lr_at(step), "tokens_per_s": round(tokens / (time.time() - t0)), "seconds": round(time.time() - t0)}
        print(json.dumps(rec), flush=True)
        log.write(json.dumps(rec) + "\n")
    if (step + 1) % 500 == 0 or step + 1 == args.steps:
        rec = {"kind": "checkpoint", "step": step + 1, "acc_by_k": probe()}
        print(json.dumps(rec), flush=True)
        log.write(json.dumps(rec) + "\n")
        log.flush()
        save(step + 1)
print(f"done: {args.steps} steps in {time.time() - t0:.0f} s")
