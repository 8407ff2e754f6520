"""PyTorch reference for bench/bert-forward.ts: the same BERT encoder forward (embeddings → L layers →
pooler), random weights, timed the same way. Prints one JSON line.

Plain torch (Debian's python3-torch 1.13; transformers is not packaged in Debian), written to match
transformers' BertModel op for op: Linear (x·Wᵀ + b), exact-erf GELU, LayerNorm eps 1e-12,
additive padding mask, softmax attention, tanh pooler.

usage: python3 bench/bert_forward_ref.py --layers 4 --hidden 256 --heads 4 --inter 1024 \
          --vocab 30522 --seq 128 --batch 8 --iters 5 --threads 1
"""
import argparse
import json
import math
import time

import torch
from torch import nn


class Layer(nn.Module):
    def __init__(self, h, nh, inter):
        super().__init__()
        self.nh, self.hs = nh, h // nh
        self.q, self.k, self.v, self.o = (nn.Linear(h, h) for _ in range(4))
        self.ln1 = nn.LayerNorm(h, eps=1e-12)
        self.up, self.down = nn.Linear(h, inter), nn.Linear(inter, h)
        self.ln2 = nn.LayerNorm(h, eps=1e-12)

    def forward(self, x, mask_bias):
        B, T, H = x.shape
        split = lambda y: y.view(B, T, self.nh, self.hs).transpose(1, 2)  # [B, nh, T, hs]
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.hs) + mask_bias  # [B, nh, T, T]
        ctx = (scores.softmax(-1) @ v).transpose(1, 2).reshape(B, T, H)
        a = self.ln1(self.o(ctx) + x)
        return self.ln2(self.down(nn.functional.gelu(self.up(a))) + a)


class Bert(nn.Module):
    def __init__(self, vocab, h, layers, nh, inter, max_pos=512):
        super().__init__()
        self.word, self.pos, self.segment = nn.Embedding(vocab, h), nn.Embedding(max_pos, h), nn.Embedding(2, h)
        self.ln = nn.LayerNorm(h, eps=1e-12)
        self.layers = nn.ModuleList(Layer(h, nh, inter) for _ in range(layers))
        self.pool = nn.Linear(h, h)

    def forward(self, ids, mask, types):
        T = ids.shape[1]
        x = self.ln(self.word(ids) + self.pos.weight[:T] + self.segment(types))
        bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.layers:
            x = layer(x, bias)
        return x, torch.tanh(self.pool(x[:, 0]))


def main():
    ap = argparse.ArgumentParser()
    for name, default in [("layers", 4), ("hidden", 256), ("heads", 4), ("inter", 1024), ("vocab", 30522), ("seq", 128), ("batch", 8), ("iters", 5), ("warmup", 1), ("threads", 1)]:
        ap.add_argument(f"--{name}", type=int, default=default)
    ap.add_argument("--export", default="", help="also write the model as ONNX (torch.onnx.export, opset 17) to this path")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Bert(a.vocab, a.hidden, a.layers, a.heads, a.inter).eval()
    ids = torch.randint(0, a.vocab, (a.batch, a.seq))
    mask = torch.ones(a.batch, a.seq, dtype=torch.long)
    types = torch.zeros(a.batch, a.seq, dtype=torch.long)
    with torch.inference_mode():
        for _ in range(a.warmup):
            model(ids, mask, types)
        t0 = time.perf_counter()
        for _ in range(a.iters):
            model(ids, mask, types)
        dt = (time.perf_counter() - t0) / a.iters
    if a.export:
        # What a transformers.js user gets: the PyTorch model exported to ONNX with its weights inside.
        torch.onnx.export(model, (ids, mask, types), a.export, input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state", "pooler_output"], opset_version=17)
    print(json.dumps({"torch": torch.__version__, "threads": a.threads, "ms_per_batch": dt * 1000, "tokens_per_s": a.batch * a.seq / dt}))


if __name__ == "__main__":
    main()
