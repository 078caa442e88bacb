#!/usr/bin/env python3
"""Re-validate a generated corpus with code independent of gen.py/values.py.

    python3 selfcheck.py OUT_DIR

Checks every labelled span (inside the file, on character boundaries, no
overlap, no surrounding whitespace, not cut out of a longer token, and a
valid value of its type: Luhn, mod 11, mod 97, ipaddress, CRC32, ...), then
scans the unlabelled rest of each document for checksum-valid values of any
non-phone type. Prints "ok N labels" or the problems (exit 1).
"""
import collections
import ipaddress
import json
import os
import re
import sys
import zlib

TYPES = {"credit_card", "email", "us_ssn", "iban", "ipv4", "ipv6", "phone", "aws_access_key", "github_token",
         "private_key", "uk_nhs", "us_npi"}

# ISO 13616 registry lengths (subset: every country the corpus may use and a few more)
IBAN_LEN = dict(AD=24, AE=23, AT=20, BE=16, BG=22, BH=22, BR=29, CH=21, CY=28, CZ=24, DE=22, DK=18, EE=20, ES=24,
                FI=18, FR=27, GB=22, GR=27, HR=21, HU=28, IE=22, IL=23, IS=26, IT=27, JO=30, KW=30, LB=28, LI=21,
                LT=20, LU=20, LV=21, MT=31, NL=18, NO=15, PK=24, PL=28, PT=25, QA=29, RO=24, SA=24, SE=24, SI=19,
                SK=24, TR=26, UA=29)
ALNUM62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def luhn(num):
    s, alt = 0, False
    for ch in num[::-1]:
        v = ord(ch) - 48
        if alt:
            v = v * 2 - 9 if v > 4 else v * 2
        s += v
        alt = not alt
    return s % 10 == 0


def issuer_ok(num):
    n, p2, p3, p4 = len(num), int(num[:2]), int(num[:3]), int(num[:4])
    return ((num[0] == "4" and n in (13, 16, 19)) or (51 <= p2 <= 55 and n == 16) or (2221 <= p4 <= 2720 and n == 16)
            or (p2 in (34, 37) and n == 15) or ((p4 == 6011 or p2 == 65 or 644 <= p3 <= 649) and n in (16, 19))
            or (3528 <= p4 <= 3589 and n in (16, 19)) or ((p2 in (36, 38) or 300 <= p3 <= 305) and n in (14, 16))
            or (p2 == 62 and 16 <= n <= 19))


def nhs_valid(num):
    if not re.fullmatch(r"\d{10}", num):
        return False
    rem = sum(int(num[i]) * (10 - i) for i in range(9)) % 11
    chk = (11 - rem) % 11
    return chk < 10 and chk == int(num[9])


def npi_valid(num):
    return bool(re.fullmatch(r"[12]\d{9}", num)) and luhn("80840" + num)


def ssn_valid(a, g, s):
    a, g, s = int(a), int(g), int(s)
    return 0 < a < 900 and a != 666 and g > 0 and s > 0


def iban_valid(s):
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]+", s) or IBAN_LEN.get(s[:2]) != len(s):
        return False
    rearranged = s[4:] + s[:4]
    n = 0
    for ch in rearranged:
        n = (n * (100 if ch.isalpha() else 10) + (ord(ch) - 55 if ch.isalpha() else int(ch))) % 97
    return n == 1


def gh_classic_valid(tok):
    body, chk = tok[4:34], tok[34:]
    n = 0
    for ch in chk:
        n = n * 62 + ALNUM62.index(ch)
    return n == zlib.crc32(body.encode())


