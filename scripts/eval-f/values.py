"""Generators for the twelve labelled value types.

Every generator returns the value *as it is printed* (with its separators),
already redrawn until it is valid for its own type and for no other
checksummed type (see `clash`).  The validators here are the generator's
own; selfcheck.py carries a separately written set so that a mistake in
one is not silently shared by the other.
"""
import ipaddress
import string
import zlib

from fake import ascii_fold

DIGITS = string.digits
B32 = string.ascii_uppercase + "234567"
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def digits(rng, n):
    return "".join(rng.choice(DIGITS) for _ in range(n))


def pick(rng, weighted):
    """weighted: list of (item, weight)."""
    items, weights = zip(*weighted)
    return rng.choices(items, weights)[0]


# --------------------------------------------------------------- checksums
def luhn_ok(ds):
    total = 0
    for i, ch in enumerate(reversed(ds)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def luhn_complete(partial):
    return next(partial + c for c in DIGITS if luhn_ok(partial + c))


def nhs_check_digit(nine):
    r = 11 - sum(int(d) * (10 - i) for i, d in enumerate(nine)) % 11
    return {11: 0, 10: None}.get(r, r)


def nhs_ok(ds):
    return len(ds) == 10 and ds.isdigit() and nhs_check_digit(ds[:9]) == int(ds[9])


def npi_ok(ds):
    return len(ds) == 10 and ds.isdigit() and ds[0] in "12" and luhn_ok("80840" + ds)


def card_shape_ok(ds):
    """Issuer prefix and length rules (no Luhn)."""
    n = len(ds)
    if ds[0] == "4":
        return n in (13, 16, 19)
    if ds[:2] in ("51", "52", "53", "54", "55") or 2221 <= int(ds[:4]) <= 2720:
        return n == 16
    if ds[:2] in ("34", "37"):
        return n == 15
    if ds.startswith("6011") or ds[:2] == "65" or 644 <= int(ds[:3]) <= 649:
        return n in (16, 19)
    if 3528 <= int(ds[:4]) <= 3589:
        return n in (16, 19)
    if ds[:2] == "36":
        return n == 14
    return False


def card_ok(ds):
    return 13 <= len(ds) <= 19 and ds.isdigit() and card_shape_ok(ds) and luhn_ok(ds)


def clash(cands, own):
    """True when any digit reading in `cands` validates as a checksummed type
    other than `own`.  Used to keep every label to exactly one right type."""
    for ds in cands:
        if not ds.isdigit():
            continue
        if own != "uk_nhs" and nhs_ok(ds):
            return True
        if own != "us_npi" and npi_ok(ds):
            return True
        if own != "credit_card" and card_ok(ds):
            return True
    return False


def only_digits(s):
    return "".join(c for c in s if c.isdigit())


# ------------------------------------------------------------- credit card
TEST_CARDS = {
    "4111111111111111", "4242424242424242", "4012888888881881", "4000056655665556",
    "5555555555554444", "5105105105105100", "5200828282828210", "2223003122003222",
    "378282246310005", "371449635398431", "378734493671000", "6011111111111117",
    "6011000990139424", "3530111333300000", "3566002020360505", "30569309025904",
    "38520000023237", "36227206271667", "4222222222222", "4000000000000002",
}
CARD_BRANDS = [("visa", 36), ("mastercard", 26), ("amex", 12), ("discover", 10),
               ("jcb", 9), ("diners", 7)]


def card_digits(rng, brand=None):
    brand = brand or pick(rng, CARD_BRANDS)
    while True:
        if brand == "visa":
            n = pick(rng, [(16, 90), (13, 3), (19, 7)])
            pre = "4" + digits(rng, 5)
        elif brand == "mastercard":
            pre = rng.choice(["51", "52", "53", "54", "55"]) if rng.random() < 0.75 \
                else str(rng.randint(2221, 2720))
            n = 16
        elif brand == "amex":
            pre, n = rng.choice(["34", "37"]), 15
        elif brand == "discover":
            pre = pick(rng, [("6011", 5), ("65", 3), (str(rng.randint(644, 649)), 2)])
            n = 16
        elif brand == "jcb":
            pre, n = str(rng.randint(3528, 3589)), 16
        else:
            pre, n = "36", 14
        ds = luhn_complete(pre + digits(rng, n - len(pre) - 1))
        if ds in TEST_CARDS or len(set(ds[6:])) < 4:
            continue
        return brand, ds


GROUPS = {13: None, 14: (4, 6, 4), 15: (4, 6, 5), 16: (4, 4, 4, 4), 19: (4, 4, 4, 4, 3)}


def group(ds, sizes, sep):
    out, i = [], 0
    for s in sizes:
        out.append(ds[i:i + s])
        i += s
    return sep.join(out)


def card(rng, brand=None, layout=None):
    _, ds = card_digits(rng, brand)
    sizes = GROUPS[len(ds)]
    layout = layout or pick(rng, [("compact", 3), ("space", 6), ("dash", 2)])
    if sizes is None or layout == "compact":
        return ds
    return group(ds, sizes, " " if layout == "space" else "-")


# ---------------------------------------------------------------------- SSN
SSN_BLOCK = {"078051120", "219099999", "123456789"}


def ssn(rng, layout="dash"):
    """layout: dash | space | compact.  Callers only use space/compact
    directly after an SSN label word."""
    while True:
        area = rng.randint(1, 899)
        if area == 666:
            continue
        ds = f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
        if ds not in SSN_BLOCK:
            break
    if layout == "compact":
        return ds
    sep = "-" if layout == "dash" else " "
    return ds[:3] + sep + ds[3:5] + sep + ds[5:]


# --------------------------------------------------------------------- IBAN
# country: (total length, BBAN pattern as (count, class) runs, bank codes)
# class n = digit, a = upper letter, c = upper letter or digit.
IBAN_PLANS = {
    "DE": (22, [(8, "n"), (10, "n")], ["37040044", "50010517", "10070000", "20041133", "76026000"]),
    "GB": (22, [(4, "a"), (14, "n")], ["NWBK", "BARC", "HBUK", "LOYD", "MIDL", "MONZ"]),
    "FR": (27, [(10, "n"), (11, "c"), (2, "n")], ["3000600001", "2004101005", "3000400003"]),
    "ES": (24, [(20, "n")], ["21000418", "00491500", "20385778"]),
    "IT": (27, [(1, "a"), (10, "n"), (12, "c")], []),
    "NL": (18, [(4, "a"), (10, "n")], ["ABNA", "INGB", "RABO", "TRIO", "SNSB"]),
    "BE": (16, [(12, "n")], []),
    "AT": (20, [(16, "n")], ["12000", "20111", "32000"]),
    "CH": (21, [(5, "n"), (12, "c")], ["00762", "00230", "08390"]),
    "IE": (22, [(4, "a"), (14, "n")], ["AIBK", "BOFI", "IPBS"]),
    "PL": (28, [(24, "n")], ["10901014", "11602202", "24901044"]),
    "PT": (25, [(21, "n")], ["00020123", "00350651"]),
    "SE": (24, [(20, "n")], ["500", "800", "600"]),
    "DK": (18, [(14, "n")], []),
    "FI": (18, [(14, "n")], []),
    "NO": (15, [(11, "n")], []),
    "LU": (20, [(3, "n"), (13, "c")], []),
    "CZ": (24, [(20, "n")], ["0800", "0100", "2010"]),
    "SK": (24, [(20, "n")], []),
    "HU": (28, [(24, "n")], []),
    "RO": (24, [(4, "a"), (16, "c")], ["RNCB", "BTRL", "INGB"]),
    "GR": (27, [(7, "n"), (16, "c")], []),
    "HR": (21, [(17, "n")], []),
    "SI": (19, [(15, "n")], []),
    "LT": (20, [(16, "n")], []),
    "EE": (20, [(16, "n")], []),
    "MT": (31, [(4, "a"), (5, "n"), (18, "c")], ["MALT", "VALL"]),
    "CY": (28, [(8, "n"), (16, "c")], []),
    "SA": (24, [(2, "n"), (18, "c")], []),
    "AE": (23, [(19, "n")], []),
    "TR": (26, [(5, "n"), (1, "n"), (16, "c")], []),
    "IL": (23, [(19, "n")], []),
}
IBAN_WEIGHTS = [(c, 6 if c in ("DE", "GB", "FR", "ES", "NL", "IT") else 2) for c in IBAN_PLANS]


def iban_check(cc, bban):
    s = "".join(str(int(ch, 36)) for ch in bban + cc + "00")
    return f"{98 - int(s) % 97:02d}"


def _run(rng, count, cls):
    if cls == "n":
        return digits(rng, count)
    if cls == "a":
        return "".join(rng.choice(string.ascii_uppercase) for _ in range(count))
    # c: mostly digits, as real account fields are
    return "".join(rng.choice(string.ascii_uppercase) if rng.random() < 0.15
                   else rng.choice(DIGITS) for _ in range(count))


def iban(rng, cc=None, layout=None):
    cc = cc or pick(rng, IBAN_WEIGHTS)
    length, runs, banks = IBAN_PLANS[cc]
    bban = "".join(_run(rng, n, k) for n, k in runs)
    if banks and rng.random() < 0.8:
        b = rng.choice(banks)
        bban = b + bban[len(b):]
    assert len(bban) + 4 == length, cc
    compact = cc + iban_check(cc, bban) + bban
    layout = layout or pick(rng, [("compact", 5), ("groups", 5)])
    if layout == "compact":
        return compact
    return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))


