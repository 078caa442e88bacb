#!/usr/bin/env python3
"""Every miss (FN) and false alarm (FP) of a scored eval-c run, one a line,
with the value's neighbourhood (values shown: the corpus is synthetic).
Matching is the scorer's: same type, overlapping spans.

  misses.py OUT_DIR TYPES     (OUT_DIR holds sample/ and scan.jsonl)
"""
import json
import sys


def main():
    out, types = sys.argv[1], set(sys.argv[2].split(","))
    gold = {}
    for line in open(f"{out}/sample/labels.jsonl"):
        r = json.loads(line)
        gold[r["doc"]] = r["entities"]
    found = {}
    for line in open(f"{out}/scan.jsonl"):
        r = json.loads(line)
        found[r["path"]] = r["findings"]
    flat = lambda b: b.decode("utf-8", "replace").replace("\n", "⏎")
    for doc, labels in sorted(gold.items()):
        raw = open(f"{out}/sample/{doc}", "rb").read()
        every = found.get(doc, [])
        used = [False] * len(labels)
        for f in (f for f in every if f["detector"] in types):
            hit = next((i for i, g in enumerate(labels) if not used[i] and g["type"] == f["detector"]
                        and f["start"] < g["end"] and g["start"] < f["end"]), None)
            if hit is None:
                s, e = f["start"], f["end"]
                print(f"FP {f['detector']:14} {f['confidence']:6} {doc} {flat(raw[max(0, s - 60):s])}⟦{flat(raw[s:e])}⟧{flat(raw[e:e + 30])}")
            else:
                used[hit] = True
        for i, g in enumerate(labels):
            if used[i] or g["type"] not in types:
                continue
            s, e = g["start"], g["end"]
            other = sorted({(f["detector"], f["confidence"]) for f in every if f["start"] < e and s < f["end"]})
            print(f"FN {g['type']:14} {doc} {other} {flat(raw[max(0, s - 60):s])}⟦{flat(raw[s:e])}⟧{flat(raw[e:e + 30])}")


if __name__ == "__main__":
    main()
