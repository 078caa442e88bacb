#!/usr/bin/env python3
"""Check an eval-c corpus: every label must cover a valid value of its type.

Usage: selfcheck.py OUT_DIR

Re-reads OUT_DIR/sample/labels.jsonl and the documents and checks, for each
label: the bytes decode, the span does not cut a token in half, and the value
passes the validator of its type. It also scans the unlabelled text for strong
look-alikes that would be *valid* (Luhn card with a real IIN, IBAN with good
check digits, AWS key id, GitHub token, PEM private key, dashed SSN, 10-digit
NPI/NHS, IPv4, IPv6, e-mail) — those would be missing labels.

Prints "ok N labels" or lists the problems and exits 1. These validators are
written independently of gen.py on purpose.
"""
import base64
import binascii
import ipaddress
import json
import os
import re
import sys

TYPES = {"credit_card", "email", "us_ssn", "iban", "ipv4", "ipv6", "phone", "aws_access_key",
         "github_token", "private_key", "uk_nhs", "us_npi"}

IBAN_LEN = {"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
            "BR": 29, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20,
            "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
            "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30,
            "KZ": 20, "LB": 28, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22,
            "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29,
            "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
            "TN": 24, "TR": 26, "UA": 29, "VG": 24, "XK": 20}


# ---------------------------------------------------------------- check digits

def luhn(d):
    s = 0
    for i, c in enumerate(d[::-1]):
        v = int(c) * (2 if i % 2 else 1)
        s += v - 9 if v > 9 else v
    return s % 10 == 0


def nhs_valid(d):
    if len(d) != 10 or not d.isdigit():
        return False
    r = 11 - sum(int(c) * w for c, w in zip(d, range(10, 1, -1))) % 11
    r = 0 if r == 11 else r
    return r != 10 and r == int(d[9])


def npi_valid(d):
    return len(d) == 10 and d.isdigit() and d[0] in "12" and luhn("80840" + d)


def iban_valid(s):
    s = s.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]+", s) or IBAN_LEN.get(s[:2]) != len(s):
        return False
    return int("".join(str(int(c, 36)) for c in s[4:] + s[:4])) % 97 == 1


def card_iin_ok(d):
    n = len(d)
    if d[0] == "4":
        return n in (13, 16, 19)
    if n == 16 and (51 <= int(d[:2]) <= 55 or 2221 <= int(d[:4]) <= 2720):
        return True
    if n == 15 and d[:2] in ("34", "37"):
        return True
    if n in (16, 19) and (d.startswith("6011") or d.startswith("65") or 644 <= int(d[:3]) <= 649):
        return True
    if n in (16, 19) and 3528 <= int(d[:4]) <= 3589:
        return True
    return n == 14 and (d[:2] in ("36", "38", "39") or 300 <= int(d[:3]) <= 305)


B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def gh_checksum_ok(tok):
    body, chk = tok[4:-6], tok[-6:]
    n = 0
    for c in chk:
        n = n * 62 + B62.index(c)
    return n == binascii.crc32(body.encode())


# ---------------------------------------------------------------- validators (text -> error or None)

def v_card(t):
    m = re.fullmatch(r"\d+(?:([ -])\d+)*", t)
    if not m:
        return "bad characters"
    if len(set(re.findall(r"[ -]", t))) > 1:
        return "mixed separators"
    d = re.sub(r"\D", "", t)
    if not 13 <= len(d) <= 19:
        return f"{len(d)} digits"
    if not luhn(d):
        return "Luhn fails"
    if not card_iin_ok(d):
        return "unknown IIN/length"


def v_email(t):
    if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9._%+-]*[A-Za-z0-9_])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}", t):
        return "not an address"
    if ".." in t:
        return "double dot"


def v_ssn(t):
    m = re.fullmatch(r"(\d{3})([- ]?)(\d{2})\2(\d{4})", t)
    if not m:
        return "shape"
    a, g, s = m.group(1), m.group(3), m.group(4)
    if a in ("000", "666") or a[0] == "9" or g == "00" or s == "0000":
        return "invalid area/group/serial"


def v_iban(t):
    if not re.fullmatch(r"[A-Za-z]{2} ?\d{2}(?: ?[A-Za-z0-9])+", t):
        return "shape"
    if not iban_valid(t):
        return "length or mod-97"


def v_ipv4(t):
    parts = t.split(".")
    if len(parts) != 4 or not all(p.isdigit() and len(p) <= 3 and str(int(p)) == p and int(p) <= 255 for p in parts):
        return "not a dotted quad"


def v_ipv6(t):
    if ":" not in t:
        return "no colon"
    try:
        ipaddress.IPv6Address(t)
    except ValueError as e:
        return str(e)