# ----------------------------------------------------------- NHS and NPI
def nhs(rng, layout=None):
    while True:
        nine = rng.choice("4444666777") + digits(rng, 8)
        c = nhs_check_digit(nine)
        if c is None:
            continue
        ds = nine + str(c)
        if not clash([ds], "uk_nhs"):
            break
    layout = layout or pick(rng, [("space", 6), ("dash", 2), ("compact", 2)])
    return nhs_layout(ds, layout)


def nhs_layout(ds, layout):
    """Ten digits as an NHS number is printed: 3-3-4 with spaces or dashes, or compact."""
    if layout == "compact":
        return ds
    sep = " " if layout == "space" else "-"
    return ds[:3] + sep + ds[3:6] + sep + ds[6:]


def npi(rng):
    while True:
        ds = luhn_complete("80840" + rng.choice("1111112") + digits(rng, 8))[5:]
        if not clash([ds], "us_npi"):
            return ds


# -------------------------------------------------------------------- email
def email(rng, first, last, domain):
    f = ascii_fold(first).lower()
    l = ascii_fold(last).lower().replace(" ", "").replace("'", "")
    local = pick(rng, [
        (f"{f}.{l}", 8), (f"{f[0]}{l}", 4), (f"{f}{rng.randint(1, 99)}", 2),
        (f"{f}_{l}", 2), (f"{l}.{f[0]}", 1), (f"{f}.{l}+{rng.choice(['billing', 'hr', 'tickets', 'spam'])}", 1),
        (f"{f[0]}.{l}-{rng.randint(2, 9)}", 1), (f"{f}", 2),
    ])
    addr = f"{local}@{domain}"
    return addr.upper() if rng.random() < 0.03 else addr


