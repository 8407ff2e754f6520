"""Summarises runs/*.jsonl (train_torch.py logs) as a Markdown table for README.md.

usage: /usr/bin/python3 models/course-bert/explore/summarise.py [RUN ...]   (default: every run, in start order)
"""
import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
THRESHOLDS = (0.20, 0.25, 0.30)  # held-out MLM accuracy; the unigram + copy level of this corpus is ~0.14 (README)
AT_TOKENS = (0.82e6, 1.64e6, 2.46e6, 4.1e6)


def load(path):
    rows = [json.loads(l) for l in open(path) if l.strip()]
    args = next((r["args"] for r in rows if "args" in r), {})
    evals = [r for r in rows if "mlm_acc" in r]
    return args, evals


def first_reach(evals, thr):
    for e in evals:
        if e["mlm_acc"] >= thr:
            return e
    return None


def at_tokens(evals, t):
    best = None
    for e in evals:
        if abs(e["tokens"] - t) <= 0.05 * t and (best is None or abs(e["tokens"] - t) < abs(best["tokens"] - t)):
            best = e
    return best


def fmt_e(e):
    return "–" if e is None else f"{100 * e['mlm_acc']:.1f} / {e['mlm_loss']:.2f} / {100 * e['nsp_acc']:.0f}"


def main():
    names = sys.argv[1:] or [os.path.basename(p)[:-6] for p in sorted(glob.glob(os.path.join(HERE, "runs", "*.jsonl")), key=os.path.getmtime)]
    head = ["run", "shape", "phases T:B", "lr / warm-up / schedule", "dropout", "NSP w", "steps", "tokens", "train min"]
    head += [f"@{t / 1e6:g}M tok" for t in AT_TOKENS] + ["final acc / loss / NSP"] + [f"≥{int(100 * t)}% at step (tokens)" for t in THRESHOLDS]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for n in names:
        args, evals = load(os.path.join(HERE, "runs", n + ".jsonl"))
        if not evals:
            continue
        last = evals[-1]
        drop = str(args.get("dropout"))
        if args.get("dropout_after", -1) >= 0:
            drop += f"→{args.get('dropout_late')}@{args['dropout_after']}"
        row = [n, args.get("shape"), args.get("phases"), f"{args.get('lr'):g} / {args.get('warmup')} / {args.get('schedule')}" + (f" ({args['steps']})" if args.get("steps") else ""),
               drop, f"{args.get('nsp_weight'):g}", str(last["step"]), f"{last['tokens'] / 1e6:.2f}M", f"{last['train_s'] / 60:.1f}"]
        row += [fmt_e(at_tokens(evals, t)) for t in AT_TOKENS] + [fmt_e(last)]
        for t in THRESHOLDS:
            e = first_reach(evals, t)
            row.append("no" if e is None else f"{e['step']} ({e['tokens'] / 1e6:.2f}M)")
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
