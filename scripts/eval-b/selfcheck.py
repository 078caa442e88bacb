#!/usr/bin/env python3
"""Re-validate every gold span straight from the written files."""
import json, os, sys, re, ipaddress
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import values as V
out = sys.argv[1]
bad = 0
for l in open(f"{out}/sample/labels.jsonl"):
    d = json.loads(l)
    raw = open(f"{out}/sample/{d['doc']}", "rb").read()
    for e in d["entities"]:
        s = raw[e["start"]:e["end"]].decode()
        t = e["type"]; dg = V.digits_only(s); ok = True
        if t == "credit_card": ok = V.luhn_ok(dg) and 13 <= len(dg) <= 19
        elif t == "us_ssn": ok = len(dg) == 9 and V.ssn_ok(dg)
        elif t == "iban": ok = V.iban_ok(s)
        elif t == "ipv4": ipaddress.IPv4Address(s)
        elif t == "ipv6": ipaddress.IPv6Address(s)
        elif t == "uk_nhs": ok = V.nhs_ok(dg)
        elif t == "us_npi": ok = V.npi_ok(dg)
        elif t == "github_token": ok = s.startswith("github_pat_") or V.gh_ok(s)
        elif t == "aws_access_key": ok = re.fullmatch(r"A(KIA|SIA)[A-Z2-7]{16}", s) is not None
        elif t == "email": ok = re.fullmatch(r"[^@\s]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", s) is not None
        elif t == "private_key": ok = s.startswith("-----BEGIN") and s.endswith("-----")
        elif t == "phone": ok = 7 <= len(dg) <= 15
        if not ok:
            bad += 1; print("BAD", d["doc"], t, repr(s))
        if s != s.strip(): print("WS", d["doc"], t, repr(s))
print("bad", bad)
