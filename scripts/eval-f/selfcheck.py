#!/usr/bin/env python3
"""Re-read an eval-f corpus and re-validate every label from scratch.

    scripts/eval-f/selfcheck.py OUT_DIR

The validators below are written independently of the generator's (they
share no code with values.py / keys.py), so one mistake is unlikely to be
made twice.  Checks, per document: file size and UTF-8; per label: known
type, offsets inside the file and on character boundaries, span text valid
for its type (checksum / structure), span not extendable (no letter or digit
glued to either end), digits not also valid as another checksummed type;
labels do not overlap.  Then a sweep of the *unlabelled* text for values
that are valid by checksum or unmistakable shape (card, SSN, NHS, NPI, IBAN,
e-mail, AWS key, GitHub token, private-key PEM), which would be unlabelled
positives.  Prints per-type counts and finally `ok N labels`, or the
problems and exits 1.
"""
import base64
import binascii
import collections
import ipaddress
import json
import pathlib
import re
import sys

TYPES = {"credit_card", "email", "us_ssn", "iban", "ipv4", "ipv6", "phone", "aws_access_key",
         "github_token", "private_key", "uk_nhs", "us_npi"}


# ------------------------------------------------------------- checksums
def luhn(s):
    total = 0
    for pos, ch in enumerate(s[::-1]):
        v = int(ch) * (1 + pos % 2)
        total += v // 10 + v % 10
    return total % 10 == 0


def is_nhs(s):
    if not re.fullmatch(r"\d{10}", s):
        return False
    rem = sum(int(c) * w for c, w in zip(s[:9], range(10, 1, -1))) % 11
    check = (11 - rem) % 11
    return check != 10 and check == int(s[9])


def is_npi(s):
    return bool(re.fullmatch(r"[12]\d{9}", s)) and luhn("80840" + s)


WELL_KNOWN_TEST_PANS = {"4111111111111111", "4242424242424242", "5555555555554444", "378282246310005",
                        "6011111111111117", "4012888888881881", "5105105105105100", "371449635398431",
                        "6011000990139424", "3530111333300000", "3566002020360505", "30569309025904",
                        "38520000023237", "4222222222222", "2223003122003222", "4000056655665556"}


def card_issuer_ok(s):
    n, p2, p3, p4 = len(s), int(s[:2]), int(s[:3]), int(s[:4])
    rules = [
        (s[0] == "4", (13, 16, 19)),                              # Visa
        (51 <= p2 <= 55 or 2221 <= p4 <= 2720, (16,)),            # Mastercard
        (p2 in (34, 37), (15,)),                                  # Amex
        (p4 == 6011 or p2 == 65 or 644 <= p3 <= 649, (16, 19)),  # Discover
        (3528 <= p4 <= 3589, (16, 19)),                           # JCB
        (p2 == 36, (14,)),                                        # Diners
    ]
    return any(cond and n in lens for cond, lens in rules)


def is_card(s):
    return bool(re.fullmatch(r"\d{13,19}", s)) and card_issuer_ok(s) and luhn(s)


IBAN_LEN = {"AD": 24, "AE": 23, "AL": 28, "AT": 20, "BA": 20, "BE": 16, "BG": 22, "BR": 29, "CH": 21,
            "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22,
            "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "JO": 30,
            "KW": 30, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15,
            "PL": 28, "PT": 25, "QA": 29, "RO": 24, "SA": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
            "TR": 26}


def is_iban(compact):
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]+", compact) or IBAN_LEN.get(compact[:2]) != len(compact):
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def digits_of(s):
    return re.sub(r"\D", "", s)


# ----------------------------------------------------------- validators
# Each returns None when the span is fine, else a short reason.
def v_credit_card(t, ctx):
    if not re.fullmatch(r"\d+(?:[ -]\d+)*", t):
        return "bad characters"
    seps = set(re.findall(r"[ -]", t))
    if len(seps) > 1:
        return "mixed separators"
    ds = digits_of(t)
    groups = tuple(len(g) for g in re.split(r"[ -]", t))
    layouts = {16: (4, 4, 4, 4), 15: (4, 6, 5), 14: (4, 6, 4), 19: (4, 4, 4, 4, 3)}
    if len(groups) > 1 and layouts.get(len(ds)) != groups:
        return f"grouping {groups} not used for {len(ds)} digits"
    if not card_issuer_ok(ds):
        return "issuer prefix/length"
    if not luhn(ds):
        return "Luhn"
    if ds in WELL_KNOWN_TEST_PANS:
        return "well-known test number"
    return None


SSN_WORDS = ("ssn", "social security", "socsec", "soc sec", "soc. sec", "soc_sec")


