"""Copies a BERT folder (a `course distill` output) keeping only its first N encoder layers: config.json's
num_hidden_layers = N and the encoder.layer.K.* tensors for K ≥ N dropped from model.safetensors; every
other file is copied as it is. A scratch tool for the layer choice of DEVLOG session s28b.
  python3 truncate-layers.py SRC DST N"""
import json, os, re, shutil, struct, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
shutil.copytree(src, dst, dirs_exist_ok=False)
cfg = json.load(open(f"{src}/config.json")); cfg["num_hidden_layers"] = n
json.dump(cfg, open(f"{dst}/config.json", "w"), indent=2)
raw = open(f"{src}/model.safetensors", "rb").read()
hl = struct.unpack("<Q", raw[:8])[0]; head = json.loads(raw[8:8 + hl]); body = raw[8 + hl:]
keep = {k: v for k, v in head.items() if k == "__metadata__" or not (m := re.match(r"encoder\.layer\.(\d+)\.", k)) or int(m[1]) < n}
out, parts, off = {}, [], 0
for k, v in keep.items():
    if k == "__metadata__": out[k] = v; continue
    b = body[v["data_offsets"][0]:v["data_offsets"][1]]
    out[k] = dict(v, data_offsets=[off, off + len(b)]); parts.append(b); off += len(b)
h = json.dumps(out, separators=(",", ":")).encode(); h += b" " * (-len(h) % 8)
open(f"{dst}/model.safetensors", "wb").write(struct.pack("<Q", len(h)) + h + b"".join(parts))
print(f"{dst}: {n} layers, {len(keep) - ('__metadata__' in keep)} tensors")
