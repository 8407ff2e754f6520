"""What the edit-embeddings-solution-N.py scripts share: the solution notebook, loaded once, and a text
replacement in one cell (the cell found by its id; a code cell's outputs cleared). Run the scripts from the
course folder; each ends with `save()`."""
import json

P = "solutions/embeddings.ipynb"
nb = json.load(open(P))
pos = {c.get("id"): i for i, c in enumerate(nb["cells"])}


def lines(s):
    out = s.split("\n")
    return [l + "\n" for l in out[:-1]] + [out[-1]]


def replace_in(cid, old, new):
    c = nb["cells"][pos[cid]]
    s = "".join(c["source"])
    assert old in s, f"{cid}: text to replace not found: {old[:60]!r}"
    c["source"] = lines(s.replace(old, new, 1))
    if c["cell_type"] == "code":
        c["outputs"], c["execution_count"] = [], None


def save():
    with open(P, "w") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")
