#!/usr/bin/env python3
"""Re-validate an eval-d corpus: selfcheck.py OUT_DIR

For every labelled span the bytes are checked against the rules of its type
(written here from the specifications, not shared with gen.py).  Spans must
not overlap, carry surrounding whitespace, or start/end inside a word.  The
unlabelled text is also scanned: a checksum-valid value of some type that no
label of that type covers is reported as "stray" (or "ambiguous" when it sits
inside a label of another type).  Phones are not scanned for strays: whether
a digit group is a phone is decided by its context.

Prints "ok N labels" or the problems (exit 1)."""
import base64
import binascii
import ipaddress
import json
import os
import re
import sys
import zlib

TYPES = {"credit_card", "email", "us_ssn", "iban", "ipv4", "ipv6", "phone", "aws_access_key",
         "github_token", "private_key", "uk_nhs", "us_npi"}

# ------------------------------------------------------------------ validators


def luhn_ok(d):
    total = 0
    for i, ch in enumerate(reversed(d)):
        x = int(ch)
        if i % 2 == 1:
            x *= 2
            if x > 9:
                x -= 9
        total += x
    return total % 10 == 0


def issuer_ok(d):
    n = len(d)
    p2, p3, p4, p6 = int(d[:2]), int(d[:3]), int(d[:4]), int(d[:6])
    if d[0] == "4":
        return n in (13, 16, 19)
    if 51 <= p2 <= 55 or 2221 <= p4 <= 2720:
        return n == 16
    if p2 in (34, 37):
        return n == 15
    if p4 == 6011 or 644 <= p3 <= 649 or p2 == 65 or 622126 <= p6 <= 622925:
        return 16 <= n <= 19
    if 3528 <= p4 <= 3589:
        return 16 <= n <= 19
    if p2 == 36 or 300 <= p3 <= 305:
        return 14 <= n <= 19
    if p2 == 62:
        return 16 <= n <= 19
    return False


CARD_SHAPE = re.compile(r"\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?|\d{4}([ -])\d{6}\2\d{4,5}")


def v_credit_card(s):
    if not CARD_SHAPE.fullmatch(s):
        return "card shape"
    d = re.sub(r"[ -]", "", s)
    if not luhn_ok(d):
        return "card Luhn"
    if not issuer_ok(d):
        return "card issuer/length"
    return None


EMAIL_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._%+-]*[A-Za-z0-9_])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}")


def v_email(s):
    if not EMAIL_RE.fullmatch(s) or ".." in s:
        return "email shape"
    return None


def v_us_ssn(s):
    m = re.fullmatch(r"(\d{3})([- ]?)(\d{2})\2(\d{4})", s)
    if not m:
        return "ssn shape"
    area, group, serial = int(m.group(1)), int(m.group(3)), int(m.group(4))
    if area == 0 or area == 666 or area >= 900:
        return "ssn area"
    if group == 0:
        return "ssn group"
    if serial == 0:
        return "ssn serial"
    return None


IBAN_LEN = {"AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22,
            "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27, "HR": 21,
            "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
            "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24,
            "SI": 19, "SK": 24, "SM": 27}


def iban_mod_ok(c):
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]+", c):
        return False
    if IBAN_LEN.get(c[:2]) != len(c):
        return False
    r = c[4:] + c[:4]
    return int("".join(str(int(ch, 36)) for ch in r)) % 97 == 1


def v_iban(s):
    if " " in s and not re.fullmatch(r"[A-Z0-9]{4}(?: [A-Z0-9]{4})*(?: [A-Z0-9]{1,3})?", s):
        return "iban grouping"
    c = s.replace(" ", "")
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]+", c):
        return "iban shape"
    if IBAN_LEN.get(c[:2]) != len(c):
        return "iban length for country"
    if not iban_mod_ok(c):
        return "iban mod 97"
    return None


def v_ipv4(s):
    try:
        ipaddress.IPv4Address(s)
    except ValueError:
        return "ipv4"
    return None


def v_ipv6(s):
    if "%" in s:
        return "ipv6 zone id"
    try:
        ipaddress.IPv6Address(s)
    except ValueError:
        return "ipv6"
    return None


