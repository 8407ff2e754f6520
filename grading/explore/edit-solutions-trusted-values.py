"""Issue 24: expected values never come from the student's kernel, and locked cells never call a
student's function in a cell whose declarations later cells need.

- embeddings: K_SIGMA gets a locked cell of its own; the sanity check that calls the student's
  `verdict` moves to the next (locked) cell, so a student who skipped Q4 keeps K_SIGMA and every
  question after it. The hidden tests of Q5–Q9 say where their values come from (the grader's own
  run of the locked cells).
- cosine-similarity: Q4's hidden check on the FAQ vectors computes every expected index itself (a
  function that answers a constant can no longer pass it)."""
import json


def lines(s):
    out = s.split("\n")
    return [l + "\n" for l in out[:-1]] + [out[-1]]


def load(p):
    return json.load(open(p))


def save(p, nb):
    with open(p, "w") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")


def src(c):
    return "".join(c["source"])


P = "solutions/embeddings.ipynb"
nb = load(P)
pos = {c.get("id"): i for i, c in enumerate(nb["cells"])}
i = pos["9a1f0c08"]
c = nb["cells"][i]
s = src(c)
already = "9a1f0c09" in pos
sanity_lines = [l for l in s.split("\n") if "half" in l or "sanity check" in l]
assert already or len(sanity_lines) == 3, sanity_lines
keep = [l for l in s.split("\n") if l not in sanity_lines]
if not already:
    c["source"] = lines("\n".join(keep))
sanity = {
    "cell_type": "code",
    "execution_count": None,
    "id": "9a1f0c09",
    "metadata": {"course": {"type": "locked"}},
    "outputs": [],
    "source": lines("// A sanity check of the rule, with your verdict (Q4): the floor's runs split in two halves come from the very same vectors.\n"
                    + "\n".join(sanity_lines[1:])),
}
if not already:
    nb["cells"].insert(i + 1, sanity)

NOTE = "// sigma, K_SIGMA and the ARIs are the grader's own: it runs the locked cells itself and never reads them from your notebook.\n"
for q in ["q5", "q6", "q7", "q8", "q9"]:
    cell = next(c for c in nb["cells"] if c["metadata"].get("course", {}).get("id") == q and c["metadata"]["course"]["type"] == "hidden-tests")
    s = src(cell)
    if NOTE not in s:
        s = s.replace('import { check, assert } from "@course/lib/grading/testing";\n', 'import { check, assert } from "@course/lib/grading/testing";\n' + NOTE, 1)
    cell["source"] = lines(s)
save(P, nb)

P = "solutions/cosine-similarity.ipynb"
nb = load(P)
cell = next(c for c in nb["cells"] if c["metadata"].get("course", {}).get("id") == "q4" and c["metadata"]["course"]["type"] == "public-tests")
s = src(cell)
old = 'check("the library questions are each other\'s nearest", () => assert.equal(mostSimilar(vectors[0], vectors.slice(1)), 0));\n'
new = '''check("each FAQ question's nearest among the others", () => {
  // vectors is the grader's own copy of the locked data; the expected indices are computed here.
  const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0) / Math.hypot(...a) / Math.hypot(...b);
  vectors.forEach((q, i) => {
    const others = vectors.filter((_, j) => j !== i);
    const sims = others.map((v) => cos(q, v));
    assert.equal(mostSimilar(q, others), sims.indexOf(Math.max(...sims)), `the nearest to vectors[${i}] among the other three`);
  });
});
'''
assert old in s or new in s
cell["source"] = lines(s.replace(old, new))
save(P, nb)
print("edited")

# Format checks (any well-formed answer passes them, a constant included) are feedback only:
# the points of Q5, Q6, Q8 and Q9 are for the right value, which only the hidden checks test.
P = "solutions/embeddings.ipynb"
nb = load(P)
FORMAT = {
    "q5": ('check("a verdict for cls and for pooler", () => {', None),
    "q6": ('check("layersTiedWithBest lists hidden-state indices in increasing order", () => {', None),
    "q8": ('check("harmfulResets is a list of the groups that were reset", () => {', None),
    "q9": ('check("sbertVsBert is a verdict", () => assert.ok(["higher", "lower", "within noise"].includes(sbertVsBert), String(sbertVsBert)));', None),
}
for q, (head, _) in FORMAT.items():
    cell = next(c for c in nb["cells"] if c["metadata"].get("course", {}).get("id") == q and c["metadata"]["course"]["type"] == "public-tests")
    s = src(cell)
    assert head in s, (q, head)
    if "{ points: 0 }" in s:
        continue
    if s.rstrip().endswith("});"):
        s = s.rstrip()[: -len("});")] + "}, { points: 0 });\n" if q != "q9" else s
    if q == "q9":
        s = s.replace(head, head[: -len(");")] + ", { points: 0 });")
    cell["source"] = lines(s.rstrip("\n") + "\n" if not s.endswith("\n") else s)
save(P, nb)
print("format checks carry no points")
