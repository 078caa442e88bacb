"""Value builders for the twelve labelled types, with check digits computed,
plus builders for hard negatives that are guaranteed to fail validation.

Everything takes a random.Random so the output is reproducible.
"""
import base64
import ipaddress
import re
import string
import struct
import zlib

DIGITS = string.digits
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
B32 = string.ascii_uppercase + "234567"
AWS_EXAMPLE = "AKIAIOSFODNN7EXAMPLE"


def digits(rng, n):
    return "".join(rng.choice(DIGITS) for _ in range(n))


# ---------------------------------------------------------------- checksums

def luhn_ok(s):
    total = 0
    for i, ch in enumerate(reversed(s)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_digit(body):
    for c in DIGITS:
        if luhn_ok(body + c):
            return c
    raise AssertionError


def nhs_ok(s):
    if len(s) != 10 or not s.isdigit():
        return False
    total = sum(int(s[i]) * (10 - i) for i in range(9))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(s[9])


def npi_ok(s):
    return len(s) == 10 and s.isdigit() and s[0] in "12" and luhn_ok("80840" + s)


def iban_mod97(s):
    s = s[4:] + s[:4]
    num = "".join(str(int(c, 36)) for c in s)
    return int(num) % 97


CARD_PREFIXES = [  # (prefixes, lengths) used by card_issuer()
    (("4",), (13, 16, 19)),
    (tuple(str(p) for p in range(51, 56)) + tuple(str(p) for p in range(2221, 2721)), (16,)),
    (("34", "37"), (15,)),
    (("6011", "65") + tuple(str(p) for p in range(644, 650)), (16, 19)),
    (tuple(str(p) for p in range(3528, 3590)), (16, 19)),
    (("36", "38", "300", "301", "302", "303", "304", "305"), (14, 16)),
    (("62",), (16, 17, 18, 19)),
]


def card_issuer(d):
    return any(d.startswith(p) and len(d) in lens for ps, lens in CARD_PREFIXES for p in ps)


def ambiguous_digits(d):
    """True when a bare digit string would validate as some labelled type."""
    n = len(d)
    if n == 10 and (nhs_ok(d) or npi_ok(d)):
        return True
    if 12 <= n <= 19 and luhn_ok(d):
        return True
    return False


# ------------------------------------------------------------ credit cards

BRANDS = {
    "visa": (lambda r: "4" + digits(r, 5), 16),
    "mc": (lambda r: str(r.randint(51, 55)) + digits(r, 4), 16),
    "mc2": (lambda r: str(r.randint(2221, 2720)) + digits(r, 2), 16),
    "amex": (lambda r: r.choice(["34", "37"]) + digits(r, 4), 15),
    "discover": (lambda r: r.choice(["6011", "65" + digits(r, 2)]) + digits(r, 2), 16),
    "jcb": (lambda r: str(r.randint(3528, 3589)) + digits(r, 2), 16),
    "diners": (lambda r: r.choice(["36", "38"]) + digits(r, 4), 14),
    "unionpay": (lambda r: "62" + r.choice(["2", "4", "5", "8"]) + digits(r, 3), 16),
}
BRAND_WEIGHTS = [("visa", 30), ("mc", 18), ("mc2", 5), ("amex", 10), ("discover", 6),
                 ("jcb", 8), ("diners", 3), ("unionpay", 8)]


def pick_weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    x = rng.uniform(0, total)
    for item, w in pairs:
        x -= w
        if x <= 0:
            return item
    return pairs[-1][0]


def layout_card(d, layout):
    if layout == "compact":
        return d
    sep = " " if layout == "space" else "-"
    if len(d) == 15:
        groups = [d[:4], d[4:10], d[10:]]
    elif len(d) == 14:
        groups = [d[:4], d[4:10], d[10:]]
    else:
        groups = [d[i:i + 4] for i in range(0, len(d), 4)]
    return sep.join(groups)


def card_digits(rng, brand=None):
    brand = brand or pick_weighted(rng, BRAND_WEIGHTS)
    start, length = BRANDS[brand]
    while True:
        body = start(rng)
        body += digits(rng, length - 1 - len(body))
        d = body + luhn_digit(body)
        if not (len(d) == 10 and nhs_ok(d)):
            return d


def credit_card(rng, brand=None, layout=None):
    layout = layout or rng.choice(["compact", "compact", "space", "space", "dash"])
    return layout_card(card_digits(rng, brand), layout)


def card_luhn_fail(rng, layout=None):
    """16 digits with a real issuer prefix that fail Luhn (typo'd card / order no.)."""
    d = card_digits(rng, rng.choice(["visa", "mc", "discover", "jcb"]))
    bad = str((int(d[-1]) + rng.randint(1, 9)) % 10)
    return layout_card(d[:-1] + bad, layout or rng.choice(["compact", "space", "dash"]))


def card_masked(rng):
    d = card_digits(rng)
    last4 = d[-4:]
    return rng.choice([
        "**** **** **** " + last4,
        d[:6] + "*" * (len(d) - 10) + last4,
        "XXXX-XXXX-XXXX-" + last4,
        "xxxxxxxxxxxx" + last4,
        "************" + last4,
        d[:4] + " **** **** " + last4,
    ])


# ------------------------------------------------------------------- SSN

def ssn(rng, sep="-"):
    while True:
        area = rng.randint(1, 899)
        if area == 666:
            continue
        group, serial = rng.randint(1, 99), rng.randint(1, 9999)
        s = f"{area:03d}{sep}{group:02d}{sep}{serial:04d}"
        if s.replace(sep, "") not in ("078051120", "219099999", "123456789"):
            return s


def ssn_invalid(rng, sep="-"):
    kind = rng.choice(["000", "666", "9xx", "g00", "s0000"])
    area, group, serial = rng.randint(1, 665), rng.randint(1, 99), rng.randint(1, 9999)
    if kind == "000":
        area = 0
    elif kind == "666":
        area = 666
    elif kind == "9xx":
        area = rng.randint(900, 999)
    elif kind == "g00":
        group = 0
    else:
        serial = 0
    return f"{area:03d}{sep}{group:02d}{sep}{serial:04d}"


# ------------------------------------------------------------- NHS / NPI

def nhs_digits(rng):
    while True:
        body = str(rng.randint(4, 9)) + digits(rng, 8)
        total = sum(int(body[i]) * (10 - i) for i in range(9))
        check = (11 - total % 11) % 11
        if check == 10:
            continue
        d = body + str(check)
        if not npi_ok(d):
            return d


def nhs(rng, layout=None):
    d = nhs_digits(rng)
    layout = layout or rng.choice(["space", "space", "compact", "dash"])
    if layout == "compact":
        return d
    sep = " " if layout == "space" else "-"
    return f"{d[:3]}{sep}{d[3:6]}{sep}{d[6:]}"


def nhs_invalid(rng):
    while True:
        d = str(rng.randint(4, 9)) + digits(rng, 9)
        if not nhs_ok(d) and not npi_ok(d):
            return rng.choice([d, f"{d[:3]} {d[3:6]} {d[6:]}"])


def npi(rng):
    while True:
        body = rng.choice("12") + digits(rng, 8)
        d = body + luhn_digit("80840" + body)
        if not nhs_ok(d):
            return d


def npi_invalid(rng):
    while True:
        d = rng.choice("12") + digits(rng, 9)
        if not npi_ok(d) and not nhs_ok(d):
            return d


# ------------------------------------------------------------------- IBAN

def _alnum(rng, n):
    return "".join(rng.choice(string.ascii_uppercase + DIGITS) for _ in range(n))


def _fr_key(bank, branch, acct):
    return 97 - ((89 * int(bank) + 15 * int(branch) + 3 * int(acct)) % 97)


def _es_dc(ten):
    w = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6]
    d = 11 - sum(int(c) * x for c, x in zip(ten, w)) % 11
    return {11: 0, 10: 1}.get(d, d)


