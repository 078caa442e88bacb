"""What the probes share. The generator probes (`probe-mimesis`,
`probe-faker`): write each generated value alone and after its word, scan
them with a build's `eval` example, and print the table of what was found.
The keyword-list probes (`probe-purview`, `probe-macie`): write each of a
vendor's keywords before a valid value of its type (`keyword_probe`).

A source is `(name, generate, type, word, judge)`: `generate()` returns a
value; `type` is the detector that should report it (`a|b` for either of
two, None for a value Cordon does not claim, where any finding at medium
or above is a false alarm); `judge(value)` is a reference check (None:
every value counts as valid), and only values that pass count as findable.
"""

import collections
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONF = {"low": 0, "medium": 1, "high": 2}


def scan(sources, per):
    """Generate `per` values of every source, write them, scan them:
    the cases and the findings by document."""
    docs, cases = {}, []  # cases: (name, type, value, with_word, valid, doc, start, end)
    for name, gen, typ, word, judge in sources:
        for _ in range(per):
            value = str(gen())
            valid = judge(value) if judge else True
            for with_word in (False, True):
                prefix = f"{word}: " if with_word else ""
                doc = "%06d.txt" % len(docs)
                docs[doc] = prefix + value + "\n"
                start = len(prefix.encode())
                cases.append((name, typ, value, with_word, valid, doc, start, start + len(value.encode())))
    return cases, run_eval(docs)


def report(cases, found, show, judges):
    """Print the tables; `judges` names the reference checks."""
    print("| method | type | valid | word: found | word: other type | alone: found | alone: any level"
          " | alone: other type |")
    print("|---|---|---|---|---|---|---|---|")
    tot = collections.Counter()
    rows = collections.OrderedDict()
    shown = collections.Counter()
    for name, typ, value, with_word, valid, doc, s, e in cases:
        over = [x for x in found.get(doc, []) if x["start"] < e and s < x["end"]]
        mid = [x for x in over if CONF[x["confidence"]] >= 1]
        types = (typ or "").split("|")
        own = [x for x in mid if x["type"] in types]
        own_any = [x for x in over if x["type"] in types]
        other = [x for x in mid if x["type"] not in types]
        r = rows.setdefault((name, typ), collections.Counter())
        key = "word" if with_word else "alone"
        r["n_" + key] += 1
        if typ is None:
            r[key + "_alarm"] += bool(mid)
            if mid and shown[name] < show:
                shown[name] += 1
                print(f"  alarm {name} {key} {value!r}: {mid}", file=sys.stderr)
            continue
        if not valid:
            r["invalid_" + key] += 1
            r[key + "_invalid_found"] += bool(own)
            continue
        r["valid_" + key] += 1
        r[key + "_found"] += bool(own)
        r[key + "_any"] += bool(own_any)
        r[key + "_other"] += bool(other) and not own
        if with_word and not own and shown[name] < show:
            shown[name] += 1
            print(f"  missed {name} {value!r}: {over}", file=sys.stderr)
    for (name, typ), r in rows.items():
        if typ is None:
            continue
        nv = r["valid_word"]
        inv = f" (+{r['word_invalid_found']} invalid)" if r["word_invalid_found"] else ""
        shown_type = typ.replace("|", "` or `")
        print(f"| `{name}` | `{shown_type}` | {nv}/{r['n_word']} | {r['word_found']}{inv} | {r['word_other']} |"
              f" {r['alone_found']} | {r['alone_any']} | {r['alone_other']} |")
        for k in ("valid_word", "word_found", "word_other", "alone_found", "alone_any", "alone_other",
                  "word_invalid_found", "alone_invalid_found"):
            tot[k] += r[k]
    print(f"| **claimed** | | {tot['valid_word']} | **{tot['word_found']}** | {tot['word_other']} |"
          f" {tot['alone_found']} | {tot['alone_any']} | {tot['alone_other']} |")
    print(f"\ninvalid values ({judges}) reported at medium or above: after the word"
          f" {tot['word_invalid_found']}, alone {tot['alone_invalid_found']}\n")
    print("| unclaimed method | values | alarms after the word | alarms alone |")
    print("|---|---|---|---|")
    for (name, typ), r in rows.items():
        if typ is None:
            print(f"| `{name}` | {r['n_word']} | {r['word_alarm']} | {r['alone_alarm']} |")


