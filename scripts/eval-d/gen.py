#!/usr/bin/env python3
"""eval-d: labelled DLP test corpus with European-language prose, markup in
.txt files, credentials in code, tight punctuation and hard negatives.

    gen.py OUT_DIR [--n N] [--seed S]

writes OUT_DIR/sample/docs/NNNNN.txt and OUT_DIR/sample/labels.jsonl
({"doc": "docs/00001.txt", "entities": [{"type", "start", "end"}]}, UTF-8
byte offsets, end exclusive).  Same seed, same corpus."""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import kinds_code as kc  # noqa: E402
import kinds_markup as km  # noqa: E402
import kinds_prose as kp  # noqa: E402
import selfcheck  # noqa: E402
from common import Doc, pick, weighted  # noqa: E402
from langdata import LANGS  # noqa: E402

# (name, function, language choice, weight)
#   "eu"   -> one of the eight European languages
#   "any"  -> European language or English (UK/US)
#   None   -> the kind decides itself
KINDS = [
    # European-language prose (~40 %)
    ("invoice", kp.invoice, "eu", 7),
    ("dunning", kp.dunning, "eu", 6),
    ("hr_letter", kp.hr_letter, "eu", 6),
    ("patient_letter", kp.patient_letter, "eu", 6),
    ("support_thread", kp.support_thread, "eu", 6),
    ("memo", kp.memo, "eu", 4),
    ("it_note", kp.it_note, "eu", 4),
    ("key_handover", kp.key_handover, "eu", 2.5),
    # English prose, logs, exports (~22 %)
    ("us_hr", kp.us_hr, None, 3),
    ("us_tax_csv", kp.us_tax_csv, None, 2.5),
    ("uk_patient", kp.uk_patient, None, 3),
    ("uk_clinic_list", kp.uk_clinic_list, None, 2.5),
    ("us_npi", kp.us_npi, None, 2.5),
    ("logs", kp.logs, None, 3),
    ("en_letter", None, "en", 3),
    ("csv_export", kp.csv_export, None, 2),
    ("chat", kp.chat, None, 2),
    # markup (~22 %)
    ("html_newsletter", km.html_newsletter, "any", 3),
    ("html_order", km.html_order, "any", 3),
    ("html_invoice", km.html_invoice, "any", 3),
    ("html_mail", km.html_mail, "any", 3),
    ("xml_customers", km.xml_customers, None, 3),
    ("xml_fhir", km.xml_fhir, None, 2),
    ("md_readme", km.md_readme, None, 2),
    ("md_contacts", km.md_contacts, "any", 2),
    ("md_runbook", km.md_runbook, None, 1),
    # code and config (~16 %)
    ("py", kc.code_python, None, 2),
    ("js", kc.code_js, None, 2),
    ("go", kc.code_go, None, 1.5),
    ("java", kc.code_java, None, 1.5),
    ("terraform", kc.code_terraform, None, 2),
    ("dockerfile", kc.code_dockerfile, None, 1.5),
    ("gha", kc.code_gha, None, 1.5),
    ("shell", kc.code_shell, None, 1.5),
    ("env", kc.code_env, None, 1),
    ("json", kc.code_json, None, 1),
    ("k8s", kc.code_k8s, None, 1),
]

EN_LETTERS = [kp.invoice, kp.dunning, kp.support_thread, kp.memo, kp.it_note, kp.key_handover]


def make_doc(kind):
    name, fn, langsel, _ = kind
    d = Doc()
    if langsel == "eu":
        lang = pick(LANGS)
        fn(d, lang)
    elif langsel == "any":
        lang = weighted([(l, 1) for l in LANGS] + [("en", 3)])
        fn(d, lang, pick(["uk", "us"]) if lang == "en" else None)
    elif langsel == "en":
        lang = "en"
        pick(EN_LETTERS)(d, "en", pick(["uk", "us"]))
    else:
        lang = "mixed" if name in ("xml_customers", "csv_export") else "en"
        fn(d)
    return d, lang


def generate(n, seed):
    common.R.seed(seed)
    out = []
    for i in range(n):
        kind = weighted([(k, k[3]) for k in KINDS])
        for attempt in range(200):
            d, lang = make_doc(kind)
            data = d.data()
            problems = selfcheck.check_doc(data, d.entities)
            hard = [p for p in problems if not p.startswith(("stray", "ambiguous"))]
            if hard:  # a construction bug: never paper over it by retrying
                raise SystemExit(f"doc {i} ({kind[0]}): " + "; ".join(hard[:5]))
            if not problems:
                break
        else:
            raise SystemExit(f"doc {i} ({kind[0]}): no clean draft after 200 tries: {problems[:3]}")
        out.append((kind[0], lang, data, d.entities))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kinds", action="store_true", help="also write sample/kinds.jsonl (doc -> kind)")
    a = ap.parse_args()
    docs_dir = os.path.join(a.out_dir, "sample", "docs")
    os.makedirs(docs_dir, exist_ok=True)
    for f in os.listdir(docs_dir):
        if f.endswith(".txt"):
            os.remove(os.path.join(docs_dir, f))
    docs = generate(a.n, a.seed)
    with open(os.path.join(a.out_dir, "sample", "labels.jsonl"), "w", encoding="utf-8") as lab:
        kinds = []
        for i, (kind, lang, data, ents) in enumerate(docs):
            rel = f"docs/{i:05d}.txt"
            with open(os.path.join(a.out_dir, "sample", rel), "wb") as f:
                f.write(data)
            lab.write(json.dumps({"doc": rel, "entities": ents}, ensure_ascii=False) + "\n")
            kinds.append({"doc": rel, "kind": kind, "lang": lang})
    if a.kinds:
        with open(os.path.join(a.out_dir, "sample", "kinds.jsonl"), "w", encoding="utf-8") as f:
            for k in kinds:
                f.write(json.dumps(k) + "\n")
    print(f"wrote {len(docs)} docs, {sum(len(d[3]) for d in docs)} labels to {a.out_dir}/sample")


if __name__ == "__main__":
    main()