def _bban(rng, cc):
    r = rng
    if cc == "DE":
        return r.choice(["10070000", "50010517", "37040044", "20041133", "70150000"]) + digits(r, 10)
    if cc == "GB":
        return r.choice(["NWBK", "BARC", "LOYD", "HBUK", "MIDL", "NAIA"]) + digits(r, 6) + digits(r, 8)
    if cc == "IE":
        return r.choice(["AIBK", "BOFI", "IPBS"]) + digits(r, 6) + digits(r, 8)
    if cc == "NL":
        return r.choice(["ABNA", "RABO", "INGB", "TRIO", "SNSB", "KNAB"]) + digits(r, 10)
    if cc == "FR":
        bank, branch, acct = digits(r, 5), digits(r, 5), digits(r, 11)
        return bank + branch + acct + f"{_fr_key(bank, branch, acct):02d}"
    if cc == "ES":
        bank, branch, acct = r.choice(["2100", "0049", "0182", "2085"]), digits(r, 4), digits(r, 10)
        return bank + branch + str(_es_dc("00" + bank + branch)) + str(_es_dc(acct)) + acct
    if cc == "IT":
        return r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") + r.choice(["03069", "02008", "05034"]) + digits(r, 5) + digits(r, 12)
    if cc == "BE":
        ten = digits(r, 10)
        return ten + f"{(int(ten) % 97) or 97:02d}"
    if cc == "CH":
        return digits(r, 5) + digits(r, 12)
    if cc == "AT":
        return digits(r, 5) + digits(r, 11)
    if cc == "PL":
        return digits(r, 8) + digits(r, 16)
    if cc == "SE":
        return r.choice(["500", "800", "600", "300"]) + digits(r, 17)
    if cc == "NO":
        return digits(r, 11)
    if cc in ("DK", "FI"):
        return digits(r, 14)
    if cc == "PT":
        return "0" + digits(r, 20)
    if cc == "SA":
        return r.choice(["80", "10", "45", "20", "60"]) + digits(r, 18)
    if cc == "AE":
        return r.choice(["033", "026", "035", "044"]) + digits(r, 16)
    if cc == "TR":
        return r.choice(["00010", "00062", "00046", "00064"]) + "0" + digits(r, 16)
    if cc == "IL":
        return r.choice(["010", "012", "020", "011"]) + digits(r, 3) + digits(r, 13)
    if cc == "BR":
        return digits(r, 8) + digits(r, 5) + digits(r, 10) + r.choice("CP") + r.choice("12")
    if cc == "QA":
        return r.choice(["QNBA", "DOHB", "CBQA"]) + digits(r, 21)
    if cc == "KW":
        return r.choice(["NBOK", "CBKU", "GULB"]) + digits(r, 22)
    raise KeyError(cc)