def v_us_ssn(t, ctx):
    m = re.fullmatch(r"(\d{3})([ -]?)(\d{2})\2(\d{4})", t)
    if not m:
        return "shape"
    area, sep, grp, ser = m.group(1), m.group(2), m.group(3), m.group(4)
    if area in ("000", "666") or area >= "900" or grp == "00" or ser == "0000":
        return "impossible area/group/serial"
    if area + grp + ser in ("078051120", "219099999", "123456789"):
        return "well-known invalid SSN"
    if sep != "-" and not any(w in ctx["before"][-40:].lower() for w in SSN_WORDS):
        return "spaced/compact SSN without an SSN label word just before"
    return None


def v_iban(t, ctx):
    if " " in t and not re.fullmatch(r"[A-Z0-9]{4}(?: [A-Z0-9]{4})*(?: [A-Z0-9]{1,3})?", t):
        return "grouping"
    return None if is_iban(t.replace(" ", "")) else "country length / mod-97"


EMAIL_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._%+-]*[A-Za-z0-9])?@"
                      r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,24}")


def v_email(t, ctx):
    if not EMAIL_RE.fullmatch(t) or ".." in t:
        return "not an address"
    return None


def v_ipv4(t, ctx):
    octet = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
    return None if re.fullmatch(rf"{octet}(?:\.{octet}){{3}}", t) else "not a dotted quad"


def v_ipv6(t, ctx):
    if not re.fullmatch(r"[0-9A-Fa-f:]+", t) or t.count(":") < 2:
        return "characters"
    try:
        ipaddress.IPv6Address(t)
    except ValueError:
        return "not an IPv6 address"
    return None


# national significant number lengths by country code
CC_NSN = {"1": (10, 10), "27": (9, 9), "31": (9, 9), "32": (8, 9), "33": (9, 9), "34": (9, 9),
          "39": (6, 11), "41": (9, 9), "44": (9, 10), "46": (7, 9), "48": (9, 9), "49": (6, 12),
          "52": (10, 10), "55": (10, 11), "61": (9, 9), "65": (8, 8), "81": (9, 10), "91": (10, 10),
          "353": (7, 9)}


def nanp_ok(ten):
    area, exch, line = ten[:3], ten[3:6], ten[6:]
    if area[0] in "01" or area[1:] == "11" or exch[0] in "01" or exch[1:] == "11":
        return False
    return not (exch == "555" and line.startswith("01"))


def v_phone(t, ctx):
    if not re.fullmatch(r"\+?[\d(][\d ()./-]*\d", t):
        return "characters"
    if t.count("(") != t.count(")") or re.search(r"[ ./-]{2}", t):
        return "parentheses/separators"
    if "+" in t[1:]:
        return "plus inside"
    ds = digits_of(t.replace("(0)", "")) if t.startswith("+") else digits_of(t)
    if not 7 <= len(ds) <= 15:
        return "digit count"
    if t.startswith("+"):
        cc = next((ds[:k] for k in (3, 2, 1) if ds[:k] in CC_NSN), None)
        if cc is None:
            return "unknown country code"
        nsn = ds[len(cc):]
        lo, hi = CC_NSN[cc]
        if not lo <= len(nsn) <= hi:
            return f"NSN length {len(nsn)} for +{cc}"
        if cc == "1" and not nanp_ok(nsn):
            return "NANP area/exchange"
        if nsn[0] == "0" and cc != "39":
            return "NSN starts with 0"
        return None
    if ds[0] == "0":
        return None if 9 <= len(ds) <= 12 and ds[1] != "0" else "trunk-prefixed length"
    if len(ds) == 11 and ds[0] == "1":
        ds = ds[1:]
    return None if len(ds) == 10 and nanp_ok(ds) else "not a NANP number"


def v_aws_access_key(t, ctx):
    if t == "AKIAIOSFODNN7EXAMPLE":
        return "AWS documentation example"
    return None if re.fullmatch(r"(?:AKIA|ASIA)[A-Z2-7]{16}", t) else "shape"


B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def gh_checksum(body):
    n, chars = binascii.crc32(body.encode()) & 0xFFFFFFFF, []
    for _ in range(6):
        chars.append(B62[n % 62])
        n //= 62
    return "".join(reversed(chars))


def v_github_token(t, ctx):
    if re.fullmatch(r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}", t):
        return None
    m = re.fullmatch(r"gh[pousr]_([A-Za-z0-9]{30})([A-Za-z0-9]{6})", t)
    if not m:
        return "shape"
    return None if gh_checksum(m.group(1)) == m.group(2) else "CRC32 checksum"


PEM_LABELS = {"RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY"}


def der_length_ok(b):
    """Outer SEQUENCE and its length field match the data exactly."""
    if len(b) < 2 or b[0] != 0x30:
        return False
    if b[1] < 0x80:
        return 2 + b[1] == len(b)
    k = b[1] & 0x7F
    return 2 + k + int.from_bytes(b[2:2 + k], "big") == len(b)