def v_phone(t):
    if not re.fullmatch(r"\+?[\d()][\d ().-]*\d", t):
        return "bad characters"
    d = re.sub(r"\D", "", t)
    if t.count("(") != t.count(")"):
        return "unbalanced parentheses"
    if t.startswith("+"):
        if not 8 <= len(d) <= 15:
            return f"{len(d)} digits in E.164 form"
        if d[0] == "1" and (len(d) != 11 or d[1] in "01" or d[4] in "01"):
            return "bad NANP number"
        return None
    if len(d) == 11 and d[0] == "1":
        d = d[1:]
    if len(d) == 10 and d[0] in "23456789" and d[3] in "23456789" and not t.startswith("0"):
        if d[3:6] == "555":
            return "555 exchange"
        return None
    if t.startswith("0") and 9 <= len(d) <= 11:
        return None
    return "not a recognised national/international number"


def v_aws(t):
    if not re.fullmatch(r"(AKIA|ASIA)[A-Z2-7]{16}", t):
        return "shape"
    if t.endswith("EXAMPLE"):
        return "documentation example"


def v_github(t):
    if re.fullmatch(r"gh[pousr]_[A-Za-z0-9]{36}", t):
        return None if gh_checksum_ok(t) else "checksum"
    if re.fullmatch(r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}", t):
        return None
    return "shape"


def v_private_key(t):
    if "\n" not in t and "\\n" in t:
        lines = t.split("\\n")
    else:
        lines = t.split("\n")
    lines = [ln.strip() for ln in lines]
    m = re.fullmatch(r"-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY)-----", lines[0])
    if not m:
        return "no BEGIN line"
    if lines[-1] != f"-----END {m.group(1)}-----":
        return "END line missing or mismatched"
    body = lines[1:-1]
    encrypted = False
    while body and ":" in body[0]:
        encrypted = True
        body = body[1:]
    if encrypted:
        if not body or body[0] != "":
            return "no blank line after headers"
        body = body[1:]
    if not body or any(not re.fullmatch(r"[A-Za-z0-9+/=]+", ln) for ln in body):
        return "body not base64"
    widths = {len(ln) for ln in body[:-1]}
    if len(widths) > 1 or (widths and len(body[-1]) > widths.pop()):
        return "ragged line width"
    try:
        raw = base64.b64decode("".join(body), validate=True)
    except binascii.Error:
        return "base64 does not decode"
    if m.group(1).startswith("OPENSSH"):
        return None if raw.startswith(b"openssh-key-v1\0") else "no openssh magic"
    if not encrypted and raw[:1] != b"\x30":
        return "not DER"


def v_nhs(t):
    m = re.fullmatch(r"(\d{3})([ -]?)(\d{3})\2(\d{4})", t)
    if not m:
        return "shape"
    if not nhs_valid(m.group(1) + m.group(3) + m.group(4)):
        return "mod-11 fails"


def v_npi(t):
    if not re.fullmatch(r"\d{10}", t):
        return "shape"
    if not npi_valid(t):
        return "prefix or Luhn (80840) fails"


VALIDATORS = {"credit_card": v_card, "email": v_email, "us_ssn": v_ssn, "iban": v_iban, "ipv4": v_ipv4,
              "ipv6": v_ipv6, "phone": v_phone, "aws_access_key": v_aws, "github_token": v_github,
              "private_key": v_private_key, "uk_nhs": v_nhs, "us_npi": v_npi}

# characters that would continue the token if they stood right before / after the span
GLUE = {"credit_card": r"\d", "us_ssn": r"\d", "uk_nhs": r"\d", "us_npi": r"\w", "iban": r"[A-Za-z0-9]",
        "ipv4": r"[\d.]", "ipv6": r"[0-9A-Fa-f:]", "phone": r"\d", "aws_access_key": r"[A-Za-z0-9]",
        "github_token": r"[A-Za-z0-9_]", "email": r"[A-Za-z0-9._%+-]", "private_key": r"-"}


def boundary_error(typ, text, s, e):
    before, after = text[s - 1:s] if s else "", text[e:e + 1]
    glue = GLUE[typ]
    if before and re.match(glue, before):
        return f"glued to previous char {before!r}"
    if after and re.match(glue, after):
        if typ in ("email", "ipv4") and after == "." and not re.match(r"[A-Za-z0-9]", text[e + 1:e + 2]):
            return None  # sentence full stop
        return f"glued to next char {after!r}"


# ---------------------------------------------------------------- unlabelled look-alikes that are valid