def check_value(t, v):
    """Return None when v is a valid value of type t, else a reason."""
    if t == "credit_card":
        m = re.fullmatch(r"\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?|\d{4}([ -])\d{6}\2\d{4,5}", v)
        d = re.sub(r"\D", "", v)
        return None if m and luhn(d) and issuer_ok(d) else "bad card"
    if t == "email":
        m = re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9._+-]*[A-Za-z0-9])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}", v)
        return None if m and ".." not in v else "bad email"
    if t == "us_ssn":
        m = re.fullmatch(r"(\d{3})([- ])(\d{2})\2(\d{4})", v)
        if not m or not ssn_valid(m[1], m[3], m[4]) or m[1] + m[3] + m[4] in ("078051120", "219099999", "123456789"):
            return "bad ssn"
        return None
    if t == "iban":
        compact = v.replace(" ", "")
        if " " in v and v != " ".join(compact[i:i + 4] for i in range(0, len(compact), 4)):
            return "iban grouping"
        return None if iban_valid(compact) else "bad iban"
    if t == "ipv4":
        try:
            ipaddress.IPv4Address(v)
            return None
        except ValueError:
            return "bad ipv4"
    if t == "ipv6":
        try:
            ipaddress.IPv6Address(v)
            return None if ":" in v else "bad ipv6"
        except ValueError:
            return "bad ipv6"
    if t == "phone":
        d = re.sub(r"\D", "", v)
        if not re.fullmatch(r"\+?[\d(][\d ().-]*\d", v) or not 7 <= len(d) <= 15 or v.count("(") != v.count(")"):
            return "bad phone"
        return None
    if t == "aws_access_key":
        return None if re.fullmatch(r"(AKIA|ASIA)[A-Z2-7]{16}", v) and v != "AKIAIOSFODNN7EXAMPLE" else "bad aws key"
    if t == "github_token":
        if re.fullmatch(r"gh[pousr]_[A-Za-z0-9]{36}", v):
            return None if gh_classic_valid(v) else "bad github checksum"
        return None if re.fullmatch(r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}", v) else "bad github token"
    if t == "private_key":
        m = re.fullmatch(r"-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY)-----\s+([A-Za-z0-9+/=\s]+?)\s*-----END \1-----", v)
        if not m:
            return "bad pem"
        import base64
        try:
            raw = base64.b64decode(re.sub(r"\s", "", m[2]), validate=True)
        except ValueError:
            return "bad base64"
        return None if len(raw) >= 40 else "short key"
    if t == "uk_nhs":
        if not re.fullmatch(r"\d{10}|\d{3}([ -])\d{3}\1\d{4}", v):
            return "nhs layout"
        return None if nhs_valid(re.sub(r"\D", "", v)) else "bad nhs"
    if t == "us_npi":
        return None if npi_valid(v) else "bad npi"
    return "unknown type"


# characters that would mean the span was cut out of a longer token
GLUE = {
    "credit_card": r"[0-9A-Za-z]", "us_ssn": r"[0-9]", "uk_nhs": r"[0-9A-Za-z]", "us_npi": r"[0-9A-Za-z]",
    "iban": r"[0-9A-Za-z]", "ipv4": r"[0-9]", "ipv6": r"[0-9A-Fa-f:]", "phone": r"[0-9]",
    "aws_access_key": r"[0-9A-Za-z]", "github_token": r"[0-9A-Za-z_]", "email": r"[A-Za-z0-9._%+-]",
    "private_key": r"-",
}


def context_problem(t, text, s, e):
    before, after = text[s - 1:s], text[e:e + 1]
    g = GLUE[t]
    if before and re.match(g, before):
        return f"glued before {before!r}"
    if after and re.match(g, after):
        if t == "email" and after == "." and not re.match(r"[A-Za-z0-9]", text[e + 1:e + 2]):
            return None
        return f"glued after {after!r}"
    if t == "ipv4" and (text[e:e + 2][:1] == "." and text[e + 1:e + 2].isdigit() or (text[s - 2:s - 1].isdigit() and before == ".")):
        return "part of a longer dotted number"
    return None