def v_private_key(t, ctx):
    m = re.match(r"-----BEGIN ([A-Z ]+)-----", t)
    if not m or m.group(1) not in PEM_LABELS:
        return "BEGIN line"
    label = m.group(1)
    end = f"-----END {label}-----"
    if not t.endswith(end):
        return "END line missing or different"
    inner = t[m.end():-len(end)]
    # escaped form (JSON / .env string) or real lines (raw, indented, quoted)
    lines = inner.split("\\n") if ("\n" not in inner and "\\n" in inner) else inner.split("\n")
    lines = [re.sub(r"^[ \t>]*", "", ln).rstrip("\r") for ln in lines]
    if lines[0] != "" or lines[-1] != "":
        return "BEGIN/END not on their own lines"
    lines = lines[1:-1]
    legacy_encrypted = bool(lines) and lines[0].startswith("Proc-Type:")
    if legacy_encrypted:
        if len(lines) < 3 or not lines[1].startswith("DEK-Info:") or lines[2] != "":
            return "legacy encryption headers"
        lines = lines[3:]
    width = 70 if label == "OPENSSH PRIVATE KEY" else 64
    if not lines or any(len(ln) != width for ln in lines[:-1]) or not 0 < len(lines[-1]) <= width:
        return f"body not wrapped at {width}"
    body = "".join(lines)
    if not re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", body):
        return "body not base64"
    try:
        raw = base64.b64decode(body, validate=True)
    except binascii.Error:
        return "base64 does not decode"
    if len(raw) < 40:
        return "implausibly short key"
    if label == "OPENSSH PRIVATE KEY":
        return None if raw.startswith(b"openssh-key-v1\x00") else "no openssh-key-v1 magic"
    if legacy_encrypted:
        return None if len(raw) % 8 == 0 else "ciphertext not block-sized"
    return None if der_length_ok(raw) else "not one DER SEQUENCE"


def v_uk_nhs(t, ctx):
    if not re.fullmatch(r"\d{3}([ -]?)\d{3}\1\d{4}", t):
        return "shape"
    return None if is_nhs(digits_of(t)) else "mod-11"


def v_us_npi(t, ctx):
    return None if is_npi(t) else "shape or Luhn with 80840"


VALIDATORS = {name[2:]: f for name, f in globals().items() if name.startswith("v_")}


# ------------------------------------------------- boundaries and clashes
def boundary_problem(typ, before, after):
    b1, b2 = before[-1:], before[-2:-1]
    a1, a2 = after[:1], after[1:2]
    if typ == "private_key":
        return None
    if b1.isalnum() or a1.isalnum() or b1 == "_" or a1 == "_":
        return "glued to a letter/digit"
    if typ == "email" and (b1 in "._%+-" or (a1 in ".-" and a2.isalnum())):
        return "address continues"
    if typ == "ipv4" and ((a1 == "." and a2.isdigit()) or (b1 == "." and b2.isdigit())):
        return "dotted number continues"
    if typ == "ipv6" and ((a1 == ":" and a2 in "0123456789abcdefABCDEF:" and a2) or (b1 == ":" and b2 and b2 in "0123456789abcdefABCDEF:")):
        return "address continues"
    if typ in ("credit_card", "us_ssn", "uk_nhs", "us_npi", "phone"):
        if (b1 in " -" and b2.isdigit()) or (a1 in " -" and a2.isdigit()):
            return "digit groups continue"
        if typ == "phone" and b1 == "+":
            return "leading + left out"
    return None


def readings(typ, t):
    ds = digits_of(t)
    out = {ds}
    if typ == "phone":
        ds2 = digits_of(t.replace("(0)", ""))
        out |= {ds2, ds2.lstrip("0")} | {ds2[k:] for k in (1, 2, 3)}
    return out


def clash(typ, t):
    if typ in ("credit_card", "uk_nhs", "us_npi", "phone", "us_ssn"):
        for r in readings(typ, t):
            if typ != "credit_card" and is_card(r):
                return "also a valid card number"
            if typ != "uk_nhs" and is_nhs(r):
                return "also a valid NHS number"
            if typ != "us_npi" and is_npi(r):
                return "also a valid NPI"
    return None