def v_phone(s):
    if not re.fullmatch(r"[+(]?[0-9][0-9 ()./\u00a0-]*[0-9]", s):
        return "phone chars"
    nd = sum(c.isdigit() for c in s)
    if not 7 <= nd <= 15:
        return "phone digit count"
    if s.count("(") != s.count(")"):
        return "phone parens"
    if re.search(r"[ ./\u00a0-]{2}", s):
        return "phone double separator"
    return None


AWS_EXAMPLE = "AKIAIOSFODNN7EXAMPLE"


def v_aws_access_key(s):
    if not re.fullmatch(r"(?:AKIA|ASIA)[A-Z2-7]{16}", s):
        return "aws key shape"
    if s == AWS_EXAMPLE:
        return "aws documentation example key"
    return None


B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def b62_6(n):
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(6, "0")


def gh_classic_ok(s):
    m = re.fullmatch(r"gh[pousr]_([A-Za-z0-9]{36})", s)
    return bool(m) and b62_6(zlib.crc32(m.group(1)[:30].encode())) == m.group(1)[30:]


def v_github_token(s):
    if s.startswith("github_pat_"):
        return None if re.fullmatch(r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}", s) else "github_pat shape"
    if not re.fullmatch(r"gh[pousr]_[A-Za-z0-9]{36}", s):
        return "github token shape"
    if not gh_classic_ok(s):
        return "github token checksum"
    return None


PEM_RE = re.compile(r"-----BEGIN ((?:RSA |EC |DSA |OPENSSH )?PRIVATE KEY)-----(.*?)-----END \1-----", re.S)


def pem_body_bytes(body):
    """Decode a PEM body that may be indented or written with \\n escapes."""
    b = body.replace("\\n", "\n").replace("\\r", "")
    b = re.sub(r"\s+", "", b)
    if not b or not re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", b):
        return None
    try:
        return base64.b64decode(b, validate=True)
    except (binascii.Error, ValueError):
        return None


def v_private_key(s):
    m = PEM_RE.fullmatch(s)
    if not m:
        return "pem BEGIN/END"
    der = pem_body_bytes(m.group(2))
    if der is None or len(der) < 40:
        return "pem body not base64"
    if m.group(1) == "OPENSSH PRIVATE KEY":
        return None if der.startswith(b"openssh-key-v1\0") else "openssh magic"
    return None if der[0] == 0x30 else "DER sequence"


def nhs_ok(d):
    c = 11 - sum(int(x) * (10 - i) for i, x in enumerate(d[:9])) % 11
    if c == 11:
        c = 0
    return c != 10 and c == int(d[9])


def v_uk_nhs(s):
    m = re.fullmatch(r"(\d{3})([ -]?)(\d{3})\2(\d{4})", s)
    if not m:
        return "nhs shape"
    return None if nhs_ok(m.group(1) + m.group(3) + m.group(4)) else "nhs mod 11"


def v_us_npi(s):
    if not re.fullmatch(r"[12]\d{9}", s):
        return "npi shape"
    return None if luhn_ok("80840" + s) else "npi Luhn"


VALIDATORS = {"credit_card": v_credit_card, "email": v_email, "us_ssn": v_us_ssn, "iban": v_iban,
              "ipv4": v_ipv4, "ipv6": v_ipv6, "phone": v_phone, "aws_access_key": v_aws_access_key,
              "github_token": v_github_token, "private_key": v_private_key, "uk_nhs": v_uk_nhs,
              "us_npi": v_us_npi}

# -------------------------------------------------- candidates in running text
# (pattern, type, validator-of-the-match -> bool)

CANDIDATES = [
    (re.compile(r"[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}"), "email", lambda s: True),
    (re.compile(r"(?<![\w-])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?|\d{4}([ -])\d{6}\2\d{4,5})(?![\w-])"),
     "credit_card", lambda s: v_credit_card(s) is None),
    (re.compile(r"(?<![\w-])\d{3}([- ])\d{2}\1\d{4}(?![\w-])"), "us_ssn", lambda s: v_us_ssn(s) is None),
    (re.compile(r"(?<![\w-])\d{3}([ -]?)\d{3}\1\d{4}(?![\w-])"), "uk_nhs", lambda s: v_uk_nhs(s) is None),
    (re.compile(r"(?<![\w-])[12]\d{9}(?![\w-])"), "us_npi", lambda s: v_us_npi(s) is None),
    (re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?!\d|\.\d)"), "ipv4", lambda s: v_ipv4(s) is None),
    (re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])"), "ipv6",
     lambda s: v_ipv6(s) is None),
    (re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z2-7]{16}(?![A-Za-z0-9])"), "aws_access_key",
     lambda s: s != AWS_EXAMPLE),
    (re.compile(r"(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36}(?![A-Za-z0-9])"), "github_token", gh_classic_ok),
    (re.compile(r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}"), "github_token", lambda s: True),
    (PEM_RE, "private_key", lambda s: v_private_key(s) is None),
]

