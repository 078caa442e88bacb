#!/usr/bin/env python3
"""Summarise an eval-d corpus: stats.py OUT_DIR

Counts labels per type, guesses the context of each label (a label word just
before it / running prose / bare) with a rough heuristic, and counts values
at the very start or end of a file.  Reads kinds.jsonl when gen.py was run
with --kinds."""
import collections
import json
import os
import re
import sys

LABEL_WORDS = re.compile(
    r"(tel|phone|fon|handy|mobil|mobile|cell|fax|ruf|téléphone|portable|teléfono|móvil|tlf|tfno|telefoon|"
    r"telefono|cellulare|telefone|telemóvel|tlm|telefon|kom|komórka|nr tel|e-?mail|mail|courriel|correo|"
    r"e-?post|mejl|poczta|pec|iban|rekening|konto|rachunek|account|card|karte|carte|tarjeta|kaart|carta|"
    r"cartão|karta|kort|ssn|social security|nhs|npi|ip|ipv6|address|adresse|dirección|indirizzo|endereço|"
    r"adres|access_key|access-key|accesskeyid|key_id|token|auth|private_key|key|ssh_key|id_rsa|owner|"
    r"maintainer|host|from|to|von|an|de|para|da|od|do|till|från|van|aan|contacto|contact|dns|rdp|ssh|web|"
    r"number|nummer|numéro|número|numero|numer|nº|n°|n\.º|client_email|admins|allowedips|user|value|"
    r"pan|number|cardnumber|iban|phone|email|lastlogin|hotline|notfall|on-call|security)"
    r"[^\n]{0,6}$", re.I)


def context(text, s):
    line_start = text.rfind("\n", 0, s) + 1
    before = text[line_start:s]
    tail = re.sub(r"[\s\"'`(\[<>«„“”‘:=|\-–•*{,;]+$", "", before)[-40:]
    tail = re.sub(r"&nbsp;|&lt;|<[^>]*>|\*\*", " ", tail).rstrip(" \t\"'`(\[<>«„“:=|-–•*")
    if re.search(r"[A-Za-zÀ-ÿ]{2,}", tail) and LABEL_WORDS.search(tail):
        return "label"
    words = re.findall(r"[A-Za-zÀ-ÿĀ-ž]{2,}", before)
    if len(words) >= 3:
        return "sentence"
    return "bare"


def main():
    root = os.path.join(sys.argv[1], "sample")
    rows = [json.loads(l) for l in open(os.path.join(root, "labels.jsonl"), encoding="utf-8")]
    kinds, langs = {}, collections.Counter()
    kp = os.path.join(root, "kinds.jsonl")
    if os.path.exists(kp):
        for line in open(kp):
            k = json.loads(line)
            kinds[k["doc"]] = k["kind"]
            langs[k.get("lang", "?")] += 1
    per_type, ctx, edges = collections.Counter(), collections.Counter(), collections.Counter()
    per_kind = collections.Counter()
    for r in rows:
        data = open(os.path.join(root, r["doc"]), "rb").read()
        per_kind[kinds.get(r["doc"], "?")] += 1
        for e in r["entities"]:
            per_type[e["type"]] += 1
            text = data[:e["start"]].decode("utf-8")
            ctx[context(text + "\0", len(text))] += 1
            if e["start"] == 0:
                edges["value at byte 0"] += 1
            if e["end"] == len(data):
                edges["value at end of file"] += 1
    print(f"{len(rows)} docs, {sum(per_type.values())} labels")
    for t, n in sorted(per_type.items(), key=lambda x: -x[1]):
        print(f"  {t:16} {n}")
    tot = sum(ctx.values())
    print("context (heuristic): " + ", ".join(f"{k} {v} ({100 * v / tot:.0f}%)" for k, v in ctx.most_common()))
    print("edges: " + ", ".join(f"{k} {v}" for k, v in edges.items()))
    if kinds:
        print("kinds: " + ", ".join(f"{k} {v}" for k, v in sorted(per_kind.items())))
        print("languages: " + ", ".join(f"{k} {v}" for k, v in langs.most_common()))


if __name__ == "__main__":
    main()
