#!/usr/bin/env python3
"""eval-f: labelled test corpus for the DLP scanner, biased towards
structured records, Unicode surroundings, dense multi-value lines, realistic
business/ops documents and plenty of hard negatives.

    scripts/eval-f/gen.py OUT_DIR [--n 300] [--seed 1]

Writes OUT_DIR/sample/docs/NNNNN.txt and OUT_DIR/sample/labels.jsonl
({"doc", "entities": [{"type", "start", "end"}]}, UTF-8 byte offsets, end
exclusive).  Same seed, same bytes: every document has its own
random.Random seeded from (seed, index), so documents do not depend on
each other.
"""
import argparse
import collections
import json
import pathlib
import random
import sys

sys.dont_write_bytecode = True      # keep scripts/eval-f free of __pycache__
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import fake as F                     # noqa: E402
import kit as K                      # noqa: E402
import kinds_ops as O                # noqa: E402
import kinds_prose as P              # noqa: E402
import kinds_records as R            # noqa: E402
from doc import Doc                  # noqa: E402
from selfcheck import sweep          # noqa: E402

MIN_BYTES, MAX_BYTES = 200, 8000

# (generator, weight).  The last group writes no labels at all; its weight
# is set so that about 15% of documents are label-free.
KINDS = [
    # structured records
    (R.json_customers, 9), (R.yaml_people, 5), (R.xml_claims, 4), (R.xml_referrals, 4),
    (R.provider_table, 4), (R.payee_table, 3), (R.host_table, 3), (R.html_contacts, 3),
    (R.csv_export, 8), (R.headerless_rows, 4), (R.dense_lines, 6),
    # people writing
    (P.support_chat, 6), (P.email_thread, 6), (P.hr_onboarding, 4), (P.referral_uk, 5),
    (P.referral_us, 5), (P.dispute_letter, 4), (P.intl_note, 4),
    # machines and configs
    (O.web_log, 5), (O.firewall_log, 4), (O.cdn_log, 3), (O.dotenv, 5), (O.docker_compose, 3),
    (O.tfvars, 3), (O.k8s_secret, 5), (O.aws_files, 6), (O.git_credentials, 5),
    (O.service_account, 5), (O.key_paste, 9), (O.ci_vars, 5), (O.tls_bundle, 5),
    # no labels
    (P.receipt, 8), (P.release_notes, 7), (O.cert_bundle, 6), (O.build_log, 7),
]
LABEL_FREE = {P.receipt, P.release_notes, O.cert_bundle, O.build_log}


def decorate(rng, d, kind):
    """Sometimes put a short human preface or trailing notes with hard
    negatives around a document, as exports pasted into tickets usually are."""
    if kind in LABEL_FREE or rng.random() > 0.35:
        return d
    out = Doc()
    if rng.random() < 0.5:
        out(rng.choice(["Pasted below as requested.", "FYI — found this on the shared drive.",
                        "Attachment contents (converted to text):", "See inline."]) + "\n\n")
    out(*d.pieces)
    if rng.random() < 0.7:
        out("\n-- notes --\n")
        K.neg_line(rng, out, rng.randint(1, 4))
    return out


def pad(rng, d):
    """Grow a too-short document with label-free filler."""
    while d.size() < MIN_BYTES:
        d("\n" + F.fill(rng, rng.choice(list(F.FILL)), 2) + "\n")
        K.neg_line(rng, d, 1)
    return d


def make_doc(seed, index, stats):
    rng = random.Random(f"eval-f/{seed}/{index}")
    gens, weights = zip(*KINDS)
    for _ in range(200):
        kind = rng.choices(gens, weights)[0]
        d = pad(rng, decorate(rng, kind(rng), kind))
        data, labels = d.build()
        if len(data) > MAX_BYTES:
            stats["redrawn: too large"] += 1
            continue
        text = data.decode("utf-8")
        spans = [(len(data[:e["start"]].decode()), len(data[:e["end"]].decode())) for e in labels]
        if sweep(text, spans):
            # a random filler value happened to be valid for some type
            stats["redrawn: accidental valid value"] += 1
            continue
        stats[kind.__name__] += 1
        return data, labels
    raise RuntimeError(f"document {index}: no acceptable draw")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    root = pathlib.Path(a.out) / "sample"
    (root / "docs").mkdir(parents=True, exist_ok=True)
    stats, counts, empty = collections.Counter(), collections.Counter(), 0
    with open(root / "labels.jsonl", "w", encoding="utf-8") as lf:
        for i in range(1, a.n + 1):
            data, labels = make_doc(a.seed, i, stats)
            name = f"docs/{i:05d}.txt"
            (root / name).write_bytes(data)
            lf.write(json.dumps({"doc": name, "entities": labels}) + "\n")
            counts.update(e["type"] for e in labels)
            empty += not labels
    print(f"{a.n} documents ({empty} without labels), {sum(counts.values())} labels")
    for t, c in sorted(counts.items()):
        print(f"  {t:16} {c}")
    for k, c in sorted(stats.items()):
        if k.startswith("redrawn"):
            print(f"  ({k}: {c})")


if __name__ == "__main__":
    main()