STRAY = [
    ("credit_card", re.compile(r"(?<![0-9A-Za-z])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?|\d{4}([ -])\d{6}\2\d{4,5})(?![0-9A-Za-z])"),
     lambda v: (lambda d: luhn(d) and (issuer_ok(d) or len(d) == 16))(re.sub(r"\D", "", v))),
    ("us_ssn", re.compile(r"(?<![\d-])(?<!\d )(\d{3})([- ])(\d{2})\2(\d{4})(?!\d)(?!-\d)"),
     lambda v: ssn_valid(v[:3], v[4:6], v[7:])),
    ("uk_nhs", re.compile(r"(?<![0-9A-Za-z])(?<!\d[ -])(?:\d{10}|\d{3}([ -])\d{3}\1\d{4})(?![0-9A-Za-z])(?![ -]\d)"),
     lambda v: nhs_valid(re.sub(r"\D", "", v))),
    ("us_npi", re.compile(r"(?<![0-9A-Za-z])[12]\d{9}(?![0-9A-Za-z])"), npi_valid),
    ("ipv4", re.compile(r"(?<![\d.])(?<!\d\.)(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d)"), lambda v: check_value("ipv4", v) is None),
    ("email", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"), lambda v: True),
    ("aws_access_key", re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z2-7]{16}(?![A-Za-z0-9])"),
     lambda v: v != "AKIAIOSFODNN7EXAMPLE"),
    ("github_token", re.compile(r"gh[pousr]_[A-Za-z0-9]{36}(?![A-Za-z0-9])"), gh_classic_valid),
    ("github_token", re.compile(r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}"), lambda v: True),
    ("private_key", re.compile(r"BEGIN [A-Z ]*PRIVATE KEY"), lambda v: True),
]


def strays(text):
    found = []
    for t, rx, ok in STRAY:
        for m in rx.finditer(text):
            if ok(m.group(0)):
                found.append((t, m.group(0)))
    # IBANs: any country code + check digits followed by enough alphanumerics (spaces allowed)
    for m in re.finditer(r"(?<![0-9A-Za-z])([A-Z]{2})(\d{2})((?:[ ]?[A-Z0-9]){8,34})", text):
        n = IBAN_LEN.get(m[1])
        compact = (m[1] + m[2] + m[3].replace(" ", ""))
        if n and len(compact) >= n and iban_valid(compact[:n]):
            found.append(("iban", compact[:n]))
    # IPv6: colon-bearing hex runs that parse
    for m in re.finditer(r"(?<![0-9A-Za-z:.])[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*", text):
        v = m.group(0).rstrip(".")
        if re.search(r"[0-9A-Fa-f]", v):
            try:
                ipaddress.IPv6Address(v)
                found.append(("ipv6", v))
            except ValueError:
                pass
    return found


def main():
    out = sys.argv[1]
    base = os.path.join(out, "sample")
    problems, counts, sizes, empty = [], collections.Counter(), [], 0
    lines = [json.loads(x) for x in open(os.path.join(base, "labels.jsonl"), encoding="utf-8") if x.strip()]
    names = sorted(os.listdir(os.path.join(base, "docs")))
    if [x["doc"] for x in lines] != ["docs/" + n for n in names]:
        problems.append("labels.jsonl does not list exactly the files in docs/, in order")
    for i, rec in enumerate(lines):
        if rec["doc"] != f"docs/{i:05d}.txt":
            problems.append(f"line {i}: unexpected doc name {rec['doc']}")
        raw = open(os.path.join(base, rec["doc"]), "rb").read()
        sizes.append(len(raw))
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(f"{rec['doc']}: not UTF-8")
            continue
        ents = sorted(rec["entities"], key=lambda e: e["start"])
        if not ents:
            empty += 1
        last_end = 0
        mask = bytearray(raw)
        for e in ents:
            t, s, en = e["type"], e["start"], e["end"]
            where = f"{rec['doc']}@{s}-{en} {t}"
            if t not in TYPES:
                problems.append(f"{where}: unknown type")
                continue
            if not 0 <= s < en <= len(raw):
                problems.append(f"{where}: out of bounds")
                continue
            if s < last_end:
                problems.append(f"{where}: overlaps previous span")
            last_end = max(last_end, en)
            try:
                v = raw[s:en].decode("utf-8")
                prefix = raw[:s].decode("utf-8")
            except UnicodeDecodeError:
                problems.append(f"{where}: not on a character boundary")
                continue
            if v != v.strip():
                problems.append(f"{where}: surrounding whitespace {v!r}")
            why = check_value(t, v)
            if why:
                problems.append(f"{where}: {why}: {v[:60]!r}")
            text = raw.decode("utf-8")
            cp = context_problem(t, text, len(prefix), len(prefix) + len(v))
            if cp:
                problems.append(f"{where}: {cp} around {v[:60]!r}")
            counts[t] += 1
            mask[s:en] = b"\x01" * (en - s)
        for t, v in strays(mask.decode("utf-8")):
            problems.append(f"{rec['doc']}: unlabelled valid {t}: {v[:60]!r}")
    n_docs = len(lines)
    if sizes:
        print(f"docs {n_docs}, bytes min {min(sizes)} avg {sum(sizes) // len(sizes)} max {max(sizes)}, "
              f"no-label docs {empty} ({100 * empty / n_docs:.0f}%), labels/doc {sum(counts.values()) / n_docs:.1f}")
        print("  " + ", ".join(f"{t} {counts[t]}" for t in sorted(TYPES, key=lambda t: -counts[t])))
    if problems:
        for p in problems[:200]:
            print(p)
        print(f"{len(problems)} problems")
        sys.exit(1)
    print(f"ok {sum(counts.values())} labels")


if __name__ == "__main__":
    main()