IBAN_LENGTHS = {"DE": 22, "GB": 22, "IE": 22, "NL": 18, "FR": 27, "ES": 24, "IT": 27, "BE": 16,
                "CH": 21, "AT": 20, "PL": 28, "SE": 24, "NO": 15, "DK": 18, "FI": 18, "PT": 25,
                "SA": 24, "AE": 23, "TR": 26, "IL": 23, "BR": 29, "QA": 29, "KW": 30}


def group4(s):
    return " ".join(s[i:i + 4] for i in range(0, len(s), 4))


def iban_compact(rng, cc):
    bban = _bban(rng, cc)
    check = 98 - iban_mod97(cc + "00" + bban)
    s = f"{cc}{check:02d}{bban}"
    assert len(s) == IBAN_LENGTHS[cc] and iban_mod97(s) == 1, s
    return s


def iban(rng, cc, grouped=None):
    s = iban_compact(rng, cc)
    if grouped is None:
        grouped = rng.random() < 0.5
    return group4(s) if grouped else s


def iban_invalid(rng, cc, grouped=None):
    s = iban_compact(rng, cc)
    bad = (int(s[2:4]) + rng.randint(1, 40)) % 97
    s = f"{s[:2]}{max(bad, 2):02d}{s[4:]}"
    if iban_mod97(s) == 1:
        s = s[:2] + ("13" if s[2:4] != "13" else "14") + s[4:]
    if grouped is None:
        grouped = rng.random() < 0.5
    return group4(s) if grouped else s


# ---------------------------------------------------------------------- IP

