#!/usr/bin/env python3
"""One line per false negative (MISS) and false positive (FALSE) of a scan
against an eval-f corpus, with the value and ~60 bytes either side.

    scripts/eval-f/misses.py OUT_DIR TYPES

Reads OUT_DIR/sample/labels.jsonl, OUT_DIR/sample/docs/* and
OUT_DIR/pred.jsonl ({"doc", "findings": [{"type", "start", "end"}]}).
Matching is the scorer's: a finding is a true positive when it has the gold
type and overlaps a not-yet-matched gold span of that type, taken in the
order the findings are listed.  Output columns are tab-separated:
kind, type, doc, value, neighbourhood (newlines shown as \\n).
"""
import json
import pathlib
import sys

CTX = 60


def load(path, key):
    out = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                out[rec["doc"]] = rec.get(key, [])
    return out


def visible(b):
    s = b.decode("utf-8", errors="replace")
    return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def shorten(s, limit=100):
    return s if len(s) <= limit else s[:60] + "…" + s[-30:]


def char_start(data, i):
    """Move a byte index back/forward onto a UTF-8 character start."""
    while 0 < i < len(data) and data[i] & 0xC0 == 0x80:
        i += 1
    return i


def line_for(kind, typ, doc, data, s, e):
    s, e = max(0, min(s, len(data))), max(0, min(e, len(data)))
    left = data[char_start(data, max(0, s - CTX)):s]
    right = data[e:char_start(data, min(len(data), e + CTX))]
    value = shorten(visible(data[s:e]))
    return f"{kind}\t{typ}\t{doc}\t{value}\t{visible(left)}⟦{value}⟧{visible(right)}"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: misses.py OUT_DIR TYPES")
    out = pathlib.Path(sys.argv[1])
    types = set(sys.argv[2].split(",")) if sys.argv[2] else None
    gold = load(out / "sample" / "labels.jsonl", "entities")
    pred = load(out / "pred.jsonl", "findings")
    keep = (lambda t: types is None or t in types)
    lines = []
    for doc in sorted(set(gold) | set(pred)):
        g = [x for x in gold.get(doc, []) if keep(x["type"])]
        p = [x for x in pred.get(doc, []) if keep(x["type"])]
        path = out / "sample" / doc
        data = path.read_bytes() if path.is_file() else b""
        used = [False] * len(g)
        for f in p:
            for i, ge in enumerate(g):
                if not used[i] and ge["type"] == f["type"] and f["start"] < ge["end"] and ge["start"] < f["end"]:
                    used[i] = True
                    break
            else:
                lines.append(("FALSE", f["type"], doc, f["start"], line_for("FALSE", f["type"], doc, data, f["start"], f["end"])))
        for i, ge in enumerate(g):
            if not used[i]:
                lines.append(("MISS", ge["type"], doc, ge["start"], line_for("MISS", ge["type"], doc, data, ge["start"], ge["end"])))
    for *_, text in sorted(lines, key=lambda x: (x[1], x[0], x[2], x[3])):
        print(text)


if __name__ == "__main__":
    main()