def role_email(rng, domain):
    return rng.choice(["billing", "support", "accounts.payable", "it-helpdesk", "noreply",
                       "privacy", "ops", "security", "hr.onboarding", "referrals"]) + "@" + domain


# ----------------------------------------------------------------- IP addrs
PUBLIC_FIRST = [3, 8, 13, 18, 23, 31, 34, 35, 37, 44, 46, 50, 52, 54, 62, 66, 68, 72, 78, 80,
                81, 82, 85, 86, 88, 91, 93, 95, 98, 104, 107, 109, 130, 137, 141, 146, 151,
                157, 162, 173, 176, 178, 185, 188, 193, 194, 195, 199, 204, 207, 209, 212, 213, 217]


def ipv4(rng, kind=None):
    kind = kind or pick(rng, [("public", 6), ("p10", 2), ("p192", 2), ("p172", 1), ("doc", 1), ("cgnat", 1)])
    r = rng.randint
    if kind == "public":
        a = [rng.choice(PUBLIC_FIRST), r(0, 255), r(0, 255), r(1, 254)]
    elif kind == "p10":
        a = [10, r(0, 255), r(0, 255), r(1, 254)]
    elif kind == "p192":
        a = [192, 168, r(0, 20) if rng.random() < 0.7 else r(0, 255), r(2, 254)]
    elif kind == "p172":
        a = [172, r(16, 31), r(0, 255), r(1, 254)]
    elif kind == "cgnat":
        a = [100, r(64, 127), r(0, 255), r(1, 254)]
    else:
        a = list(rng.choice([(192, 0, 2), (198, 51, 100), (203, 0, 113)])) + [r(1, 254)]
    return ".".join(map(str, a))