PUBLIC_FIRST = [23, 31, 37, 41, 45, 49, 52, 58, 61, 77, 81, 89, 91, 95, 101, 103, 106, 110, 114,
                118, 122, 125, 138, 146, 151, 163, 175, 177, 180, 185, 186, 188, 190, 196, 197,
                200, 201, 210, 211, 212, 217, 218, 220, 223]


def ipv4(rng, kind=None):
    kind = kind or rng.choice(["public", "public", "private", "doc"])
    if kind == "private":
        a = rng.choice(["10", "172", "192.168"])
        if a == "10":
            return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        if a == "172":
            return f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        return f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    if kind == "doc":
        return rng.choice(["192.0.2", "198.51.100", "203.0.113"]) + f".{rng.randint(1, 254)}"
    return f"{rng.choice(PUBLIC_FIRST)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


V6_PREFIXES = ["2001:4860:4860", "2a00:1450:4001", "2606:4700:3030", "2a02:c7f:7e14", "240e:3b7:3272",
               "2409:10:c0e0", "2001:268:c0a4", "2400:cb00:2049", "2804:14c:5b80", "2c0f:f248:1",
               "2405:201:a00c", "2a01:4f8:c17", "2001:db8:85a3", "2600:1f18:2551", "2a05:d014:1f3"]


def ipv6(rng, form=None):
    form = form or rng.choice(["full", "full0", "compressed", "compressed", "compressed", "mixed",
                               "linklocal", "ula"])
    if form == "mixed":
        v4 = ipv4(rng, "public")
        return rng.choice(["::ffff:", "64:ff9b::", "::ffff:"]) + v4
    if form == "linklocal":
        groups = ["fe80", "0", "0", "0"] + [f"{rng.randint(0, 0xffff):x}" for _ in range(4)]
    elif form == "ula":
        groups = [f"fd{rng.randint(0, 255):02x}"] + [f"{rng.randint(0, 0xffff):x}" for _ in range(3)] + \
                 ["0", "0", "0", f"{rng.randint(1, 0xfff):x}"]
    else:
        pre = rng.choice(V6_PREFIXES).split(":")
        rest = [f"{rng.randint(0, 0xffff):x}" for _ in range(8 - len(pre))]
        if form == "compressed" and rng.random() < 0.7:
            k = rng.randint(1, 8 - len(pre) - 1)
            for i in range(k):
                rest[i] = "0"
        groups = pre + rest
    addr = ipaddress.IPv6Address(":".join(groups))
    if form == "full0":
        return addr.exploded
    if form == "full":
        return ":".join(f"{int(g, 16):x}" for g in addr.exploded.split(":"))
    return addr.compressed


# ------------------------------------------------------------------- email

def email(rng, given, family, domain):
    g, f = given.lower(), family.lower()
    local = rng.choice([
        f"{g}.{f}", f"{g}{f}", f"{g[0]}.{f}", f"{g[0]}{f}", f"{f}.{g}", f"{g}_{f}",
        f"{g}.{f}{rng.randint(1, 99)}", f"{g}{rng.randint(70, 99)}", f"{f}-{g[0]}",
        f"{g}.{f}+{rng.choice(['billing', 'shop', 'news', 'travel', 'work'])}",
    ])
    return f"{local}@{domain}"


def role_email(rng, domain):
    return rng.choice(["info", "support", "billing", "hr", "no-reply", "ops-alerts", "sales",
                       "accounts.payable", "helpdesk", "admin"]) + "@" + domain


def email_masked(rng, given, family, domain):
    g = given.lower()
    return rng.choice([f"{g[0]}***@{domain}", f"{g[:2]}*****@{domain}",
                       "[email removed]", "<redacted>", f"{g[0]}{'*' * 6}@{'*' * 5}.com"])


# ------------------------------------------------------------- AWS / GitHub

def aws_key(rng, temp=False):
    return ("ASIA" if temp else "AKIA") + "".join(rng.choice(B32) for _ in range(16))


def aws_secret(rng):
    return "".join(rng.choice(string.ascii_letters + DIGITS + "+/") for _ in range(40))


