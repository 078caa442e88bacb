"""Value generators and validators for the twelve sensitive types and decoys.
Standard library only. Every generator takes a random.Random and returns
(value, variant, suffix) where value is the labelled text and suffix is
unlabelled text written right after it (ports, zone ids, extensions)."""
import base64, ipaddress, string, struct, zlib

DIG = string.digits
UP = string.ascii_uppercase
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
B32 = string.ascii_uppercase + "234567"


# ---------------------------------------------------------------- validators
def luhn_ok(num):
    s = 0
    for i, ch in enumerate(reversed(num)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        s += d
    return s % 10 == 0


def luhn_digit(partial):
    for c in DIG:
        if luhn_ok(partial + c):
            return c


def nhs_ok(num):
    if len(num) != 10 or not num.isdigit():
        return False
    s = sum(int(num[i]) * (10 - i) for i in range(9))
    chk = 11 - s % 11
    if chk == 11:
        chk = 0
    return chk != 10 and chk == int(num[9])


def npi_ok(num):
    return len(num) == 10 and num.isdigit() and luhn_ok("80840" + num)


def iban_ok(s):
    s = s.replace(" ", "").upper()
    r = s[4:] + s[:4]
    n = "".join(str(int(c, 36)) for c in r)
    return int(n) % 97 == 1


def ssn_ok(d):
    a, g, s = d[:3], d[3:5], d[5:]
    return a not in ("000", "666") and a[0] != "9" and g != "00" and s != "0000"


def gh_ok(tok):
    body = tok.split("_")[-1]
    return b62(zlib.crc32(body[:-6].encode())) == body[-6:]


def b62(n):
    s = ""
    while n:
        s = B62[n % 62] + s
        n //= 62
    return s.rjust(6, "0")


def digits_only(s):
    return "".join(c for c in s if c.isdigit())


def checksum_collides(digs):
    """True when a digit string would validly be a card / NHS / NPI / SSN-ish."""
    n = len(digs)
    if 12 <= n <= 19 and luhn_ok(digs):
        return True
    if n == 10 and (nhs_ok(digs) or npi_ok(digs)):
        return True
    return False


# ---------------------------------------------------------------- credit cards
def _rand_digits(r, n):
    return "".join(r.choice(DIG) for _ in range(n))


CARD_BRANDS = [
    # name, prefix fn, length, grouping
    ("visa16", lambda r: "4", 16, (4, 4, 4, 4)),
    ("visa13", lambda r: "4", 13, (4, 3, 3, 3)),
    ("visa19", lambda r: "4", 19, (4, 4, 4, 4, 3)),
    ("mc5", lambda r: str(r.randint(51, 55)), 16, (4, 4, 4, 4)),
    ("mc2", lambda r: str(r.randint(2221, 2720)), 16, (4, 4, 4, 4)),
    ("amex", lambda r: r.choice(["34", "37"]), 15, (4, 6, 5)),
    ("discover", lambda r: r.choice(["6011", str(r.randint(644, 649)), "65"]), 16, (4, 4, 4, 4)),
    ("jcb", lambda r: str(r.randint(3528, 3589)), 16, (4, 4, 4, 4)),
    ("diners", lambda r: r.choice([str(r.randint(300, 305)), "36", "38", "39"]), 14, (4, 6, 4)),
    ("unionpay16", lambda r: "62" + r.choice(["12", "22", "40", "58", "84"]), 16, (4, 4, 4, 4)),
    ("unionpay19", lambda r: "62" + r.choice(["12", "22", "40", "58", "84"]), 19, (4, 4, 4, 4, 3)),
    ("maestro16", lambda r: r.choice(["5018", "5020", "5038", "6304", "6759", "6761", "6762", "6763"]), 16, (4, 4, 4, 4)),
    ("maestro19", lambda r: r.choice(["5018", "5020", "6304", "6759"]), 19, (4, 4, 4, 4, 3)),
]


def card_number(r, brand=None):
    b = brand or r.choice(CARD_BRANDS)
    while True:
        p = b[1](r)
        body = p + _rand_digits(r, b[2] - len(p) - 1)
        num = body + luhn_digit(body)
        if len(set(num)) > 4:
            return num, b


def group(num, groups, sep):
    out, i = [], 0
    for g in groups:
        out.append(num[i:i + g])
        i += g
    if i < len(num):
        out.append(num[i:])
    return sep.join(x for x in out if x)


def gen_credit_card(r, sep=None):
    num, b = card_number(r)
    if sep is None:
        sep = r.choice([" ", " ", "-", "", ""])
    return group(num, b[3], sep), f"{b[0]}/sep={sep!r}", ""


# ---------------------------------------------------------------- SSN
def ssn_digits(r):
    while True:
        a = r.randint(1, 899)
        if a == 666:
            continue
        d = f"{a:03d}{r.randint(1, 99):02d}{r.randint(1, 9999):04d}"
        if d not in ("078051120", "219099999", "123456789"):
            return d


def fmt_ssn(d, sep):
    return f"{d[:3]}{sep}{d[3:5]}{sep}{d[5:]}"


def gen_us_ssn(r, sep=None):
    d = ssn_digits(r)
    if sep is None:
        sep = r.choice(["-", "-", "-", " ", ""])
    return fmt_ssn(d, sep), f"sep={sep!r}", ""


# ---------------------------------------------------------------- IBAN
IBAN_SPECS = {
    "AD": "4n4n12c", "AE": "3n16n", "AT": "5n11n", "BA": "16n", "BE": "12n", "BG": "4a4n2n8c",
    "BH": "4a14c", "BR": "8n5n10n1a1c", "CH": "5n12c", "CY": "3n5n16c", "CZ": "20n", "DE": "18n",
    "DK": "14n", "EE": "16n", "ES": "20n", "FI": "14n", "FR": "5n5n11c2n", "GB": "4a14n", "GR": "7n16c",
    "HR": "17n", "HU": "24n", "IE": "4a14n", "IL": "19n", "IS": "22n", "IT": "1a10n12c", "KW": "4a22c",
    "KZ": "3n13c", "LI": "5n12c", "LT": "16n", "LU": "3n13c", "LV": "4a13c", "MC": "5n5n11c2n",
    "MT": "4a5n18c", "MU": "4a2n2n12n3n3a", "NL": "4a10n", "NO": "11n", "PK": "4a16c", "PL": "24n",
    "PT": "21n", "QA": "4a21c", "RO": "4a16c", "RS": "18n", "SA": "2n18c", "SE": "20n", "SI": "15n",
    "SK": "20n", "SM": "1a10n12c", "TN": "20n", "TR": "5n1n16c", "UA": "6n19c", "GE": "2a16n",
    "JO": "4a4n18c",
}
BANK_CODES = {"GB": ["NWBK", "BARC", "LOYD", "MIDL", "HBUK", "MONZ", "SRLG"], "NL": ["ABNA", "RABO", "INGB", "TRIO", "KNAB"],
              "IE": ["AIBK", "BOFI", "IPBS"], "RO": ["BTRL", "RNCB", "BRDE"], "LV": ["HABA", "PARX"], "MT": ["MALT", "VALL"],
              "BG": ["BNBG", "UNCR"], "PK": ["SCBL", "HABB"], "QA": ["QNBA", "DOHB"], "KW": ["CBKU", "NBOK"],
              "BH": ["BMAG", "NBOB"], "MU": ["BOMM", "MCBL"], "JO": ["CBJO", "ARAB"], "GE": ["NB", "TB"]}


def iban_check(cc, bban):
    r = bban + cc + "00"
    n = int("".join(str(int(c, 36)) for c in r))
    return f"{98 - n % 97:02d}"


def iban_raw(r, cc=None):
    cc = cc or r.choice(list(IBAN_SPECS))
    spec = IBAN_SPECS[cc]
    import re
    parts = re.findall(r"(\d+)([nac])", spec)
    bban = ""
    first_alpha = True
    for n, k in parts:
        n = int(n)
        if k == "n":
            bban += _rand_digits(r, n)
        elif k == "a":
            if first_alpha and cc in BANK_CODES and len(bban) == 0 and len(BANK_CODES[cc][0]) == n:
                bban += r.choice(BANK_CODES[cc])
            else:
                bban += "".join(r.choice(UP) for _ in range(n))
            first_alpha = False
        else:
            bban += "".join(r.choice(DIG) if r.random() < 0.85 else r.choice(UP) for _ in range(n))
    if cc == "BE":
        x = int(bban[:10]) % 97
        bban = bban[:10] + f"{x if x else 97:02d}"
    return cc, bban


def iban_format(s, layout):
    if layout == "grouped":
        return " ".join(s[i:i + 4] for i in range(0, len(s), 4))
    if layout == "lower":
        return s.lower()
    if layout == "lower-grouped":
        return " ".join(s[i:i + 4] for i in range(0, len(s), 4)).lower()
    return s


def gen_iban(r, layout=None):
    cc, bban = iban_raw(r)
    s = cc + iban_check(cc, bban) + bban
    assert iban_ok(s), s
    layout = layout or r.choice(["compact", "compact", "grouped", "grouped", "grouped", "lower"])
    return iban_format(s, layout), f"{cc}/{layout}", ""


# ---------------------------------------------------------------- IPv4
def gen_ipv4(r, kind=None):
    kind = kind or r.choice(["public"] * 6 + ["rfc1918"] * 3 + ["doc", "cgnat", "loopback"])
    if kind == "public":
        while True:
            a = r.randint(1, 223)
            if a not in (10, 127, 100, 169, 172, 192, 198, 203, 0):
                break
        ip = f"{a}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
    elif kind == "rfc1918":
        ip = r.choice([f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
                       f"172.{r.randint(16, 31)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
                       f"192.168.{r.randint(0, 255)}.{r.randint(1, 254)}"])
    elif kind == "doc":
        ip = r.choice(["192.0.2.", "198.51.100.", "203.0.113."]) + str(r.randint(1, 254))
    elif kind == "cgnat":
        ip = f"100.{r.randint(64, 127)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
    else:
        ip = "127.0.0.1" if r.random() < 0.7 else f"127.0.{r.randint(0, 5)}.{r.randint(1, 9)}"
    ipaddress.IPv4Address(ip)
    return ip, kind, ""


# ---------------------------------------------------------------- IPv6
ZONES = ["eth0", "en0", "wlan0", "ens192", "3", "12", "bond0"]


def gen_ipv6(r, kind=None):
    kind = kind or r.choice(["global-compressed"] * 4 + ["global-full", "global-full-nolead", "linklocal-zone", "linklocal",
                                                         "ula", "loopback", "v4mapped", "nat64", "upper", "doc"])
    suffix = ""
    if kind.startswith("global") or kind == "upper":
        pre = r.choice(["2001:4860", "2a00:1450", "2606:4700", "2600:1f18", "2a03:2880", "2c0f:fb50", "2400:cb00",
                        "2604:a880", "2a01:4f8", "2001:67c", "2803:f800", "2405:200"])
        groups = pre.split(":")
        while len(groups) < 8:
            if r.random() < 0.35 and len(groups) < 7:
                groups.append("0")
            else:
                groups.append(f"{r.randint(0, 0xffff):x}")
        a = ipaddress.IPv6Address(":".join(groups))
        if kind == "global-full":
            v = a.exploded
        elif kind == "global-full-nolead":
            v = ":".join(f"{int(g, 16):x}" for g in a.exploded.split(":"))
        elif kind == "upper":
            v = a.compressed.upper()
        else:
            v = a.compressed
    elif kind.startswith("linklocal"):
        iid = [r.randint(0, 0xffff) for _ in range(4)]
        v = "fe80::" + ":".join(f"{x:x}" for x in iid)
        v = str(ipaddress.IPv6Address(v))
        if kind == "linklocal-zone":
            suffix = "%" + r.choice(ZONES)
    elif kind == "ula":
        v = str(ipaddress.IPv6Address("fd" + f"{r.randint(0, 255):02x}:{r.randint(0, 0xffff):x}:{r.randint(0, 0xffff):x}::" + f"{r.randint(1, 0xffff):x}"))
    elif kind == "loopback":
        v = r.choice(["::1", "0:0:0:0:0:0:0:1"])
    elif kind == "v4mapped":
        v = f"::ffff:{gen_ipv4(r, 'public')[0]}"
    elif kind == "nat64":
        v = f"64:ff9b::{gen_ipv4(r, 'public')[0]}"
    else:
        v = str(ipaddress.IPv6Address(f"2001:db8:{r.randint(0, 0xffff):x}::{r.randint(1, 0xffff):x}"))
    ipaddress.IPv6Address(v)
    return v, kind, suffix


# ---------------------------------------------------------------- phones
US_AREAS = ["212", "310", "415", "617", "312", "206", "512", "303", "404", "713", "646", "917", "202", "305", "702",
            "503", "614", "919", "720", "408", "469", "248", "571", "843", "267", "651", "208"]


def us_nsn(r):
    while True:
        ex = r.randint(200, 999)
        if ex % 100 == 11 or ex == 555 or ex == 950 or ex == 958 or ex == 959:
            continue
        line = f"{r.randint(0, 9999):04d}"
        d = r.choice(US_AREAS) + str(ex) + line
        if not checksum_collides(d) and len(set(line)) > 1:
            return d


US_FMTS = [
    ("paren", lambda a, e, l: f"({a}) {e}-{l}"),
    ("paren-nospace", lambda a, e, l: f"({a}){e}-{l}"),
    ("dash", lambda a, e, l: f"{a}-{e}-{l}"),
    ("dot", lambda a, e, l: f"{a}.{e}.{l}"),
    ("space", lambda a, e, l: f"{a} {e} {l}"),
    ("+1 space", lambda a, e, l: f"+1 {a} {e} {l}"),
    ("+1-dash", lambda a, e, l: f"+1-{a}-{e}-{l}"),
    ("1-dash", lambda a, e, l: f"1-{a}-{e}-{l}"),
    ("+1 paren", lambda a, e, l: f"+1 ({a}) {e}-{l}"),
    ("1 paren", lambda a, e, l: f"1 ({a}) {e}-{l}"),
    ("+1.dot", lambda a, e, l: f"+1.{a}.{e}.{l}"),
    ("e164", lambda a, e, l: f"+1{a}{e}{l}"),
    ("compact10", lambda a, e, l: f"{a}{e}{l}"),
]


def _d(r, n):
    return _rand_digits(r, n)


INTL = [
    ("uk-e164-london", lambda r: f"+44 20 {r.choice('378')}{_d(r, 3)} {_d(r, 4)}"),
    ("uk-nat-london", lambda r: f"020 {r.choice('378')}{_d(r, 3)} {_d(r, 4)}"),
    ("uk-intl-0", lambda r: f"+44 (0)20 {r.choice('378')}{_d(r, 3)} {_d(r, 4)}"),
    ("uk-mobile-nat", lambda r: f"07{r.choice(['911', '822', '403', '534', '958'])} {_d(r, 6)}"),
    ("uk-mobile-e164", lambda r: f"+44 7{r.choice(['911', '822', '403', '534', '958'])} {_d(r, 3)} {_d(r, 3)}"),
    ("uk-manchester", lambda r: f"0161 {r.choice('2345678')}{_d(r, 2)} {_d(r, 4)}"),
    ("de-e164", lambda r: f"+49 30 {r.choice('2345678')}{_d(r, 7)}"),
    ("de-nat", lambda r: f"030 {r.choice('2345678')}{_d(r, 3)} {_d(r, 4)}"),
    ("de-mobile", lambda r: f"+49 15{r.choice('1279')} {_d(r, 8)}"),
    ("de-mobile-nat", lambda r: f"0171 {_d(r, 7)}"),
    ("de-slash", lambda r: f"089/{r.choice('2345678')}{_d(r, 6)}"),
    ("fr-e164", lambda r: f"+33 1 {_d(r, 2)} {_d(r, 2)} {_d(r, 2)} {_d(r, 2)}"),
    ("fr-nat", lambda r: f"0{r.choice('12345')} {_d(r, 2)} {_d(r, 2)} {_d(r, 2)} {_d(r, 2)}"),
    ("fr-mobile-nat", lambda r: f"06 {_d(r, 2)} {_d(r, 2)} {_d(r, 2)} {_d(r, 2)}"),
    ("fr-mobile-dots", lambda r: f"07.{_d(r, 2)}.{_d(r, 2)}.{_d(r, 2)}.{_d(r, 2)}"),
    ("in-mobile", lambda r: f"+91 9{_d(r, 4)} {_d(r, 5)}"),
    ("in-mobile-dash", lambda r: f"+91-9{_d(r, 9)}"),
    ("in-landline", lambda r: f"+91 22 2{_d(r, 3)} {_d(r, 4)}"),
    ("au-e164", lambda r: f"+61 2 9{_d(r, 3)} {_d(r, 4)}"),
    ("au-nat", lambda r: f"(02) 9{_d(r, 3)} {_d(r, 4)}"),
    ("au-mobile", lambda r: f"04{_d(r, 2)} {_d(r, 3)} {_d(r, 3)}"),
    ("au-mobile-e164", lambda r: f"+61 4{_d(r, 2)} {_d(r, 3)} {_d(r, 3)}"),
    ("jp-e164", lambda r: f"+81 3-{_d(r, 4)}-{_d(r, 4)}"),
    ("jp-nat", lambda r: f"03-{_d(r, 4)}-{_d(r, 4)}"),
    ("jp-mobile", lambda r: f"090-{_d(r, 4)}-{_d(r, 4)}"),
    ("br-mobile", lambda r: f"+55 11 9{_d(r, 4)}-{_d(r, 4)}"),
    ("br-nat", lambda r: f"(11) 9{_d(r, 4)}-{_d(r, 4)}"),
    ("br-land", lambda r: f"+55 (21) 2{_d(r, 3)}-{_d(r, 4)}"),
    ("es", lambda r: f"+34 6{_d(r, 2)} {_d(r, 2)} {_d(r, 2)} {_d(r, 2)}"),
    ("it", lambda r: f"+39 06 {_d(r, 4)} {_d(r, 4)}"),
    ("mx", lambda r: f"+52 55 {_d(r, 4)} {_d(r, 4)}"),
    ("cn", lambda r: f"+86 13{_d(r, 1)} {_d(r, 4)} {_d(r, 4)}"),
    ("nl", lambda r: f"+31 20 {_d(r, 3)} {_d(r, 4)}"),
    ("sg", lambda r: f"+65 6{_d(r, 3)} {_d(r, 4)}"),
    ("za", lambda r: f"+27 21 {_d(r, 3)} {_d(r, 4)}"),
    ("e164-compact", lambda r: r.choice([f"+44791{_d(r, 7)}", f"+4915{r.choice('127')}{_d(r, 8)}", f"+336{_d(r, 8)}",
                                         f"+8190{_d(r, 8)}", f"+614{_d(r, 8)}", f"+55119{_d(r, 8)}", f"+919{_d(r, 9)}"])),
    ("e164-00", lambda r: f"0049 30 {r.choice('2345678')}{_d(r, 7)}"),
]


def gen_phone(r, region=None):
    region = region or ("us" if r.random() < 0.55 else "intl")
    suffix = ""
    if region == "us":
        d = us_nsn(r)
        name, f = r.choice(US_FMTS)
        v = f(d[:3], d[3:6], d[6:])
        var = "us/" + name
        if r.random() < 0.15:
            suffix = r.choice([f" x{r.randint(10, 9999)}", f" ext. {r.randint(10, 999)}", f" ext {r.randint(100, 9999)}",
                               f" Ext.{r.randint(10, 99)}"])
            var += "+ext"
    else:
        while True:
            name, f = r.choice(INTL)
            v = f(r)
            if not checksum_collides(digits_only(v)):
                break
        var = "intl/" + name
    return v, var, suffix


# ---------------------------------------------------------------- AWS
def gen_aws_access_key(r, prefix=None):
    p = prefix or r.choice(["AKIA"] * 4 + ["ASIA"] * 2)
    while True:
        body = "".join(r.choice(B32) for _ in range(16))
        if sum(c.isdigit() for c in body) >= 2:
            return p + body, p, ""


# ---------------------------------------------------------------- GitHub
def gh_classic(r, prefix):
    body = "".join(r.choice(B62) for _ in range(30))
    return f"{prefix}_{body}{b62(zlib.crc32(body.encode()))}"


def gen_github_token(r, kind=None):
    kind = kind or r.choice(["ghp", "ghp", "ghp", "gho", "ghu", "ghs", "ghs", "ghr", "github_pat"])
    if kind == "github_pat":
        t = "github_pat_11" + "".join(r.choice(UP + DIG) for _ in range(20)) + "_" + "".join(r.choice(B62) for _ in range(59))
    else:
        t = gh_classic(r, kind)
        assert gh_ok(t)
    return t, kind, ""


# ---------------------------------------------------------------- NHS / NPI
def gen_nhs_digits(r):
    while True:
        first = r.choice("467")
        nine = first + _rand_digits(r, 8)
        s = sum(int(nine[i]) * (10 - i) for i in range(9))
        c = 11 - s % 11
        if c == 11:
            c = 0
        if c == 10:
            continue
        n = nine + str(c)
        assert nhs_ok(n)
        if not npi_ok(n) and not luhn_ok(n):
            return n


def fmt_334(d, sep):
    return f"{d[:3]}{sep}{d[3:6]}{sep}{d[6:]}"


def gen_uk_nhs(r, sep=None):
    d = gen_nhs_digits(r)
    sep = sep if sep is not None else r.choice([" ", " ", " ", "", "-"])
    return fmt_334(d, sep), f"sep={sep!r}", ""


def gen_npi_digits(r):
    while True:
        nine = r.choice("12") + _rand_digits(r, 8)
        n = nine + luhn_digit("80840" + nine)
        assert npi_ok(n)
        if not nhs_ok(n):
            return n


def gen_us_npi(r):
    return gen_npi_digits(r), "compact", ""


# ---------------------------------------------------------------- email
FIRST = ["james", "maria", "wei", "aisha", "oliver", "sofia", "raj", "yuki", "liam", "chloe", "mateo", "fatima",
         "noah", "elena", "kwame", "ingrid", "diego", "hana", "tomasz", "priya", "sean", "amelie", "omar", "zoe"]
LAST = ["smith", "garcia", "chen", "okafor", "nguyen", "muller", "patel", "rossi", "kowalski", "obrien", "tanaka",
        "silva", "haddad", "johansson", "dubois", "kim", "mendes", "novak", "fischer", "walsh"]
DOMAINS = ["gmail.com", "outlook.com", "yahoo.co.uk", "protonmail.ch", "acme-corp.com", "northwind.io", "contoso.org",
           "globex.net", "initech.co", "hooli.xyz", "mail.umbrella-health.org", "fastmail.fm", "web.de", "orange.fr",
           "stanford.edu", "nhs.net", "uni-heidelberg.de", "company.com.au", "example.com", "hospital.example.org",
           "sub.dept.bigbank.co.jp", "icloud.com", "zoho.in", "t-online.de"]


def gen_email(r, kind=None):
    f, l = r.choice(FIRST), r.choice(LAST)
    kind = kind or r.choice(["first.last", "first.last", "flast", "first_last", "plus", "digits", "upper", "role",
                             "hyphen", "subdomain", "longtld"])
    dom = r.choice(DOMAINS)
    if kind == "first.last":
        loc = f"{f}.{l}"
    elif kind == "flast":
        loc = f"{f[0]}{l}"
    elif kind == "first_last":
        loc = f"{f}_{l}"
    elif kind == "plus":
        loc = f"{f}.{l}+{r.choice(['billing', 'news', 'github', 'test1'])}"
    elif kind == "digits":
        loc = f"{f}{r.randint(1, 9999)}"
    elif kind == "upper":
        loc = f"{f.capitalize()}.{l.capitalize()}"
        dom = dom.upper() if r.random() < 0.4 else dom
    elif kind == "role":
        loc = r.choice(["support", "billing", "hr-team", "noreply", "security", "dpo", "accounts.payable"])
    elif kind == "hyphen":
        loc = f"{f}-{l}"
    elif kind == "subdomain":
        loc = f"{f}.{l}"
        dom = r.choice(["eng.corp.acme-corp.com", "mail.ox.ac.uk", "mx1.dept.example.gov", "research.lab.globex.net"])
    else:
        loc = f"{f}{l[0]}"
        dom = r.choice(["studio.design", "kanzlei-weber.legal", "clinic.health", "foo.technology", "abc.museum"])
    return f"{loc}@{dom}", kind, ""


# ---------------------------------------------------------------- private keys
def _der_len(n):
    if n < 128:
        return bytes([n])
    if n < 256:
        return b"\x81" + bytes([n])
    return b"\x82" + struct.pack(">H", n)


def _tlv(tag, content):
    return bytes([tag]) + _der_len(len(content)) + content


def _int(r, nbytes):
    b = bytes([r.randint(0x80, 0xff)]) + bytes(r.randint(0, 255) for _ in range(nbytes - 1))
    return _tlv(0x02, b"\x00" + b)


def _rb(r, n):
    return bytes(r.randint(0, 255) for _ in range(n))


def rsa_pkcs1(r, bits=2048):
    n = bits // 8
    h = n // 2
    body = (_tlv(0x02, b"\x00") + _int(r, n) + _tlv(0x02, b"\x01\x00\x01") + _int(r, n) + _int(r, h) + _int(r, h)
            + _int(r, h) + _int(r, h) + _int(r, h))
    return _tlv(0x30, body)


RSA_OID = bytes.fromhex("300d06092a864886f70d0101010500")
EC_OID = bytes.fromhex("301306072a8648ce3d020106082a8648ce3d030107")


def ec_sec1(r):
    return _tlv(0x30, _tlv(0x02, b"\x01") + _tlv(0x04, _rb(r, 32)) + bytes.fromhex("a00a06082a8648ce3d030107")
                + _tlv(0xa1, _tlv(0x03, b"\x00\x04" + _rb(r, 64))))


def pkcs8_rsa(r, bits=2048):
    return _tlv(0x30, _tlv(0x02, b"\x00") + RSA_OID + _tlv(0x04, rsa_pkcs1(r, bits)))


def pkcs8_ec(r):
    inner = _tlv(0x30, _tlv(0x02, b"\x01") + _tlv(0x04, _rb(r, 32)) + _tlv(0xa1, _tlv(0x03, b"\x00\x04" + _rb(r, 64))))
    return _tlv(0x30, _tlv(0x02, b"\x00") + EC_OID + _tlv(0x04, inner))


def pkcs8_ed25519(r):
    return _tlv(0x30, _tlv(0x02, b"\x00") + bytes.fromhex("300506032b6570") + _tlv(0x04, _tlv(0x04, _rb(r, 32))))


def pkcs8_encrypted(r):
    alg = bytes.fromhex("304e06092a864886f70d01050d3041302906092a864886f70d01050c301c0408") + _rb(r, 8) + \
        bytes.fromhex("020208003014") + bytes.fromhex("06082a864886f70d0307") + _tlv(0x04, _rb(r, 8))
    return _tlv(0x30, alg + _tlv(0x04, _rb(r, 1224)))


def _sshstr(b):
    return struct.pack(">I", len(b)) + b


def openssh_ed25519(r):
    pub = _sshstr(b"ssh-ed25519") + _sshstr(_rb(r, 32))
    chk = _rb(r, 4)
    priv = chk + chk + pub + _sshstr(_rb(r, 64)) + _sshstr(b"deploy@build-01")
    priv += bytes(range(1, 8 - len(priv) % 8 + 1)) if len(priv) % 8 else b""
    return b"openssh-key-v1\x00" + _sshstr(b"none") + _sshstr(b"none") + _sshstr(b"") + struct.pack(">I", 1) + \
        _sshstr(pub) + _sshstr(priv)


def openssh_rsa(r):
    pub = _sshstr(b"ssh-rsa") + _sshstr(b"\x01\x00\x01") + _sshstr(b"\x00" + _rb(r, 384))
    chk = _rb(r, 4)
    priv = chk + chk + _sshstr(b"ssh-rsa") + _sshstr(b"\x00" + _rb(r, 384)) + _sshstr(b"\x01\x00\x01") + \
        _sshstr(_rb(r, 384)) + _sshstr(_rb(r, 193)) + _sshstr(_rb(r, 193)) + _sshstr(_rb(r, 193)) + _sshstr(b"ops@bastion")
    priv += bytes(range(1, 8 - len(priv) % 8 + 1)) if len(priv) % 8 else b""
    return b"openssh-key-v1\x00" + _sshstr(b"none") + _sshstr(b"none") + _sshstr(b"") + struct.pack(">I", 1) + \
        _sshstr(pub) + _sshstr(priv)


def wrap(b64, width):
    return [b64[i:i + width] for i in range(0, len(b64), width)]


def crc24(data):
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def gen_private_key_lines(r, kind=None):
    """Return (list_of_lines, kind). Lines without terminators."""
    kind = kind or r.choice(["rsa-pkcs1", "rsa-pkcs1", "rsa4096-pkcs1", "pkcs8-rsa", "pkcs8-rsa", "pkcs8-ec", "pkcs8-ed25519",
                             "ec", "openssh-ed25519", "openssh-rsa", "encrypted-pkcs8", "rsa-legacy-encrypted",
                             "pgp", "dsa"])
    hdr = []
    if kind == "rsa-pkcs1":
        der, label = rsa_pkcs1(r, 2048), "RSA PRIVATE KEY"
    elif kind == "rsa4096-pkcs1":
        der, label = rsa_pkcs1(r, 4096), "RSA PRIVATE KEY"
    elif kind == "pkcs8-rsa":
        der, label = pkcs8_rsa(r), "PRIVATE KEY"
    elif kind == "pkcs8-ec":
        der, label = pkcs8_ec(r), "PRIVATE KEY"
    elif kind == "pkcs8-ed25519":
        der, label = pkcs8_ed25519(r), "PRIVATE KEY"
    elif kind == "ec":
        der, label = ec_sec1(r), "EC PRIVATE KEY"
    elif kind == "openssh-ed25519":
        der, label = openssh_ed25519(r), "OPENSSH PRIVATE KEY"
    elif kind == "openssh-rsa":
        der, label = openssh_rsa(r), "OPENSSH PRIVATE KEY"
    elif kind == "encrypted-pkcs8":
        der, label = pkcs8_encrypted(r), "ENCRYPTED PRIVATE KEY"
    elif kind == "rsa-legacy-encrypted":
        der, label = _rb(r, 1192), "RSA PRIVATE KEY"
        hdr = ["Proc-Type: 4,ENCRYPTED", f"DEK-Info: AES-256-CBC,{_rb(r, 16).hex().upper()}", ""]
    elif kind == "dsa":
        der, label = _tlv(0x30, _tlv(0x02, b"\x00") + _int(r, 128) + _int(r, 20) + _int(r, 128) + _int(r, 128) + _int(r, 20)), "DSA PRIVATE KEY"
    else:
        der = bytes([0x95, 0x03, 0x98]) + b"\x04" + _rb(r, 1300)
        label = "PGP PRIVATE KEY BLOCK"
        b = base64.b64encode(der).decode()
        c = base64.b64encode(crc24(der).to_bytes(3, "big")).decode()
        hdr = (["Version: GnuPG v2", "Comment: exported by ops"] if r.random() < 0.5 else []) + [""]
        return [f"-----BEGIN {label}-----"] + hdr + wrap(b, 64) + ["=" + c, f"-----END {label}-----"], kind
    b = base64.b64encode(der).decode()
    width = 70 if kind.startswith("openssh") else 64
    return [f"-----BEGIN {label}-----"] + hdr + wrap(b, width) + [f"-----END {label}-----"], kind


def cert_lines(r, label="CERTIFICATE"):
    der = _tlv(0x30, _tlv(0x30, _rb(r, 700)) + RSA_OID + _tlv(0x03, _rb(r, 257)))
    return [f"-----BEGIN {label}-----"] + wrap(base64.b64encode(der).decode(), 64) + [f"-----END {label}-----"]


def pubkey_lines(r):
    der = _tlv(0x30, RSA_OID + _tlv(0x03, b"\x00" + _tlv(0x30, _int(r, 256) + _tlv(0x02, b"\x01\x00\x01"))))
    return ["-----BEGIN PUBLIC KEY-----"] + wrap(base64.b64encode(der).decode(), 64) + ["-----END PUBLIC KEY-----"]


# ---------------------------------------------------------------- decoys
def _fail(r, fn_make, ok, tries=1000):
    for _ in range(tries):
        v = fn_make()
        if not ok(v):
            return v
    raise RuntimeError("cannot make decoy")


def decoy(r, kind):
    """Return a string that must not be reported as any of the twelve types."""
    if kind == "card_luhn_fail":
        num, b = card_number(r)
        bad = num[:-1] + str((int(num[-1]) + r.randint(1, 9)) % 10)
        assert not luhn_ok(bad)
        return group(bad, b[3], r.choice([" ", "-", ""]))
    if kind == "order16":
        return _fail(r, lambda: r.choice("123456789") + _rand_digits(r, 15), lambda v: luhn_ok(v))
    if kind == "luhn_bad_iin":
        body = r.choice(["9", "0", "8"]) + _rand_digits(r, 14)
        return group(body + luhn_digit(body), (4, 4, 4, 4), r.choice([" ", ""]))
    if kind == "ssn_bad":
        a = r.choice(["000", "666", f"9{r.randint(0, 99):02d}", f"{r.randint(1, 665):03d}", f"{r.randint(1, 665):03d}"])
        if a in ("000", "666") or a[0] == "9":
            g, s = f"{r.randint(1, 99):02d}", f"{r.randint(1, 9999):04d}"
        elif r.random() < 0.5:
            g, s = "00", f"{r.randint(1, 9999):04d}"
        else:
            g, s = f"{r.randint(1, 99):02d}", "0000"
        d = a + g + s
        assert not ssn_ok(d)
        return fmt_ssn(d, r.choice(["-", "-", " "]))
    if kind == "iban_bad":
        cc, bban = iban_raw(r)
        good = iban_check(cc, bban)
        bad = f"{(int(good) + r.randint(1, 40)) % 97 + 2:02d}"
        if bad == good:
            bad = f"{(int(good) + 3) % 97 + 2:02d}"
        s = cc + bad + bban
        assert not iban_ok(s)
        return iban_format(s, r.choice(["compact", "grouped"]))
    if kind == "nhs_bad":
        return fmt_334(_fail(r, lambda: r.choice("467") + _rand_digits(r, 9),
                             lambda v: nhs_ok(v) or npi_ok(v) or luhn_ok(v)), r.choice([" ", "", "-"]))
    if kind == "npi_bad":
        return _fail(r, lambda: r.choice("12") + _rand_digits(r, 9), lambda v: nhs_ok(v) or npi_ok(v) or luhn_ok(v))
    if kind == "uuid":
        h = _rb(r, 16).hex()
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{r.choice('89ab')}{h[17:20]}-{h[20:]}"
    if kind == "sha1":
        return _rb(r, 20).hex()
    if kind == "sha256":
        return _rb(r, 32).hex()
    if kind == "md5":
        return _rb(r, 16).hex()
    if kind == "timestamp":
        return f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}" + r.choice(["Z", ".123Z", "+02:00", ""])
    if kind == "epoch":
        return _fail(r, lambda: str(r.randint(1600000000, 1760000000)), lambda v: checksum_collides(v))
    if kind == "epoch_ms":
        return _fail(r, lambda: str(r.randint(1600000000000, 1760000000000)), lambda v: checksum_collides(v))
    if kind == "version":
        return r.choice([f"v{r.randint(1, 9)}.{r.randint(0, 30)}.{r.randint(0, 300)}",
                         f"{r.randint(1, 20)}.{r.randint(0, 9)}.{r.randint(256, 999)}.{r.randint(0, 99)}",
                         f"10.0.{r.randint(17000, 22631)}.{r.randint(256, 4000)}",
                         f"{r.randint(1, 5)}.{r.randint(0, 20)}.{r.randint(0, 20)}-rc{r.randint(1, 4)}"])
    if kind == "oid":
        return "1.3.6.1.4.1." + ".".join(str(r.randint(1, 40000)) for _ in range(r.randint(2, 4)))
    if kind == "bad_ipv4":
        return f"{r.randint(256, 999)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(0, 255)}"
    if kind == "mac":
        return ":".join(f"{x:02x}" for x in _rb(r, 6))
    if kind == "ssh_fp":
        return "MD5:" + ":".join(f"{x:02x}" for x in _rb(r, 16))
    if kind == "time":
        return f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}"
    if kind == "cpp_path":
        return r.choice(["std::vector<int>", "Foo::Bar::baz()", "crate::engine::scan", "boost::asio::ip::tcp"])
    if kind == "date":
        return r.choice([f"{r.randint(1, 28):02d}/{r.randint(1, 12):02d}/{r.randint(1950, 2024)}",
                         f"{r.randint(1950, 2024)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"])
    if kind == "isbn":
        while True:
            d = "978" + _rand_digits(r, 9)
            c = (10 - sum(int(x) * (1 if i % 2 == 0 else 3) for i, x in enumerate(d)) % 10) % 10
            v = d + str(c)
            if not checksum_collides(v):
                return f"{v[:3]}-{v[3]}-{v[4:7]}-{v[7:12]}-{v[12]}"
    if kind == "money":
        return f"${r.randint(1, 999)},{r.randint(0, 999):03d},{r.randint(0, 999):03d}.{r.randint(0, 99):02d}"
    if kind == "zip4":
        return f"{r.randint(10000, 99999)}-{r.randint(1000, 9999)}"
    if kind == "ticket":
        return r.choice([f"INC{r.randint(1000000, 9999999)}", f"CASE-{r.randint(2019, 2024)}-{r.randint(10000, 99999)}",
                         f"PO#{r.randint(100000, 999999)}"])
    if kind == "aws_placeholder":
        return r.choice(["AKIAXXXXXXXXXXXXXXXX", "AKIA****************", "<AWS_ACCESS_KEY_ID>"])
    if kind == "aws_short":
        return "AKIA" + "".join(r.choice(B32) for _ in range(r.randint(8, 12)))
    if kind == "gh_bad_checksum":
        t = gh_classic(r, r.choice(["ghp", "ghs", "gho"]))
        body = t[4:]
        last = body[-1]
        t2 = t[:-1] + (B62[(B62.index(last) + r.randint(1, 60)) % 62])
        assert not gh_ok(t2)
        return t2
    if kind == "gh_placeholder":
        return r.choice(["ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "ghp_<your-token-here>", "${GITHUB_TOKEN}"])
    if kind == "bad_email":
        return r.choice(["logo@2x.png", "icon@3x.webp", "@alice", "root@localhost", "user@", "@types/node@20.11.5",
                         "admin@intranet", "@Override"])
    if kind == "lat_long":
        return f"{r.uniform(-80, 80):.6f}, {r.uniform(-170, 170):.6f}"
    if kind == "sku":
        return f"SKU-{r.randint(100, 999)}-{r.randint(1000, 9999)}-{r.choice(UP)}{r.choice(UP)}"
    if kind == "invoice":
        return f"INV-{r.randint(2019, 2024)}{r.randint(100000, 999999)}"
    raise KeyError(kind)


DECOY_KINDS = ["card_luhn_fail", "order16", "luhn_bad_iin", "ssn_bad", "iban_bad", "nhs_bad", "npi_bad", "uuid", "sha1",
               "sha256", "md5", "timestamp", "epoch", "epoch_ms", "version", "oid", "bad_ipv4", "mac", "ssh_fp", "time",
               "cpp_path", "date", "isbn", "money", "zip4", "ticket", "aws_placeholder", "aws_short", "gh_bad_checksum",
               "gh_placeholder", "bad_email", "lat_long", "sku", "invoice"]

GEN = {
    "credit_card": gen_credit_card, "email": gen_email, "us_ssn": gen_us_ssn, "iban": gen_iban, "ipv4": gen_ipv4,
    "ipv6": gen_ipv6, "phone": gen_phone, "aws_access_key": gen_aws_access_key, "github_token": gen_github_token,
    "uk_nhs": gen_uk_nhs, "us_npi": gen_us_npi,
}
