#!/usr/bin/env python3
"""List false negatives / false positives of Cordon on the gen2 corpus.

usage: python3 analyze.py OUT scan_vals.jsonl [--summary-only]
Uses OUT/sample/labels.jsonl (gold), OUT/meta.jsonl (variants, decoys) and
Cordon's raw JSON Lines output produced WITH --show-values (all detectors,
with confidence). For files Cordon sniffs as e-mail/HTML/XML, its offsets are
in extracted text, not in the file; those findings are mapped back to file
byte offsets by searching their value in the file (nearest occurrence at or
after the reported offset). Writes pred_realigned.jsonl next to the scan."""
import collections, json, sys

TYPES = ["credit_card", "email", "us_ssn", "iban", "ipv4", "ipv6", "phone", "aws_access_key", "github_token",
         "private_key", "uk_nhs", "us_npi"]


def ov(a, b):
    return a["start"] < b["end"] and b["start"] < a["end"]


def ctx(raw, s, e, w=40):
    pre = raw[max(0, s - w):s].decode("utf-8", "replace")
    mid = raw[s:e].decode("utf-8", "replace")
    post = raw[e:e + w].decode("utf-8", "replace")
    if len(mid) > 90:
        mid = mid[:45] + "…" + mid[-40:]
    return (pre + "⟦" + mid + "⟧" + post).replace("\n", "⏎").replace("\r", "␍").replace("\t", "⇥")


def main():
    out, scan = sys.argv[1], sys.argv[2]
    summary_only = "--summary-only" in sys.argv
    meta = {json.loads(l)["doc"]: json.loads(l) for l in open(f"{out}/meta.jsonl")}
    labels = {json.loads(l)["doc"]: json.loads(l)["entities"] for l in open(f"{out}/sample/labels.jsonl")}
    findings = collections.defaultdict(list)
    ftype = {}
    realigned = unmapped = 0
    for l in open(scan):
        rec = json.loads(l)
        p = rec["path"]
        p = p if p.startswith("docs/") else "docs/" + p.split("docs/")[-1]
        ftype[p] = rec["file_type"]
        raw = open(f"{out}/sample/{p}", "rb").read()
        body = raw.find(b"\n\n") + 2 if rec["file_type"].startswith("Email") else 0
        for f in rec.get("findings", []):
            f = dict(f)
            if raw[f["start"]:f["end"]] != f["value"].encode():  # extracted text: map back by value
                v = f["value"].encode()
                base = body if "!/part" in f["location"] else 0
                occ = [m for m in range(len(raw)) if raw.startswith(v, m)] if v else []
                if occ:
                    after = [m for m in occ if m >= f["start"] + base]
                    m = after[0] if after else min(occ, key=lambda m: abs(m - f["start"] - base))
                    f["orig"] = (f["start"], f["end"])
                    f["start"], f["end"] = m, m + len(v)
                    realigned += 1
                else:
                    unmapped += 1
                    f["start"] = f["end"] = -1
            findings[p].append(f)
    with open(scan.rsplit("/", 1)[0] + "/pred_realigned.jsonl" if "/" in scan else "pred_realigned.jsonl", "w") as pf:
        for p in sorted(findings):
            pf.write(json.dumps({"doc": p, "findings": [{"type": f["detector"], "start": f["start"], "end": f["end"]}
                                                         for f in findings[p] if f["start"] >= 0]}) + "\n")
    print(f"file types: {collections.Counter(ftype.values())}; findings realigned by value: {realigned}, unmappable: {unmapped}")
    by_var = collections.defaultdict(lambda: [0, 0])  # (type, variant) -> [hit, total]
    by_ctx = collections.defaultdict(lambda: [0, 0])
    fn_list, fp_list = [], []
    fp_kind = collections.Counter()
    for doc, m in sorted(meta.items()):
        raw = open(f"{out}/sample/{doc}", "rb").read()
        gold = m["entities"]
        assert [(g["type"], g["start"], g["end"]) for g in gold] == [(g["type"], g["start"], g["end"]) for g in labels[doc]]
        fs = findings.get(doc, [])
        preds = [f for f in fs if f["detector"] in TYPES]
        used = [False] * len(gold)
        # replicate scorer matching order
        for f in preds:
            hit = False
            for i, g in enumerate(gold):
                if not used[i] and g["type"] == f["detector"] and ov(f, g):
                    used[i] = hit = True
                    break
            if not hit:
                # classify the FP
                why = []
                if any(g["type"] == f["detector"] and ov(f, g) for g in gold):
                    why.append("duplicate-of-matched-gold")
                why += [f"gold:{g['type']}" for g in gold if ov(f, g) and g["type"] != f["detector"]]
                why += [f"decoy:{d['kind']}" for d in m["decoys"] if ov(f, d)]
                if not why:
                    why = ["unlabelled-text"]
                fp_kind[(f["detector"], why[0])] += 1
                fp_list.append((f["detector"], why, doc + "[" + ftype.get(doc, "?")[:5] + "]", f, ctx(raw, f["start"], f["end"])))
        for i, g in enumerate(gold):
            by_var[(g["type"], g["variant"])][1] += 1
            by_ctx[(g["type"], g["ctx"])][1] += 1
            if used[i]:
                by_var[(g["type"], g["variant"])][0] += 1
                by_ctx[(g["type"], g["ctx"])][0] += 1
            else:
                other = [f"{f['detector']}({f.get('confidence', '?')})[{f['start']}:{f['end']}]" for f in fs if ov(f, g)]
                fn_list.append((g["type"], g["variant"], g["ctx"], doc + "[" + ftype.get(doc, "?")[:5] + "]", g, ctx(raw, g["start"], g["end"]), other))

    print("=== recall by (type, variant) — only rows with misses")
    for (t, v), (h, n) in sorted(by_var.items()):
        if h < n:
            print(f"  {t:15} {v:28} {h:4}/{n:<4}")
    print("=== recall by (type, context) — only rows with misses")
    for (t, c), (h, n) in sorted(by_ctx.items()):
        if h < n:
            print(f"  {t:15} {c:40} {h:4}/{n:<4}")
    print("=== FP counts by (detector, reason)")
    for (d, w), n in fp_kind.most_common():
        print(f"  {d:15} {w:40} {n}")
    if summary_only:
        return
    print(f"\n=== FALSE NEGATIVES ({len(fn_list)})")
    for t, v, c, doc, g, cx, other in sorted(fn_list, key=lambda x: (x[0], x[1])):
        print(f"FN {t:14} var={v:24} ctx={c:32} {doc} {cx}\n      cordon-there: {', '.join(other) or '-'}")
    print(f"\n=== FALSE POSITIVES ({len(fp_list)})")
    for d, why, doc, f, cx in sorted(fp_list, key=lambda x: (x[0], x[1])):
        print(f"FP {d:14} conf={f.get('confidence', '?')} why={','.join(why):30} {doc} {cx}")


if __name__ == "__main__":
    main()