def aws_key_invalid(rng):
    """AKIA-looking strings that are not access key ids: the documented example,
    lowercase or 0/1/8/9 characters (outside base32), wrong length, masked."""
    return rng.choice([
        AWS_EXAMPLE,
        "AKIA" + "".join(rng.choice(string.ascii_uppercase + "0189") for _ in range(14)) + rng.choice("0189") + "Q",
        "AKIA" + "*" * 16,
        "AKIA" + "".join(rng.choice(B32) for _ in range(4)) + "************",
        "AKIA" + "".join(rng.choice(B32) for _ in range(12)),
    ])


def b62(n, width=6):
    s = ""
    while n:
        n, r = divmod(n, 62)
        s = B62[r] + s
    return s.rjust(width, "0")


def github_token(rng, prefix=None):
    prefix = prefix or pick_weighted(rng, [("ghp", 60), ("gho", 12), ("ghu", 8), ("ghs", 12), ("ghr", 4),
                                           ("github_pat", 25)])
    if prefix == "github_pat":
        return ("github_pat_" + "".join(rng.choice(B62) for _ in range(22)) + "_" +
                "".join(rng.choice(B62) for _ in range(59)))
    while True:
        body = "".join(rng.choice(B62) for _ in range(30))
        crc = zlib.crc32(body.encode())
        if crc >= 62 ** 5:  # six base62 digits without padding: unambiguous under either reading
            return f"{prefix}_{body}{b62(crc)}"


def github_placeholder(rng):
    return rng.choice([
        "ghp_" + "x" * 36, "ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "ghp_************************************",
        "<your-github-token>", "ghp_...", "${GITHUB_TOKEN}", "ghp_" + "0" * 36,
        "github_pat_<redacted>", "github_pat_11" + "X" * 20 + "_...",
    ])


# ------------------------------------------------------------------- PEM

def _wrap(b64, width=64):
    return "\n".join(b64[i:i + width] for i in range(0, len(b64), width))


def _der_len(n):
    if n < 128:
        return bytes([n])
    if n < 256:
        return b"\x81" + bytes([n])
    return b"\x82" + struct.pack(">H", n)