def options(defaults):
    """`--name N` options (ints) and `--only TEXT` from the command line."""
    args = sys.argv[1:]
    out = {k: int(args[args.index("--" + k) + 1]) if "--" + k in args else v for k, v in defaults.items()}
    out["only"] = args[args.index("--only") + 1] if "--only" in args else ""
    return out


def run_eval(docs):
    """Scan {name: text} with the `eval` example; the findings by name."""
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "docs"))
        for name, text in docs.items():
            with open(os.path.join(d, "docs", name), "w", encoding="utf-8") as f:
                f.write(text)
        pred = os.path.join(d, "pred.jsonl")
        if os.environ.get("EVAL_BIN"):
            subprocess.run([os.environ["EVAL_BIN"], d, pred], check=True)
        else:
            subprocess.run(["cargo", "run", "--release", "-q", "-p", "cordon-detect", "--example", "eval",
                            "--manifest-path", os.path.join(ROOT, "Cargo.toml"), "--", d, pred], check=True)
        return {os.path.basename(r["doc"]): r["findings"] for r in map(json.loads, open(pred))}


def examples():
    """Each detector's example text, from docs/detectors.md's table."""
    out = {}
    for line in open(os.path.join(ROOT, "docs", "detectors.md"), encoding="utf-8"):
        m = re.match(r"\| `([a-z0-9_]+)` \| [A-Z]+ \| [^|]* \| (?:yes|no) \| `(.*)` \|\s*$", line)
        if m:
            out.setdefault(m.group(1), m.group(2))
    return out


def keyword_probe(lists, mapping, label, show, join=lambda kw: f"{kw}: "):
    """For each list `name -> keywords` whose type `mapping[name]` names a
    detector (`a|b`: either counts; the first gives the value): write
    `join(keyword) + value`, the value being the span that detector
    reports in its own example in docs/detectors.md, and count the
    keywords after which it is reported at medium or above. A type
    reported so with no word at all is listed apart. Prints the table."""
    ex = examples()
    dets = {t.split("|")[0] for t in mapping.values()}
    found = run_eval({f"{det}.txt": ex[det] + "\n" for det in dets if det in ex})
    value = {}
    for det in dets:
        text = ex.get(det, "").encode()
        spans = [x for x in found.get(f"{det}.txt", []) if x["type"] == det]
        if spans:
            value[det] = text[spans[0]["start"]:spans[0]["end"]].decode()
    docs, cases = {}, []
    for name, kws in sorted(lists.items()):
        typ = mapping.get(name)
        det = typ.split("|")[0] if typ else None
        if det not in value:
            continue
        docs[f"{name}.alone.txt"] = value[det] + "\n"
        for i, kw in enumerate(dict.fromkeys(kws)):
            doc = f"{name}.{i}.txt"
            head = join(kw)
            docs[doc] = head + value[det] + "\n"
            cases.append((name, typ, kw, doc, len(head.encode())))
    found = run_eval(docs)

    def hit(doc, typ, start):
        return any(x["type"] in typ.split("|") and CONF[x["confidence"]] >= 1 and x["start"] <= start < x["end"]
                   for x in found.get(doc, []))

    rows = {}
    for name, typ, kw, doc, start in cases:
        r = rows.setdefault(name, {"typ": typ, "n": 0, "found": 0, "missed": []})
        r["n"] += 1
        if hit(doc, typ, start):
            r["found"] += 1
        else:
            r["missed"].append(kw)
    print(f"| {label} | Cordon detector | value | keywords | found after the keyword |")
    print("|---|---|---|---|---|")
    tot = [0, 0]
    alone = []
    for name, r in rows.items():
        if hit(f"{name}.alone.txt", r["typ"], 0):
            alone.append(name)
            continue
        tot[0] += r["n"]
        tot[1] += r["found"]
        det = r["typ"].split("|")[0]
        shown_type = r["typ"].replace("|", "` or `")
        print(f"| {name} | `{shown_type}` | `{value[det]}` | {r['n']} | {r['found']} |")
        if show and r["missed"]:
            print(f"  missed {name}: {r['missed'][:show]}", file=sys.stderr)
    print(f"| **all** | | | {tot[0]} | **{tot[1]}** |")
    print(f"\nfound without a word (every keyword counts as found): {len(alone)}: {', '.join(alone)}")
    unmapped = sorted(n for n, kws in lists.items() if kws and n not in mapping)
    if unmapped:
        print(f"\nlists with no Cordon detector: {', '.join(unmapped)}")