V6_PREFIXES = [("2001:db8", 4), ("2a01:4f8", 2), ("2a00:1450", 2), ("2606:4700", 2),
               ("2600:1f18", 2), ("2001:4860", 1), ("2a02:26f0", 1), ("2400:cb00", 1),
               ("2c0f:fb50", 1), ("2a03:2880", 1), ("fe80", 2), ("fd", 2)]


def ipv6(rng, style=None):
    pre = pick(rng, V6_PREFIXES)
    h = lambda: rng.randint(0, 0xFFFF)
    if pre == "fe80":
        groups = [0xFE80, 0, 0, 0] + [h() for _ in range(4)]
    elif pre == "fd":
        groups = [0xFD00 | rng.randint(0, 0xFF), h(), h(), rng.randint(0, 0xFF)] + [h() for _ in range(4)]
    else:
        groups = [int(x, 16) for x in pre.split(":")]
        groups += [rng.choice([0, rng.randint(1, 0xFFF), h()]) for _ in range(2)]
        iid = pick(rng, [("rand", 5), ("low", 3), ("eui", 1)])
        if iid == "low":          # e.g. ...::1a or ...::5:2
            groups += [0, 0, rng.choice([0, rng.randint(1, 9)]), rng.randint(1, 0x3FF)]
        elif iid == "eui":        # EUI-64 style ...:xxff:fexx:...
            groups += [h(), (h() & 0xFF00) | 0xFF, 0xFE00 | rng.randint(0, 0xFF), h()]
        else:
            groups += [h() for _ in range(4)]
        groups = groups[:8]
    addr = ipaddress.IPv6Address(":".join(f"{g:x}" for g in groups))
    style = style or pick(rng, [("short", 14), ("full", 2), ("upper", 2), ("nozip", 2)])
    if style == "full":
        return addr.exploded
    if style == "upper":
        return addr.compressed.upper()
    if style == "nozip":
        return ":".join(f"{g:x}" for g in groups)
    return addr.compressed


# -------------------------------------------------------------------- phone
NANP_AREAS = [201, 202, 206, 212, 213, 214, 215, 216, 224, 267, 301, 303, 305, 310, 312, 313,
              314, 317, 347, 404, 408, 410, 412, 415, 416, 418, 503, 510, 512, 514, 602, 604,
              610, 612, 614, 617, 619, 630, 646, 647, 650, 678, 702, 703, 704, 713, 718, 720,
              732, 773, 781, 786, 801, 804, 813, 816, 832, 847, 857, 858, 902, 905, 917, 919,
              925, 949, 954, 972, 978]
TOLL_FREE = [800, 833, 844, 855, 866, 877, 888]


def _nanp(rng):
    area = rng.choice(TOLL_FREE) if rng.random() < 0.08 else rng.choice(NANP_AREAS)
    while True:
        ex = rng.randint(200, 999)
        if ex % 100 != 11 and ex != 555:
            break
    a, e, l = str(area), str(ex), digits(rng, 4)
    return pick(rng, [
        (f"({a}) {e}-{l}", 6), (f"{a}-{e}-{l}", 5), (f"{a}.{e}.{l}", 2), (f"+1 {a} {e} {l}", 3),
        (f"+1 ({a}) {e}-{l}", 2), (f"+1-{a}-{e}-{l}", 2), (f"1-{a}-{e}-{l}", 1), (f"+1{a}{e}{l}", 1),
    ])


def _uk(rng):
    kind = pick(rng, [("mob", 5), ("ldn", 3), ("geo", 3)])
    if kind == "mob":
        n = "7" + rng.choice("45789") + digits(rng, 8)
        return pick(rng, [(f"+44 {n[:4]} {n[4:]}", 4), (f"0{n[:4]} {n[4:]}", 5),
                          (f"0{n[:4]} {n[4:7]} {n[7:]}", 2), (f"+44 (0){n[:4]} {n[4:]}", 1)])
    if kind == "ldn":
        n = "20" + rng.choice("378") + digits(rng, 7)
        return pick(rng, [(f"+44 20 {n[2:6]} {n[6:]}", 4), (f"020 {n[2:6]} {n[6:]}", 5),
                          (f"+44 (0)20 {n[2:6]} {n[6:]}", 2), (f"(020) {n[2:6]} {n[6:]}", 1)])
    code = rng.choice(["161", "121", "131", "141", "113", "117", "114", "115", "151"])
    n = code + rng.choice("2345789") + digits(rng, 6)
    return pick(rng, [(f"0{code} {n[3:6]} {n[6:]}", 5), (f"+44 {code} {n[3:6]} {n[6:]}", 3),
                      (f"(0{code}) {n[3:6]} {n[6:]}", 2)])