# --------------------------------------------- unlabelled-text sweep
SWEEP = [
    ("aws_access_key", re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z2-7]{16}(?![A-Za-z0-9])"),
     lambda s: s != "AKIAIOSFODNN7EXAMPLE"),
    ("github_token", re.compile(r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?![A-Za-z0-9])"),
     lambda s: v_github_token(s, None) is None),
    ("private_key", re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH |ENCRYPTED |DSA )?PRIVATE KEY-----"), lambda s: True),
    ("email", re.compile(r"(?<![:A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?![A-Za-z0-9-])"),
     lambda s: True),
    ("credit_card", re.compile(r"(?<![\w.-])(?<!\d[ -])(?:\d{13,19}|\d{4}([ -])\d{4,6}\1\d{4,5}(?:\1\d{3,4}(?:\1\d{3})?)?)(?![ -]?\d)(?!\w)"),
     lambda s: is_card(digits_of(s))),
    ("us_ssn", re.compile(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])"), lambda s: v_us_ssn(s, {"before": ""}) is None),
    ("uk_nhs/us_npi", re.compile(r"(?<![\w-])(?<!\d[ -])\d{3}([ -]?)\d{3}\1\d{4}(?![ -]?\d)(?!\w)"),
     lambda s: is_nhs(digits_of(s)) or is_npi(digits_of(s))),
    ("iban", re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?)(?![A-Za-z0-9])"),
     lambda s: is_iban(s.replace(" ", ""))),
]


def sweep(text, spans):
    """Valid-looking values in the text outside the given (char) spans."""
    chars = list(text)
    for s, e in spans:
        chars[s:e] = "\u2591" * (e - s)
    masked = "".join(chars)
    hits = []
    for typ, rx, ok in SWEEP:
        for m in rx.finditer(masked):
            if ok(m.group(0)):
                hits.append((typ, m.start(), m.group(0)))
    return hits


# ------------------------------------------------------------------ main
def check_doc(data, ents):
    """Problems (list of str) for one document's bytes and labels."""
    probs = []
    if not 200 <= len(data) <= 8192:
        probs.append(f"size {len(data)} outside 200..8192 bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return [f"not UTF-8: {e}"]
    spans = []
    for e in ents:
        typ, s, t = e.get("type"), e.get("start"), e.get("end")
        where = f"{typ}@{s}-{t}"
        if set(e) != {"type", "start", "end"} or typ not in TYPES:
            probs.append(f"{where}: bad label record {e}")
            continue
        if not (isinstance(s, int) and isinstance(t, int) and 0 <= s < t <= len(data)):
            probs.append(f"{where}: offsets outside the file")
            continue
        if (s < len(data) and data[s] & 0xC0 == 0x80) or (t < len(data) and data[t] & 0xC0 == 0x80):
            probs.append(f"{where}: offset inside a UTF-8 character")
            continue
        value = data[s:t].decode("utf-8")
        cs = len(data[:s].decode("utf-8"))
        ce = cs + len(value)
        spans.append((s, t, cs, ce, typ))
        if value != value.strip() or value.strip("\u00a0\u202f") != value:
            probs.append(f"{where}: span has surrounding space {value!r}")
        ctx = {"before": text[max(0, cs - 60):cs]}
        why = VALIDATORS[typ](value, ctx) or boundary_problem(typ, text[max(0, cs - 2):cs], text[ce:ce + 2]) or clash(typ, value)
        if why:
            probs.append(f"{where}: {why}: {value[:90]!r}")
    spans.sort()
    for a, b in zip(spans, spans[1:]):
        if b[0] < a[1]:
            probs.append(f"overlap: {a[4]}@{a[0]}-{a[1]} and {b[4]}@{b[0]}-{b[1]}")
    for typ, pos, val in sweep(text, [(x[2], x[3]) for x in spans]):
        probs.append(f"unlabelled {typ} at char {pos}: {val[:60]!r}")
    return probs


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: selfcheck.py OUT_DIR")
    root = pathlib.Path(sys.argv[1]) / "sample"
    problems, counts, docs = [], collections.Counter(), 0
    seen = set()
    for n, line in enumerate((root / "labels.jsonl").read_text().splitlines(), 1):
        if not line.strip():
            continue
        rec = json.loads(line)
        if set(rec) != {"doc", "entities"}:
            problems.append(f"labels.jsonl line {n}: keys {sorted(rec)}")
            continue
        seen.add(rec["doc"])
        path = root / rec["doc"]
        if not path.is_file():
            problems.append(f"{rec['doc']}: file missing")
            continue
        docs += 1
        for p in check_doc(path.read_bytes(), rec["entities"]):
            problems.append(f"{rec['doc']}: {p}")
        counts.update(e.get("type") for e in rec["entities"])
    for f in sorted((root / "docs").glob("*.txt")):
        if f"docs/{f.name}" not in seen:
            problems.append(f"docs/{f.name}: no labels line")
    if problems:
        print("\n".join(problems))
        print(f"FAILED: {len(problems)} problems in {docs} documents")
        sys.exit(1)
    print(f"{docs} documents; " + ", ".join(f"{t} {counts[t]}" for t in sorted(TYPES)))
    print(f"ok {sum(counts.values())} labels")


if __name__ == "__main__":
    main()