IBAN_CAND = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){8,34}")


def iban_candidates(text):
    for m in IBAN_CAND.finditer(text):
        raw = m.group(0)
        cc = raw[:2]
        L = IBAN_LEN.get(cc)
        if not L:
            continue
        compact = ""
        for i, ch in enumerate(raw):
            if ch != " ":
                compact += ch
            if len(compact) == L:
                if iban_mod_ok(compact):
                    yield m.start(), m.start() + i + 1
                break


def candidates(text):
    for rx, typ, ok in CANDIDATES:
        for m in rx.finditer(text):
            if ok(m.group(0)):
                yield typ, m.start(), m.end()
    for s, e in iban_candidates(text):
        yield "iban", s, e


# ------------------------------------------------------------------- checking

def is_word(ch):
    return ch.isalnum() or ch == "_"


def check_doc(data, entities):
    """Return a list of problem strings for one document (bytes + labels)."""
    problems = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return [f"not UTF-8: {e}"]
    # byte offset -> char offset
    b2c = {}
    pos = 0
    for ci, ch in enumerate(text):
        b2c[pos] = ci
        pos += len(ch.encode("utf-8"))
    b2c[pos] = len(text)

    spans = []
    for e in entities:
        t, s, en = e.get("type"), e.get("start"), e.get("end")
        where = f"{t} [{s},{en})"
        if t not in TYPES:
            problems.append(f"{where}: unknown type")
            continue
        if not (isinstance(s, int) and isinstance(en, int) and 0 <= s < en <= len(data)):
            problems.append(f"{where}: bad offsets")
            continue
        if s not in b2c or en not in b2c:
            problems.append(f"{where}: offset inside a UTF-8 character")
            continue
        cs, ce = b2c[s], b2c[en]
        val = text[cs:ce]
        if val != val.strip():
            problems.append(f"{where}: surrounding whitespace {val!r}")
        err = VALIDATORS[t](val)
        if err:
            problems.append(f"{where}: {err}: {val[:80]!r}")
        if t == "phone" and cs > 0 and text[cs - 1] == "+":
            problems.append(f"{where}: leading + left outside the span")
        if cs > 0 and is_word(text[cs - 1]) and is_word(text[cs]):
            problems.append(f"{where}: starts inside a word: {text[max(0, cs - 10):cs + 10]!r}")
        if ce < len(text) and is_word(text[ce]) and is_word(text[ce - 1]):
            problems.append(f"{where}: ends inside a word: {text[max(0, ce - 10):ce + 10]!r}")
        spans.append((cs, ce, t))
    spans.sort()
    for a, b in zip(spans, spans[1:]):
        if b[0] < a[1]:
            problems.append(f"overlap: {a} and {b}")

    for typ, s, e in candidates(text):
        same = [x for x in spans if x[2] == typ and x[0] < e and s < x[1]]
        if same:
            continue
        other = [x for x in spans if x[0] < e and s < x[1]]
        kind = "ambiguous" if other else "stray"
        problems.append(f"{kind} {typ} in unlabelled text: {text[s:e][:60]!r}")
    return problems


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    root = os.path.join(sys.argv[1], "sample")
    n_labels, bad = 0, 0
    with open(os.path.join(root, "labels.jsonl"), encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    listed = set()
    for row in rows:
        listed.add(row["doc"])
        with open(os.path.join(root, row["doc"]), "rb") as f:
            data = f.read()
        probs = check_doc(data, row["entities"])
        n_labels += len(row["entities"])
        for p in probs:
            bad += 1
            print(f"{row['doc']}: {p}")
    on_disk = {"docs/" + n for n in os.listdir(os.path.join(root, "docs"))}
    for missing in sorted(on_disk - listed):
        bad += 1
        print(f"{missing}: no labels line")
    if bad:
        print(f"{bad} problems")
        sys.exit(1)
    print(f"ok {n_labels} labels")


if __name__ == "__main__":
    main()