def _de(rng):
    if rng.random() < 0.55:
        p = rng.choice(["151", "152", "157", "160", "162", "170", "171", "172", "175", "176", "178", "179"])
        s = digits(rng, 8 if p[:2] in ("15", "17") else 7)
        return pick(rng, [(f"+49 {p} {s}", 4), (f"0{p} {s}", 3), (f"+49 (0){p} {s}", 1), (f"0{p}-{s}", 1)])
    p, n = rng.choice([("30", 8), ("40", 8), ("89", 8), ("69", 8), ("221", 7), ("711", 7)])
    s = rng.choice("23456789") + digits(rng, n - 1)
    return pick(rng, [(f"+49 {p} {s}", 4), (f"0{p} {s}", 3), (f"+49 {p} {s[:4]} {s[4:]}", 1), (f"0{p}/{s}", 1)])


def _fr(rng):
    n = rng.choice("1234567") + digits(rng, 8) if rng.random() < 0.5 else rng.choice("67") + digits(rng, 8)
    pairs = " ".join(n[i:i + 2] for i in range(1, 9, 2))
    return pick(rng, [(f"+33 {n[0]} {pairs}", 5), (f"0{n[0]} {pairs}", 5),
                      (f"0{n[0]}.{pairs.replace(' ', '.')}", 1), (f"+33 (0){n[0]} {pairs}", 1)])


def _simple(cc, first, length, fmts):
    """Generic plan: NSN starts with one of `first`, has `length` digits; fmts
    take the NSN and return a printed form."""
    def gen(rng):
        p = rng.choice(first)
        n = p + digits(rng, length - len(p))
        return rng.choice(fmts)(n)
    return gen