def leak_candidates(text):
    """Yield (type, start, end) of strong, valid-looking values in text (str offsets)."""
    for m in re.finditer(r"(?<![\w-])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{4}|\d{4}([ -])\d{6}\2\d{4,5})(?!\w|[ -]\d)", text):
        d = re.sub(r"\D", "", m.group())
        if luhn(d) and card_iin_ok(d):
            yield "credit_card", m.start(), m.end()
    for m in re.finditer(r"(?<![A-Za-z0-9])[A-Za-z]{2} ?\d{2}(?: ?[A-Za-z0-9]{1,4}){3,8}", text):
        s = m.group()
        for cut in range(len(s), 14, -1):  # longest prefix that is a valid IBAN
            if iban_valid(s[:cut]) and not re.match(r"[A-Za-z0-9]", s[cut:cut + 1]):
                yield "iban", m.start(), m.start() + cut
                break
    for m in re.finditer(r"(?:AKIA|ASIA)[A-Z2-7]{16}", text):
        if not m.group().endswith("EXAMPLE"):
            yield "aws_access_key", m.start(), m.end()
    for m in re.finditer(r"gh[pousr]_[A-Za-z0-9]{36}|github_pat_\w{82}", text):
        if len(set(m.group()[4:])) > 1:
            yield "github_token", m.start(), m.end()
    for m in re.finditer(r"-----BEGIN [A-Z ]*PRIVATE KEY-----", text):
        yield "private_key", m.start(), m.end()
    for m in re.finditer(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])", text):
        if not v_ssn(m.group()):
            yield "us_ssn", m.start(), m.end()
    for m in re.finditer(r"(?<![\w-])\d{3}([ -]?)\d{3}\1\d{4}(?![\w-])", text):
        d = re.sub(r"\D", "", m.group())
        if nhs_valid(d):
            yield "uk_nhs", m.start(), m.end()
        if npi_valid(d):
            yield "us_npi", m.start(), m.end()
    for m in re.finditer(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d]|\.\d)", text):
        if not v_ipv4(m.group()):
            yield "ipv4", m.start(), m.end()
    for m in re.finditer(r"(?<![\w:.])[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*(?![\w:])", text):
        tok = m.group().rstrip(".")
        if tok.count(":") >= 2:
            try:
                ipaddress.IPv6Address(tok)
                yield "ipv6", m.start(), m.start() + len(tok)
            except ValueError:
                pass
    iban_runs = [m.span() for m in re.finditer(r"[A-Za-z]{2}\d{2}(?: [A-Za-z0-9]{4})+(?: [A-Za-z0-9]{1,4})?", text)]
    for m in re.finditer(r"(?<![\w+-])(?:\+\d{1,3}[ -]?(?:\(0\))?\(?\d{1,4}\)?(?:[ .-]?\d{2,5}){1,4}|\(\d{3}\) ?\d{3}-\d{4}"
                         r"|\d{3}([-.])\d{3}\1\d{4}|0\d{2,4} \d{3,4} ?\d{3,4})(?![\w-])", text):
        if not v_phone(m.group()) and not any(s < m.end() and m.start() < e for s, e in iban_runs):
            yield "phone", m.start(), m.end()
    for m in re.finditer(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", text):
        yield "email", m.start(), m.end()


# ---------------------------------------------------------------- main

def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = os.path.join(sys.argv[1], "sample")
    problems, n_labels, n_docs = [], 0, 0
    for line in open(os.path.join(root, "labels.jsonl"), encoding="utf-8"):
        rec = json.loads(line)
        n_docs += 1
        raw = open(os.path.join(root, rec["doc"]), "rb").read()
        text = raw.decode("utf-8")
        if not 300 <= len(raw) <= 6144:
            problems.append(f"{rec['doc']}: size {len(raw)} B out of 300..6144")
        spans = sorted((e["start"], e["end"], e["type"]) for e in rec["entities"])
        for (s1, e1, _), (s2, _, _) in zip(spans, spans[1:]):
            if s2 < e1:
                problems.append(f"{rec['doc']}: overlapping labels at {s1} and {s2}")
        covered = []
        for s, e, typ in spans:
            n_labels += 1
            where = f"{rec['doc']} {typ} [{s},{e})"
            if typ not in TYPES:
                problems.append(f"{where}: unknown type")
                continue
            if not 0 <= s < e <= len(raw):
                problems.append(f"{where}: out of bounds")
                continue
            try:
                val = raw[s:e].decode("utf-8")
                cs = len(raw[:s].decode("utf-8"))
            except UnicodeDecodeError:
                problems.append(f"{where}: span splits a UTF-8 character")
                continue
            ce = cs + len(val)
            covered.append((cs, ce))
            err = VALIDATORS[typ](val) or boundary_error(typ, text, cs, ce)
            if err:
                problems.append(f"{where} {val[:90]!r}: {err}")
        for typ, s, e in leak_candidates(text):
            if not any(cs < e and s < ce for cs, ce in covered):
                problems.append(f"{rec['doc']}: unlabelled valid-looking {typ} {text[s:e][:80]!r}")
    if problems:
        print("\n".join(problems))
        print(f"{len(problems)} problem(s) in {n_docs} docs / {n_labels} labels")
        sys.exit(1)
    print(f"ok {n_labels} labels")


if __name__ == "__main__":
    main()