def _rsa_pkcs1(rng, bits=2048):
    n = bits // 8
    mod = b"\x02" + _der_len(n + 1) + b"\x00" + bytes([rng.randint(128, 255)]) + rng.randbytes(n - 1)
    e = b"\x02\x03\x01\x00\x01"
    rest = rng.randbytes(n * 4 + n // 2 + 40)  # d, p, q, dp, dq, qinv, roughly
    body = b"\x02\x01\x00" + mod + e + b"\x02" + _der_len(len(rest)) + rest
    return b"\x30" + _der_len(len(body)) + body


def private_key(rng, kind=None):
    kind = kind or rng.choice(["rsa", "rsa", "ec", "pkcs8", "pkcs8", "openssh", "openssh", "pkcs8ed"])
    if kind == "rsa":
        der, label = _rsa_pkcs1(rng, rng.choice([1024, 2048, 2048])), "RSA PRIVATE KEY"
    elif kind == "ec":
        der = (bytes.fromhex("30770201010420") + rng.randbytes(32) +
               bytes.fromhex("a00a06082a8648ce3d030107a14403420004") + rng.randbytes(64))
        label = "EC PRIVATE KEY"
    elif kind == "pkcs8":
        inner = _rsa_pkcs1(rng, rng.choice([1024, 2048]))
        body = (bytes.fromhex("020100300d06092a864886f70d0101010500") + b"\x04" + _der_len(len(inner)) + inner)
        der, label = b"\x30" + _der_len(len(body)) + body, "PRIVATE KEY"
    elif kind == "pkcs8ed":
        der, label = bytes.fromhex("302e020100300506032b657004220420") + rng.randbytes(32), "PRIVATE KEY"
    else:
        def sstr(b):
            return struct.pack(">I", len(b)) + b
        pub = sstr(b"ssh-ed25519") + sstr(rng.randbytes(32))
        check = rng.randbytes(4)
        priv = check + check + pub + sstr(rng.randbytes(64)) + sstr(b"deploy@build") + b"\x01\x02\x03\x04\x05"
        der = (b"openssh-key-v1\x00" + sstr(b"none") + sstr(b"none") + sstr(b"") + struct.pack(">I", 1) +
               sstr(pub) + sstr(priv))
        return ("-----BEGIN OPENSSH PRIVATE KEY-----\n" + _wrap(base64.b64encode(der).decode(), 70) +
                "\n-----END OPENSSH PRIVATE KEY-----")
    return f"-----BEGIN {label}-----\n{_wrap(base64.b64encode(der).decode())}\n-----END {label}-----"


def public_pem(rng):
    kind = rng.choice(["pub", "cert", "sshpub", "ecpub"])
    if kind == "pub":
        der = bytes.fromhex("30820122300d06092a864886f70d01010105000382010f003082010a0282010100") + \
            rng.randbytes(256) + bytes.fromhex("0203010001")
        return f"-----BEGIN PUBLIC KEY-----\n{_wrap(base64.b64encode(der).decode())}\n-----END PUBLIC KEY-----"
    if kind == "ecpub":
        der = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d03010703420004") + rng.randbytes(64)
        return f"-----BEGIN PUBLIC KEY-----\n{_wrap(base64.b64encode(der).decode())}\n-----END PUBLIC KEY-----"
    if kind == "cert":
        der = bytes.fromhex("308203") + rng.randbytes(rng.randint(500, 800))
        return f"-----BEGIN CERTIFICATE-----\n{_wrap(base64.b64encode(der).decode())}\n-----END CERTIFICATE-----"
    blob = struct.pack(">I", 11) + b"ssh-ed25519" + struct.pack(">I", 32) + rng.randbytes(32)
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {rng.choice(['deploy', 'ci', 'backup'])}@{rng.choice(['build-07', 'bastion', 'runner3'])}"


# ----------------------------------------------------- other hard negatives

def safe_digits(rng, n, lead=None):
    """Random digit string of length n that validates as nothing."""
    while True:
        d = (lead or "") + digits(rng, n - len(lead or ""))
        if not ambiguous_digits(d):
            return d


def uuid(rng):
    h = rng.randbytes(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{rng.choice('89ab')}{h[17:20]}-{h[20:32]}"


def hexhash(rng, n=40):
    return rng.randbytes(n // 2).hex()


def mac(rng, sep=":"):
    return sep.join(f"{rng.randint(0, 255):02x}" for _ in range(6))


def version(rng):
    """Dotted version strings that are not valid IPv4 addresses."""
    return rng.choice([
        f"{rng.randint(1, 12)}.{rng.randint(0, 30)}.{rng.randint(0, 40)}",
        f"10.0.{rng.randint(17000, 22631)}.{rng.randint(256, 4000)}",
        f"{rng.randint(100, 130)}.0.{rng.randint(5000, 6500)}.{rng.randint(50, 200)}",
        f"{rng.randint(1, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}.{rng.randint(256, 9999)}",
        f"v{rng.randint(0, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}-rc.{rng.randint(1, 5)}",
        f"{rng.randint(2019, 2024)}.{rng.randint(1, 12)}.{rng.randint(1, 28)}",
    ])


def isbn13(rng):
    body = "978" + rng.choice("014") + digits(rng, 8)
    s = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(body))
    d = body + str((10 - s % 10) % 10)
    return f"{d[:3]}-{d[3]}-{d[4:8]}-{d[8:12]}-{d[12]}"


def gps(rng):
    return f"{rng.uniform(-40, 60):.5f}, {rng.uniform(-120, 150):.5f}"


def epoch(rng, millis=False):
    t = rng.randint(1_690_000_000, 1_730_000_000)
    while True:
        s = str(t * 1000 + rng.randint(0, 999)) if millis else str(t)
        if not ambiguous_digits(s):
            return s
        t += 1


def hl7_ts(rng):
    return f"2024{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 23):02d}{rng.randint(0, 59):02d}{rng.randint(0, 59):02d}"


def price(rng, cur="$"):
    return f"{cur}{rng.randint(1, 9999):,}.{rng.randint(0, 99):02d}"


def tracking(rng):
    return rng.choice([
        "1Z" + "".join(rng.choice(B32[:26] + DIGITS) for _ in range(6)) + safe_digits(rng, 10),
        safe_digits(rng, 12),
        "JD" + safe_digits(rng, 16),
        "LX" + digits(rng, 9) + "CN",
        safe_digits(rng, 20),
    ])


def order_no(rng):
    return rng.choice([
        f"ORD-{safe_digits(rng, 4)}-{safe_digits(rng, 4)}-{safe_digits(rng, 4)}",
        f"INV-{rng.randint(2019, 2024)}-{rng.randint(0, 999999):06d}",
        card_luhn_fail(rng, "dash"),
        f"#{safe_digits(rng, 9)}",
        f"PO{safe_digits(rng, 10)}",
        f"{safe_digits(rng, 3)}-{safe_digits(rng, 7)}-{safe_digits(rng, 7)}",
    ])


# --------------------------------------------------- gen-side stray finder

_RX = {
    "card": re.compile(r"(?<![0-9A-Za-z])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?|\d{4}([ -])\d{6}\2\d{4,5})(?![0-9A-Za-z])"),
    "ssn": re.compile(r"(?<![\d-])(?<!\d )\d{3}([- ])\d{2}\1\d{4}(?![\d])(?!-\d)"),
    "ten": re.compile(r"(?<![0-9A-Za-z])(?<!\d[ -])(\d{10}|\d{3}([ -])\d{3}\2\d{4})(?![0-9A-Za-z])(?![ -]\d)"),
    "iban": re.compile(r"(?<![0-9A-Za-z])[A-Z]{2}\d{2}[A-Z0-9 ]{10,40}"),
    "ipv4": re.compile(r"(?<![\d.])(?<!\d\.)\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?!\.?\d)"),
    "ipv6": re.compile(r"(?<![0-9A-Za-z:.])[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*"),
    "email": re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    "aws": re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z2-7]{16}(?![A-Za-z0-9])"),
    "gh": re.compile(r"gh[pousr]_[A-Za-z0-9]{36}(?![A-Za-z0-9])"),
    "ghpat": re.compile(r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}"),
}


def strays(text):
    """Checksum-valid values of non-phone types in (masked) unlabelled text."""
    out = []
    for m in _RX["card"].finditer(text):
        d = re.sub(r"\D", "", m.group(0))
        if luhn_ok(d) and (card_issuer(d) or len(d) == 16):
            out.append(("credit_card", m.group(0)))
    for m in _RX["ssn"].finditer(text):
        a, g, s = int(m.group(0)[:3]), int(m.group(0)[4:6]), int(m.group(0)[7:])
        if 0 < a < 900 and a != 666 and g and s:
            out.append(("us_ssn", m.group(0)))
    for m in _RX["ten"].finditer(text):
        d = re.sub(r"\D", "", m.group(0))
        if nhs_ok(d):
            out.append(("uk_nhs", m.group(0)))
        if npi_ok(d):
            out.append(("us_npi", m.group(0)))
    for m in _RX["iban"].finditer(text):
        compact = m.group(0).replace(" ", "")
        n = IBAN_LENGTHS.get(compact[:2])
        if n and len(compact) >= n and compact[:n].isalnum() and iban_mod97(compact[:n]) == 1:
            out.append(("iban", compact[:n]))
    for m in _RX["ipv4"].finditer(text):
        try:
            ipaddress.IPv4Address(m.group(0))
            out.append(("ipv4", m.group(0)))
        except ValueError:
            pass
    for m in _RX["ipv6"].finditer(text):
        s = m.group(0).rstrip(".")
        if re.search(r"[0-9A-Fa-f]", s):
            try:
                ipaddress.IPv6Address(s)
                out.append(("ipv6", s))
            except ValueError:
                pass
    for m in _RX["email"].finditer(text):
        out.append(("email", m.group(0)))
    for m in _RX["aws"].finditer(text):
        if m.group(0) != AWS_EXAMPLE:
            out.append(("aws_access_key", m.group(0)))
    for m in _RX["gh"].finditer(text):
        t = m.group(0)
        if b62(zlib.crc32(t[4:34].encode())) == t[34:]:
            out.append(("github_token", t))
    for m in _RX["ghpat"].finditer(text):
        out.append(("github_token", m.group(0)))
    if "PRIVATE KEY-----" in text:
        out.append(("private_key", "PRIVATE KEY"))
    return out