PHONE_PLANS = [
    ("US", 30, _nanp), ("UK", 20, _uk), ("DE", 7, _de), ("FR", 6, _fr),
    ("ES", 4, _simple("34", ["6", "7", "91", "93", "95"], 9, [
        lambda n: f"+34 {n[:3]} {n[3:6]} {n[6:]}", lambda n: f"+34 {n[:3]} {n[3:5]} {n[5:7]} {n[7:]}"])),
    ("IT", 4, _simple("39", ["320", "328", "333", "340", "347", "349", "366", "389"], 10, [
        lambda n: f"+39 {n[:3]} {n[3:6]} {n[6:]}", lambda n: f"+39 {n[:3]} {n[3:]}"])),
    ("NL", 4, _simple("31", ["6"], 9, [
        lambda n: f"+31 6 {n[1:]}", lambda n: f"06-{n[1:]}", lambda n: f"+31 (0)6 {n[1:5]} {n[5:]}",
        lambda n: f"06 {n[1:3]} {n[3:5]} {n[5:7]} {n[7:]}"])),
    ("IE", 3, _simple("353", ["83", "85", "86", "87", "89"], 9, [
        lambda n: f"+353 {n[:2]} {n[2:5]} {n[5:]}", lambda n: f"0{n[:2]} {n[2:5]} {n[5:]}"])),
    ("AU", 4, _simple("61", ["4", "4", "2", "3", "7", "8"], 9, [
        lambda n: f"+61 {n[:3]} {n[3:6]} {n[6:]}" if n[0] == "4" else f"+61 {n[0]} {n[1:5]} {n[5:]}",
        lambda n: f"0{n[:3]} {n[3:6]} {n[6:]}" if n[0] == "4" else f"(0{n[0]}) {n[1:5]} {n[5:]}"])),
    ("IN", 4, _simple("91", ["6", "7", "8", "9"], 10, [
        lambda n: f"+91 {n[:5]} {n[5:]}", lambda n: f"+91-{n}", lambda n: f"+91 {n[:3]} {n[3:6]} {n[6:]}"])),
    ("JP", 3, _simple("81", ["90", "80", "70"], 10, [
        lambda n: f"+81 {n[:2]}-{n[2:6]}-{n[6:]}", lambda n: f"0{n[:2]}-{n[2:6]}-{n[6:]}"])),
    ("BR", 3, _simple("55", ["119", "219", "319", "419", "619", "719"], 11, [
        lambda n: f"+55 {n[:2]} {n[2:7]}-{n[7:]}", lambda n: f"+55 ({n[:2]}) {n[2:7]}-{n[7:]}"])),
    ("MX", 2, _simple("52", ["55", "33", "81"], 10, [
        lambda n: f"+52 {n[:2]} {n[2:6]} {n[6:]}", lambda n: f"+52 ({n[:2]}) {n[2:6]} {n[6:]}"])),
    ("SE", 2, _simple("46", ["70", "72", "73", "76"], 9, [
        lambda n: f"+46 {n[:2]} {n[2:5]} {n[5:7]} {n[7:]}", lambda n: f"0{n[:2]}-{n[2:5]} {n[5:7]} {n[7:]}"])),
    ("CH", 2, _simple("41", ["76", "77", "78", "79", "44"], 9, [
        lambda n: f"+41 {n[:2]} {n[2:5]} {n[5:7]} {n[7:]}", lambda n: f"0{n[:2]} {n[2:5]} {n[5:7]} {n[7:]}"])),
    ("SG", 2, _simple("65", ["8", "9", "6"], 8, [lambda n: f"+65 {n[:4]} {n[4:]}"])),
    ("ZA", 2, _simple("27", ["60", "71", "72", "76", "82", "83", "84"], 9, [
        lambda n: f"+27 {n[:2]} {n[2:5]} {n[5:]}", lambda n: f"0{n[:2]} {n[2:5]} {n[5:]}"])),
    ("PL", 2, _simple("48", ["50", "51", "53", "60", "66", "69", "72", "78", "88"], 9, [
        lambda n: f"+48 {n[:3]} {n[3:6]} {n[6:]}"])),
    ("BE", 1, _simple("32", ["470", "471", "472", "475", "477", "478", "486", "495"], 9, [
        lambda n: f"+32 {n[:3]} {n[3:5]} {n[5:7]} {n[7:]}", lambda n: f"0{n[:3]} {n[3:5]} {n[5:7]} {n[7:]}"])),
]
PHONE_BY_COUNTRY = {c: g for c, _, g in PHONE_PLANS}


def phone_readings(text):
    """Every digit string a reader might take out of a printed phone number:
    all digits, without a country code / trunk 0, and each separated run."""
    ds = only_digits(text.replace("(0)", ""))
    out = {ds, ds.lstrip("0"), only_digits(text)}
    for k in (1, 2, 3):
        out.add(ds[k:])
    return out


def phone(rng, country=None):
    gen = PHONE_BY_COUNTRY[country] if country else pick(rng, [(g, w) for _, w, g in PHONE_PLANS])
    while True:
        t = gen(rng)
        if not clash(phone_readings(t), "phone"):
            return t


# ------------------------------------------------------- cloud credentials
AWS_EXAMPLE = "AKIAIOSFODNN7EXAMPLE"


def aws_key(rng, temp=None):
    temp = rng.random() < 0.2 if temp is None else temp
    while True:
        k = ("ASIA" if temp else "AKIA") + "".join(rng.choice(B32) for _ in range(16))
        if k != AWS_EXAMPLE:
            return k


def aws_secret(rng):
    return "".join(rng.choice(string.ascii_letters + string.digits + "+/") for _ in range(40))


def base62(n, width=6):
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = BASE62[r] + out
    return out.rjust(width, "0")


def github_token(rng, prefix=None):
    prefix = prefix or pick(rng, [("ghp_", 8), ("gho_", 2), ("ghu_", 1), ("ghs_", 2), ("ghr_", 1), ("github_pat_", 3)])
    alnum = string.ascii_letters + string.digits
    if prefix == "github_pat_":
        return ("github_pat_" + "".join(rng.choice(alnum) for _ in range(22)) + "_"
                + "".join(rng.choice(alnum) for _ in range(59)))
    body = "".join(rng.choice(alnum) for _ in range(30))
    return prefix + body + base62(zlib.crc32(body.encode()))
