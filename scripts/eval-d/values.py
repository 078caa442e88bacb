"""Value generators.

Positive values return V(type, text) and are built constructively (check
digits computed, never searched for).  Hard negatives return plain str and
are built to fail the checks of every labelled type they resemble."""
import base64
import ipaddress
import string
import unicodedata
import uuid
import zlib

from common import R, V, chance, digits, pick, weighted

# ---------------------------------------------------------------- checksums


def luhn_digit(payload):
    """Check digit to append to the digit string payload."""
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_valid(s):
    return s[-1] == luhn_digit(s[:-1])


def group(s, sizes, sep):
    out, i = [], 0
    for n in sizes:
        out.append(s[i:i + n])
        i += n
    if i < len(s):
        out.append(s[i:])
    return sep.join(x for x in out if x)


# ------------------------------------------------------------- credit cards

CARD_BRANDS = [("visa", 40), ("mastercard", 28), ("amex", 11), ("discover", 8),
               ("jcb", 6), ("diners", 4), ("visa19", 3)]
BRAND_NAMES = {"visa": "Visa", "visa19": "Visa", "mastercard": "Mastercard",
               "amex": "American Express", "discover": "Discover", "jcb": "JCB",
               "diners": "Diners Club"}


def card_digits(brand):
    if brand == "visa":
        prefix, n = "4", 16
    elif brand == "visa19":
        prefix, n = "4", 19
    elif brand == "mastercard":
        prefix = str(R.randint(51, 55)) if chance(0.75) else str(R.randint(2221, 2720))
        n = 16
    elif brand == "amex":
        prefix, n = pick(["34", "37"]), 15
    elif brand == "discover":
        prefix, n = pick(["6011", str(R.randint(644, 649)), "65"]), 16
    elif brand == "jcb":
        prefix, n = str(R.randint(3528, 3589)), 16
    else:  # diners
        prefix, n = pick(["36", str(R.randint(300, 305))]), 14
    body = prefix + digits(n - 1 - len(prefix))
    return body + luhn_digit(body)


def format_card(num, sep):
    if len(num) == 15:
        return group(num, [4, 6, 5], sep)
    if len(num) == 14:
        return group(num, [4, 6, 4], sep)
    return group(num, [4, 4, 4, 4], sep)


def credit_card(brand=None, sep=None):
    brand = brand or weighted(CARD_BRANDS)
    num = card_digits(brand)
    if sep is None:
        sep = weighted([(" ", 45), ("", 35), ("-", 20)])
    return V("credit_card", format_card(num, sep))


def card_brand_of(v):
    d = v.text.replace(" ", "").replace("-", "")
    if d[0] == "4":
        return "Visa"
    if d[:2] in ("34", "37"):
        return "American Express"
    if d[:2] in ("36", "30"):
        return "Diners Club"
    if d.startswith("35"):
        return "JCB"
    if d.startswith("6"):
        return "Discover"
    return "Mastercard"


def card_expiry():
    return f"{R.randint(1, 12):02d}/{R.randint(25, 31)}"


def card_cvc():
    return digits(3)


# ------------------------------------------------------------------ e-mail

def ascii_fold(name, lang=None):
    name = name.replace("ß", "ss").replace("ł", "l").replace("Ł", "L").replace("ı", "i")
    if lang == "de":
        for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue")):
            name = name.replace(a, b)
    name = unicodedata.normalize("NFKD", name)
    name = "".join(c for c in name if not unicodedata.combining(c))
    return "".join(c for c in name if c.isalnum() or c in " -").strip()


def email_local(first, last, lang=None):
    f = ascii_fold(first, lang).lower().replace(" ", "")
    l_ = ascii_fold(last, lang).lower().replace(" ", "").replace("-", "")
    style = R.randint(0, 9)
    if style == 0:
        return f"{f}.{l_}"
    if style == 1:
        return f"{f[0]}.{l_}"
    if style == 2:
        return f"{f}{l_}{R.randint(1, 99)}"
    if style == 3:
        return f"{f}_{l_}"
    if style == 4:
        return f"{l_}.{f}"
    if style == 5:
        return f"{f}.{l_}+{pick(['shop', 'news', 'orders', 'work', 'web', 'x'])}"
    if style == 6:
        return f"{f[0]}{l_}"
    if style == 7:
        return f"{f}-{l_}"
    if style == 8:
        return f"{f}{R.randint(1960, 2004)}"
    return f"{f}.{l_}"


def email(local, domain, caps=None):
    if caps is None:
        caps = chance(0.06)
    addr = f"{local}@{domain}"
    if caps:
        local = ".".join(p[:1].upper() + p[1:] for p in local.split("."))
        addr = f"{local}@{domain[:1].upper() + domain[1:]}"
    return V("email", addr)


# --------------------------------------------------------------------- SSN

def ssn_parts():
    while True:
        area = R.randint(1, 899)
        if area != 666:
            break
    return f"{area:03d}", f"{R.randint(1, 99):02d}", f"{R.randint(1, 9999):04d}"


def us_ssn(sep=None):
    if sep is None:
        sep = weighted([("-", 65), (" ", 20), ("", 15)])
    return V("us_ssn", sep.join(ssn_parts()))


# -------------------------------------------------------------------- IBAN

IBAN_LENGTHS = {"DE": 22, "AT": 20, "CH": 21, "FR": 27, "BE": 16, "NL": 18, "ES": 24,
                "IT": 27, "PT": 25, "PL": 28, "SE": 24, "GB": 22, "IE": 22, "LU": 20,
                "DK": 18, "FI": 18}


def iban_check_digits(cc, bban):
    s = bban + cc + "00"
    n = int("".join(str(int(c, 36)) for c in s))
    return f"{98 - n % 97:02d}"


def _it_cin(abi, cab, acct):
    odd = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16,
           10, 22, 25, 24, 23]
    s = abi + cab + acct
    total = 0
    for i, ch in enumerate(s):
        v = int(ch) if ch.isdigit() else ord(ch) - 65
        total += odd[v] if i % 2 == 0 else v
    return chr(65 + total % 26)


def _es_dc(ten):
    w = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6]
    d = 11 - sum(int(c) * x for c, x in zip(ten, w)) % 11
    return {11: 0, 10: 1}.get(d, d)


def bban(cc):
    if cc == "DE":
        blz = pick(["10010010", "37040044", "50010517", "70150000", "20050550", "12030000",
                    "43060967", "76050101", "60050101", "30050110", "86055592", "25050180"])
        return blz + digits(10, True)
    if cc == "AT":
        return pick(["12000", "20111", "32000", "14000", "19043"]) + digits(11)
    if cc == "CH":
        return pick(["00762", "00235", "00700", "80808"]) + digits(12)
    if cc == "FR":
        bank = pick(["30004", "30003", "20041", "10278", "30002", "11315", "14505"])
        branch, acct = digits(5), digits(11)
        key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(acct)) % 97
        return f"{bank}{branch}{acct}{key:02d}"
    if cc == "BE":
        first = pick(["001", "068", "310", "363", "539", "731"]) + digits(7)
        chk = int(first) % 97 or 97
        return f"{first}{chk:02d}"
    if cc == "NL":
        while True:
            acct = digits(9, True)
            s = sum(int(c) * w for c, w in zip(acct, range(10, 1, -1)))
            last = (-s) % 11
            if last < 10:
                break
        return pick(["ABNA", "INGB", "RABO", "TRIO", "SNSB", "ASNB", "KNAB", "BUNQ"]) + acct + str(last)
    if cc == "ES":
        bank = pick(["2100", "0049", "0182", "0081", "2085", "0128", "1465"])
        branch, acct = digits(4), digits(10)
        return f"{bank}{branch}{_es_dc('00' + bank + branch)}{_es_dc(acct)}{acct}"
    if cc == "IT":
        abi = pick(["03069", "02008", "05034", "03062", "01030", "03111"])
        cab, acct = digits(5), digits(12)
        return _it_cin(abi, cab, acct) + abi + cab + acct
    if cc == "PT":
        nineteen = pick(["0035", "0033", "0007", "0010", "0036", "0018"]) + digits(4) + digits(11)
        chk = 98 - (int(nineteen) * 100) % 97
        return f"{nineteen}{chk:02d}"
    if cc == "PL":
        seven = pick(["1090", "1140", "1020", "1240", "1050", "1160"]) + digits(3)
        chk = (10 - sum(int(c) * w for c, w in zip(seven, [3, 9, 7, 1, 3, 9, 7])) % 10) % 10
        return seven + str(chk) + digits(16)
    if cc == "SE":
        return pick(["500", "800", "600", "300", "120", "950"]) + digits(17)
    if cc in ("GB", "IE"):
        bank = pick(["NWBK", "BARC", "LOYD", "HBUK", "MIDL"]) if cc == "GB" else pick(["AIBK", "BOFI"])
        return bank + digits(6) + digits(8)
    if cc == "LU":
        return pick(["001", "002", "003", "019"]) + digits(13)
    if cc == "DK":
        return digits(4, True) + digits(10)
    if cc == "FI":
        return digits(3, True) + digits(11)
    raise ValueError(cc)


def iban_compact(cc):
    b = bban(cc)
    out = cc + iban_check_digits(cc, b) + b
    assert len(out) == IBAN_LENGTHS[cc], (cc, out)
    return out


def iban(cc, grouped=None):
    s = iban_compact(cc)
    if grouped is None:
        grouped = chance(0.6)
    return V("iban", group(s, [4] * 8, " ") if grouped else s)


BANK_BIC = {"NWBK": "NWBKGB2L", "BARC": "BARCGB22", "LOYD": "LOYDGB2L", "HBUK": "HBUKGB4B", "MIDL": "MIDLGB22",
            "AIBK": "AIBKIE2D", "BOFI": "BOFIIE2D", "ABNA": "ABNANL2A", "INGB": "INGBNL2A", "RABO": "RABONL2U",
            "TRIO": "TRIONL2U", "SNSB": "SNSBNL2A", "ASNB": "ASNBNL21", "KNAB": "KNABNL2H", "BUNQ": "BUNQNL2A"}


def bic_for_iban(v):
    """BIC that matches the bank letters of a GB/IE/NL IBAN, else one of the country."""
    c = v.text.replace(" ", "")
    return BANK_BIC.get(c[4:8]) or pick(bic_for(c[:2]))


def bic_for(cc):
    return {
        "DE": ["COBADEFFXXX", "DEUTDEDBBER", "INGDDEFFXXX", "BYLADEM1001", "HASPDEHHXXX", "GENODEM1GLS"],
        "AT": ["BKAUATWW", "GIBAATWWXXX", "RZOOAT2L"], "CH": ["UBSWCHZH80A", "POFICHBEXXX"],
        "FR": ["BNPAFRPPXXX", "SOGEFRPP", "CRLYFRPP", "AGRIFRPP882"], "BE": ["GEBABEBB", "KREDBEBB"],
        "NL": ["ABNANL2A", "INGBNL2A", "RABONL2U"], "ES": ["CAIXESBBXXX", "BSCHESMMXXX", "BBVAESMMXXX"],
        "IT": ["BCITITMM", "UNCRITMMXXX", "BAPPIT21"], "PT": ["CGDIPTPL", "BCOMPTPL", "TOTAPTPL"],
        "PL": ["PKOPPLPW", "BPKOPLPW", "INGBPLPW"], "SE": ["ESSESESS", "SWEDSESS", "HANDSESS"],
        "GB": ["NWBKGB2L", "BARCGB22"], "IE": ["AIBKIE2D", "BOFIIE2D"], "LU": ["BCEELULL"],
        "DK": ["DABADKKK"], "FI": ["NDEAFIHH"],
    }[cc]


# -------------------------------------------------------------- IP addresses

def ipv4_text(kind=None):
    kind = kind or weighted([("private", 35), ("doc", 20), ("public", 45)])
    if kind == "private":
        r = R.randint(0, 2)
        if r == 0:
            return f"10.{R.randint(0, 255)}.{R.randint(0, 255)}.{R.randint(1, 254)}"
        if r == 1:
            return f"172.{R.randint(16, 31)}.{R.randint(0, 255)}.{R.randint(1, 254)}"
        return f"192.168.{pick([0, 1, 2, 10, 20, 178, 100])}.{R.randint(2, 254)}"
    if kind == "doc":
        return f"{pick(['192.0.2', '198.51.100', '203.0.113'])}.{R.randint(1, 254)}"
    while True:
        a = pick([5, 31, 37, 46, 62, 77, 78, 79, 80, 81, 82, 84, 85, 87, 88, 89, 91, 93, 94,
                  95, 109, 141, 151, 176, 178, 185, 188, 193, 194, 195, 212, 213, 217,
                  23, 34, 35, 52, 54, 64, 66, 68, 71, 73, 98, 104, 107, 162, 172, 198, 206])
        addr = f"{a}.{R.randint(0, 255)}.{R.randint(0, 255)}.{R.randint(1, 254)}"
        ip = ipaddress.IPv4Address(addr)
        if ip.is_global:
            return addr


def ipv4(kind=None):
    return V("ipv4", ipv4_text(kind))


def ipv6_text(style=None, kind=None):
    kind = kind or weighted([("doc", 35), ("global", 45), ("ula", 12), ("ll", 8)])
    if kind == "doc":
        groups = [0x2001, 0xDB8] + [0] * 6
        n = R.randint(1, 4)
    elif kind == "global":
        groups = [pick([0x2a01, 0x2a02, 0x2a00, 0x2003, 0x2600, 0x2607, 0x2804, 0x2400]),
                  R.randint(0x100, 0xffff)] + [0] * 6
        n = R.randint(2, 6)
    elif kind == "ula":
        groups = [pick([0xfd00, 0xfd12, 0xfdaa, 0xfd7e]), R.randint(0, 0xffff)] + [0] * 6
        n = R.randint(2, 5)
    else:
        groups = [0xfe80] + [0] * 7
        n = 4
    # fill n groups, leave a zero run somewhere for compression
    idx = range(4, 8) if kind == "ll" else sorted(R.sample(range(2, 8), min(n, 6)))
    for i in idx:
        groups[i] = R.randint(1, 0xffff) if chance(0.7) else R.randint(1, 0xff)
    if groups[7] == 0:
        groups[7] = R.randint(1, 0xfff)
    addr = ipaddress.IPv6Address(":".join(f"{g:x}" for g in groups))
    style = style or weighted([("compressed", 80), ("exploded", 8), ("upper", 7), ("nozeros", 5)])
    if style == "exploded":
        return addr.exploded
    if style == "upper":
        return addr.compressed.upper()
    if style == "nozeros":
        return ":".join(f"{g:x}" for g in groups)
    return addr.compressed


def ipv6(style=None, kind=None):
    return V("ipv6", ipv6_text(style, kind))


# ------------------------------------------------------------------ NHS / NPI

def nhs_digits():
    while True:
        d = [pick([4, 4, 6, 7])] + [R.randint(0, 9) for _ in range(8)]
        c = 11 - sum(x * (10 - i) for i, x in enumerate(d)) % 11
        if c == 11:
            c = 0
        if c != 10:
            return "".join(map(str, d)) + str(c)


def uk_nhs(sep=None):
    d = nhs_digits()
    if sep is None:
        sep = weighted([(" ", 60), ("", 30), ("-", 10)])
    return V("uk_nhs", group(d, [3, 3, 4], sep))


def us_npi():
    base = pick("12") + digits(8)
    return V("us_npi", base + luhn_digit("80840" + base))


# ----------------------------------------------------------------- AWS / GitHub

B32 = string.ascii_uppercase + "234567"
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
AWS_EXAMPLE_KEY = "AKIAIOSFODNN7EXAMPLE"
AWS_EXAMPLE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def aws_key(prefix=None):
    prefix = prefix or pick(["AKIA", "AKIA", "AKIA", "ASIA"])
    while True:
        k = prefix + "".join(R.choice(B32) for _ in range(16))
        if k != AWS_EXAMPLE_KEY:
            return V("aws_access_key", k)


def aws_secret():
    """Secret access key: not one of the labelled types, never labelled."""
    return "".join(R.choice(string.ascii_letters + string.digits + "+/") for _ in range(40))


def aws_session_token():
    return "IQoJb3JpZ2luX2Vj" + base64.b64encode(R.randbytes(R.randint(280, 420))).decode()


def base62(n, width):
    s = ""
    while n:
        n, r = divmod(n, 62)
        s = B62[r] + s
    return s.rjust(width, "0")


def github_token(prefix=None):
    prefix = prefix or weighted([("ghp", 45), ("gho", 12), ("ghu", 10), ("ghs", 15),
                                 ("ghr", 6), ("github_pat", 12)])
    if prefix == "github_pat":
        head = "11" + "".join(R.choice(string.ascii_uppercase + string.digits) for _ in range(9)) + \
            "0" + "".join(R.choice(B62) for _ in range(10))
        tail = "".join(R.choice(B62) for _ in range(59))
        return V("github_token", f"github_pat_{head}_{tail}")
    rnd = "".join(R.choice(B62) for _ in range(30))
    return V("github_token", f"{prefix}_{rnd}{base62(zlib.crc32(rnd.encode()), 6)}")


def github_token_bad_checksum():
    """Token-shaped but the CRC32 tail is wrong: a hard negative."""
    rnd = "".join(R.choice(B62) for _ in range(30))
    good = base62(zlib.crc32(rnd.encode()), 6)
    while True:
        tail = "".join(R.choice(B62) for _ in range(6))
        if tail != good:
            return f"ghp_{rnd}{tail}"


def github_placeholder():
    return pick(["ghp_" + "X" * 36, "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "ghp_<your-token>",
                 "ghp_YOUR_TOKEN_HERE", "${{ secrets.GITHUB_TOKEN }}", "github_pat_...",
                 "<GITHUB_TOKEN>"])


# ---------------------------------------------------------------- private keys

def _sshstr(b):
    return len(b).to_bytes(4, "big") + b


def _openssh_blob():
    pk, sk = R.randbytes(32), R.randbytes(32)
    comment = pick([b"deploy@build-01", b"ci@runner", b"jenkins@ci-2", b"ops@bastion"])
    pub = _sshstr(b"ssh-ed25519") + _sshstr(pk)
    chk = R.randbytes(4)
    priv = chk + chk + _sshstr(b"ssh-ed25519") + _sshstr(pk) + _sshstr(sk + pk) + _sshstr(comment)
    pad = 1
    while len(priv) % 8:
        priv += bytes([pad])
        pad += 1
    return (b"openssh-key-v1\0" + _sshstr(b"none") + _sshstr(b"none") + _sshstr(b"")
            + (1).to_bytes(4, "big") + _sshstr(pub) + _sshstr(priv))


def key_der(label):
    """Plausible DER (or openssh) bytes for the given PEM label."""
    if label == "RSA PRIVATE KEY":
        if chance(0.2):  # 4096-bit
            return bytes.fromhex("308209280201000282020100") + R.randbytes(2336)
        return bytes.fromhex("308204a40201000282010100") + R.randbytes(1180)
    if label == "PRIVATE KEY":
        if chance(0.25):  # PKCS#8 Ed25519
            return bytes.fromhex("302e020100300506032b657004220420") + R.randbytes(32)
        return bytes.fromhex("308204be020100300d06092a864886f70d0101010500048204a8"
                             "308204a40201000282010100") + R.randbytes(1180)
    if label == "EC PRIVATE KEY":
        return (bytes.fromhex("30770201010420") + R.randbytes(32)
                + bytes.fromhex("a00a06082a8648ce3d030107a14403420004") + R.randbytes(64))
    if label == "OPENSSH PRIVATE KEY":
        return _openssh_blob()
    raise ValueError(label)


def pem_lines(label):
    body = base64.b64encode(key_der(label)).decode()
    width = 70 if label == "OPENSSH PRIVATE KEY" else 64
    return ([f"-----BEGIN {label}-----"] + [body[i:i + width] for i in range(0, len(body), width)]
            + [f"-----END {label}-----"])


def pem_label():
    return weighted([("RSA PRIVATE KEY", 35), ("PRIVATE KEY", 30), ("EC PRIVATE KEY", 15),
                     ("OPENSSH PRIVATE KEY", 20)])


def private_key(label=None, joiner="\n"):
    """joiner '\n' = real newlines; '\\n' = JSON/Java escaped; '\n    ' = indented block."""
    return V("private_key", joiner.join(pem_lines(label or pem_label())))


def public_pem():
    """Public key or certificate block: not a private key (hard negative)."""
    kind = pick(["PUBLIC KEY", "CERTIFICATE"])
    n = 294 if kind == "PUBLIC KEY" else R.randint(900, 1300)
    body = base64.b64encode(bytes.fromhex("3082") + R.randbytes(n)).decode()
    return "\n".join([f"-----BEGIN {kind}-----"] + [body[i:i + 64] for i in range(0, len(body), 64)]
                     + [f"-----END {kind}-----"])


def placeholder_pem():
    label = pick(["RSA PRIVATE KEY", "PRIVATE KEY"])
    return f"-----BEGIN {label}-----\n{pick(['...', '<paste your key here>', '(redacted)'])}\n-----END {label}-----"


# ------------------------------------------------------------------- phones
# Each country: national formats, built from an area code (or mobile prefix)
# and random subscriber digits.


def _sub(n):
    return digits(n, True)


def phone_de(area=None, mobile=False):
    if mobile:
        pre = pick(["151", "152", "157", "160", "162", "170", "171", "172", "175", "176", "177", "178", "179"])
        sub = _sub(8 if pre.startswith("15") else pick([7, 8]))
        f = weighted([(f"0{pre} {sub}", 35), (f"+49 {pre} {sub}", 25), (f"0{pre}/{sub}", 10),
                      (f"0{pre}-{sub}", 8), (f"+49 (0){pre} {sub}", 7), (f"+49{pre}{sub}", 5),
                      (f"0{pre} {sub[:3]} {sub[3:]}", 10)])
        return f
    area = area or pick(["30", "40", "89", "221", "69", "711"])
    sub = _sub(8 if len(area) == 2 else 7)
    return weighted([(f"+49 {area} {sub}", 20), (f"0{area} {sub}", 25), (f"0{area}/{sub}", 12),
                     (f"0{area}-{sub}", 8), (f"+49 (0){area} {sub}", 8),
                     (f"+49 {area} {sub[:4]} {sub[4:]}" if len(sub) == 8 else f"+49 {area} {sub[:3]} {sub[3:]}", 12),
                     (f"0{area} {sub[:-2]}-{sub[-2:]}", 7), (f"+49{area}{sub}", 4), (f"(0{area}) {sub}", 4)])


def _pairs(s):
    return " ".join(s[i:i + 2] for i in range(0, len(s), 2))


def phone_fr(area=None, mobile=False):
    first = pick(["6", "7"]) if mobile else (area or pick(["1", "2", "3", "4", "5", "9"]))
    rest = digits(8)
    nat = "0" + first + rest
    f = weighted([(_pairs(nat), 45), ("+33 " + first + " " + _pairs(rest), 25), (".".join(nat[i:i + 2] for i in range(0, 10, 2)), 12),
                  ("+33 (0)" + first + " " + _pairs(rest), 6), (nat, 5), ("+33" + first + rest, 4),
                  ("\u00a0".join(nat[i:i + 2] for i in range(0, 10, 2)), 3)])
    return f


def phone_es(area=None, mobile=False):
    if mobile:
        n = "6" + digits(8) if chance(0.8) else "7" + pick("1234") + digits(7)
        return weighted([(f"{n[:3]} {n[3:5]} {n[5:7]} {n[7:]}", 25), (f"+34 {n[:3]} {n[3:5]} {n[5:7]} {n[7:]}", 25),
                         (f"{n[:3]} {n[3:6]} {n[6:]}", 30), (f"+34 {n[:3]} {n[3:6]} {n[6:]}", 15), (f"+34{n}", 5)])
    area = area or pick(["91", "93", "96", "95", "94"])
    n = area + digits(9 - len(area))
    if len(area) == 2:
        return weighted([(f"{n[:2]} {n[2:5]} {n[5:7]} {n[7:]}", 40), (f"+34 {n[:2]} {n[2:5]} {n[5:7]} {n[7:]}", 25),
                         (f"{n[:3]} {n[3:6]} {n[6:]}", 25), (f"+34 {n[:3]} {n[3:6]} {n[6:]}", 10)])
    return weighted([(f"{n[:3]} {n[3:5]} {n[5:7]} {n[7:]}", 50), (f"+34 {n[:3]} {n[3:6]} {n[6:]}", 50)])


def phone_nl(area=None, mobile=False):
    if mobile:
        sub = digits(8, True)
        return weighted([(f"06-{sub}", 30), (f"06 {sub[:4]} {sub[4:]}", 20), (f"+31 6 {sub[:4]} {sub[4:]}", 20),
                         (f"+31 (0)6 {sub}", 10), (f"06 {sub[:2]} {sub[2:4]} {sub[4:6]} {sub[6:]}", 10), (f"+316{sub}", 10)])
    area = area or pick(["20", "10", "70", "30", "40", "50"])
    sub = digits(9 - len(area), True)
    return weighted([(f"+31 {area} {sub[:3]} {sub[3:]}", 30), (f"0{area}-{sub[:3]} {sub[3:]}", 20),
                     (f"0{area} {sub[:3]} {sub[3:]}", 25), (f"0{area}-{sub}", 15), (f"+31 (0){area} {sub}", 10)])


def phone_it(area=None, mobile=False):
    if mobile:
        pre = pick(["320", "328", "329", "333", "334", "338", "340", "345", "347", "348", "349", "366", "380", "389", "392"])
        sub = digits(7, True)
        return weighted([(f"{pre} {sub[:3]} {sub[3:]}", 35), (f"+39 {pre} {sub[:3]} {sub[3:]}", 25),
                         (f"{pre} {sub}", 15), (f"+39 {pre} {sub}", 10), (f"{pre}/{sub}", 8), (f"+39{pre}{sub}", 7)])
    area = area or pick(["06", "02", "011", "081", "051", "055"])
    sub = digits(10 - len(area), True)
    mid = len(sub) // 2
    return weighted([(f"+39 {area} {sub[:mid]} {sub[mid:]}", 35), (f"{area} {sub[:mid]} {sub[mid:]}", 35),
                     (f"{area} {sub}", 15), (f"{area}/{sub}", 8), (f"+39 {area} {sub}", 7)])


def phone_pt(area=None, mobile=False):
    if mobile:
        n = pick(["91", "92", "93", "96"]) + digits(7)
        return weighted([(f"{n[:3]} {n[3:6]} {n[6:]}", 45), (f"+351 {n[:3]} {n[3:6]} {n[6:]}", 40), (f"+351{n}", 5), (n, 10)])
    area = area or pick(["21", "22", "239", "253", "289"])
    n = area + digits(9 - len(area), True)
    if len(area) == 2:
        return weighted([(f"+351 {n[:2]} {n[2:5]} {n[5:]}", 40), (f"{n[:2]} {n[2:5]} {n[5:]}", 40), (f"{n[:3]} {n[3:6]} {n[6:]}", 20)])
    return weighted([(f"+351 {n[:3]} {n[3:6]} {n[6:]}", 50), (f"{n[:3]} {n[3:6]} {n[6:]}", 50)])


def phone_pl(area=None, mobile=False):
    if mobile:
        n = pick(["50", "51", "53", "57", "60", "66", "69", "72", "78", "79", "88"]) + digits(7)
        return weighted([(f"{n[:3]} {n[3:6]} {n[6:]}", 40), (f"+48 {n[:3]} {n[3:6]} {n[6:]}", 35),
                         (f"{n[:3]}-{n[3:6]}-{n[6:]}", 15), (f"+48{n}", 10)])
    area = area or pick(["22", "12", "71", "61", "58", "42"])
    s = digits(7, True)
    return weighted([(f"+48 {area} {s[:3]} {s[3:5]} {s[5:]}", 40), (f"{area} {s[:3]} {s[3:5]} {s[5:]}", 35),
                     (f"({area}) {s[:3]} {s[3:5]} {s[5:]}", 15), (f"+48 {area} {s}", 10)])


def phone_sv(area=None, mobile=False):
    if mobile:
        pre = pick(["70", "72", "73", "76", "79"])
        s = digits(7)
        return weighted([(f"0{pre}-{s[:3]} {s[3:5]} {s[5:]}", 40), (f"+46 {pre} {s[:3]} {s[3:5]} {s[5:]}", 35),
                         (f"0{pre}{s}", 10), (f"0{pre} {s[:3]} {s[3:5]} {s[5:]}", 15)])
    area = area or pick(["8", "31", "40", "18", "21"])
    if area == "8":
        s = digits(8, True)
        return weighted([(f"08-{s[:3]} {s[3:6]} {s[6:]}", 40), (f"+46 8 {s[:3]} {s[3:6]} {s[6:]}", 40), (f"08-{s}", 20)])
    s = digits(7 if len(area) == 2 else 6, True)
    body = f"{s[:3]} {s[3:5]} {s[5:]}" if len(s) == 7 else f"{s[:2]} {s[2:4]} {s[4:]}"
    return weighted([(f"0{area}-{body}", 55), (f"+46 {area} {body}", 45)])


US_AREAS = ["212", "415", "312", "617", "202", "305", "512", "206", "303", "404", "646",
            "718", "213", "469", "503", "614", "720", "919", "773", "702"]


def phone_us(area=None, mobile=False):
    area = area or pick(US_AREAS)
    ex = str(R.randint(2, 9)) + digits(2)
    if ex[1:] == "11":
        ex = ex[0] + "23"
    ln = digits(4)
    return weighted([(f"({area}) {ex}-{ln}", 30), (f"{area}-{ex}-{ln}", 25), (f"{area}.{ex}.{ln}", 10),
                     (f"+1 {area} {ex} {ln}", 10), (f"+1 ({area}) {ex}-{ln}", 8), (f"1-{area}-{ex}-{ln}", 7),
                     (f"{area} {ex} {ln}", 5), (f"+1-{area}-{ex}-{ln}", 5)])


def phone_uk(area=None, mobile=False):
    if mobile:
        s = "7" + pick(["400", "700", "900", "800", "500", "311", "123", "956"]) + digits(6)
        return weighted([(f"0{s[:4]} {s[4:]}", 45), (f"+44 {s[:4]} {s[4:]}", 35), (f"+44 (0){s[:4]} {s[4:]}", 10),
                         (f"0{s[:4]} {s[4:7]} {s[7:]}", 10)])
    area = area or pick(["20", "161", "113", "117", "121", "131", "141", "1632"])
    if area == "20":
        s = pick(["7", "3", "8"]) + digits(7)
        return weighted([(f"020 {s[:4]} {s[4:]}", 50), (f"+44 20 {s[:4]} {s[4:]}", 40), (f"+44 (0)20 {s[:4]} {s[4:]}", 10)])
    n = 10 - len(area)
    s = digits(n, True)
    cut = 3 if n >= 6 else 2
    return weighted([(f"0{area} {s[:cut]} {s[cut:]}", 55), (f"+44 {area} {s[:cut]} {s[cut:]}", 45)])


def phone_ch(area=None, mobile=False):
    area = pick(["76", "78", "79"]) if mobile else (area or pick(["44", "31", "61", "22", "21"]))
    s = digits(7, True)
    return pick([f"+41 {area} {s[:3]} {s[3:5]} {s[5:]}", f"0{area} {s[:3]} {s[3:5]} {s[5:]}"])


def phone_at(area=None, mobile=False):
    if mobile:
        pre, s = pick(["664", "660", "676", "699"]), digits(7, True)
        return pick([f"+43 {pre} {s}", f"0{pre} {s}", f"0{pre}/{s}"])
    area, s = area or pick(["1", "316", "662", "512"]), digits(7, True)
    return pick([f"+43 {area} {s[:3]} {s[3:]}", f"0{area} {s}", f"+43 {area} {s}"])


def phone_be(area=None, mobile=False):
    if mobile:
        s = pick(["470", "472", "475", "477", "486", "495"]) + digits(6)
        return pick([f"0{s[:3]} {s[3:5]} {s[5:7]} {s[7:]}", f"+32 {s[:3]} {s[3:5]} {s[5:7]} {s[7:]}"])
    s = digits(7, True)
    return pick([f"+32 2 {s[:3]} {s[3:5]} {s[5:]}", f"02 {s[:3]} {s[3:5]} {s[5:]}"])


PHONE_FN = {"de": phone_de, "fr": phone_fr, "es": phone_es, "nl": phone_nl, "it": phone_it,
            "pt": phone_pt, "pl": phone_pl, "sv": phone_sv, "us": phone_us, "uk": phone_uk,
            "ch": phone_ch, "at": phone_at, "be": phone_be}


def phone(country, area=None, mobile=False):
    return V("phone", PHONE_FN[country](area=area, mobile=mobile))


def e164(v):
    """tel: URI form of a formatted phone: +CC and digits only."""
    s = v.text.replace("(0)", "")
    d = "".join(c for c in s if c.isdigit())
    if s.startswith("+"):
        return "+" + d
    return None


# ------------------------------------------------------------ hard negatives

def luhn_failing(n=16, lead=None):
    body = (lead or pick(["4", "5", "37", "6011", "35"]))
    body += digits(n - len(body) - 1)
    good = luhn_digit(body)
    return body + pick([d for d in "0123456789" if d != good])


def bad_iban(cc, grouped=True):
    s = iban_compact(cc)
    chk = s[2:4]
    while True:
        alt = f"{R.randint(2, 98):02d}"
        if alt != chk:
            break
    s = s[:2] + alt + s[4:]
    return group(s, [4] * 8, " ") if grouped else s


def bad_ssn(sep="-"):
    area = pick(["000", "666", f"9{R.randint(0, 9)}{R.randint(0, 9)}"])
    return sep.join([area, f"{R.randint(1, 99):02d}", f"{R.randint(1, 9999):04d}"])


def bad_nhs(sep=" "):
    while True:
        d = [R.randint(1, 9)] + [R.randint(0, 9) for _ in range(9)]
        c = 11 - sum(x * (10 - i) for i, x in enumerate(d[:9])) % 11
        c = 0 if c == 11 else c
        if c != d[9]:
            return group("".join(map(str, d)), [3, 3, 4], sep)


def version():
    return pick([f"{R.randint(1, 9)}.{R.randint(0, 30)}.{R.randint(0, 40)}",
                 f"v{R.randint(1, 5)}.{R.randint(0, 20)}.{R.randint(0, 9)}",
                 f"{R.randint(1, 30)}.{R.randint(0, 9)}.{R.randint(1000, 9999)}.{R.randint(1, 200)}",
                 f"{R.randint(2019, 2025)}.{R.randint(1, 12)}.{R.randint(1, 9)}",
                 f"{R.randint(1, 4)}.{R.randint(0, 9)}.{R.randint(0, 9)}-rc{R.randint(1, 4)}"])


def mac():
    sep = pick([":", "-"])
    return sep.join(f"{R.randint(0, 255):02x}" for _ in range(6)).upper() if chance(0.4) else \
        ":".join(f"{R.randint(0, 255):02x}" for _ in range(6))


def uuid4():
    return str(uuid.UUID(int=R.getrandbits(128), version=4))


def hexstr(n):
    return "".join(R.choice("0123456789abcdef") for _ in range(n))


def order_number():
    return pick([f"{R.randint(100, 999)}-{digits(7)}-{digits(7)}", f"ORD-{R.randint(2023, 2025)}-{digits(6)}",
                 f"#{digits(6, True)}", f"{digits(4, True)}-{digits(4)}", f"A{digits(9)}"])


def invoice_number(lang="en"):
    p = {"de": "RE", "fr": "FA", "es": "F", "nl": "F", "it": "FT", "pt": "FT", "pl": "FV", "sv": "F"}.get(lang, "INV")
    return pick([f"{p}-{R.randint(2023, 2025)}-{digits(5)}", f"{p}{R.randint(23, 25)}{digits(4)}",
                 f"{R.randint(2023, 2025)}/{digits(4)}", f"{p} {digits(6, True)}"])


def phone_like_order(lang):
    """Order numbers shaped like phone numbers; only the label word says otherwise."""
    if lang == "fr":
        return pick([_pairs("0" + str(R.randint(1, 9)) + digits(8)), f"{digits(3, True)} {digits(3)} {digits(4)}"])
    if lang == "de":
        return pick([f"0{digits(3, True)} {digits(7)}", f"{digits(4, True)}-{digits(6)}", f"0{digits(2, True)} {digits(4)} {digits(4)}"])
    return pick([f"{digits(3, True)} {digits(3)} {digits(3)}", f"{digits(2, True)} {digits(3)} {digits(2)} {digits(2)}",
                 f"{digits(3, True)}-{digits(3)}-{digits(4)}", f"0{digits(2, True)}-{digits(7)}"])


def tracking():
    return pick([f"1Z{''.join(R.choice(string.ascii_uppercase + string.digits) for _ in range(6))}{digits(10)}",
                 f"00340434{digits(12)}", f"JJD{digits(18)}", f"{digits(12, True)}"])


# per-country identifiers that are NOT one of the labelled types

def de_steuernummer():
    return f"{R.randint(10, 99)}/{digits(3)}/{digits(5)}"


def de_steuer_id():
    s = digits(11, True)
    return f"{s[:2]} {s[2:5]} {s[5:8]} {s[8:]}"


def de_ustid():
    return "DE" + digits(9, True)


def de_svnr():
    return f"{R.randint(10, 80)} {R.randint(1, 28):02d}{R.randint(1, 12):02d}{R.randint(50, 99)} {pick(string.ascii_uppercase)} {digits(2)}{R.randint(0, 9)}"


def de_kvnr():
    return pick(string.ascii_uppercase) + digits(9)


def fr_siret():
    while True:
        s = str(R.randint(4, 8)) + digits(12)
        s += luhn_digit(s)
        return f"{s[:3]} {s[3:6]} {s[6:9]} {s[9:]}"


def fr_tva():
    return f"FR {digits(2)} {digits(9, True)}"


def fr_nir():
    return f"{pick('12')} {R.randint(50, 99)} {R.randint(1, 12):02d} {R.randint(1, 95):02d} {digits(3)} {digits(3)} {digits(2)}"


def es_dni():
    n = R.randint(10000000, 99999999)
    return f"{n}{'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23]}"


def es_nie():
    p = pick("XYZ")
    n = R.randint(1000000, 9999999)
    return f"{p}{n}{'TRWAGMYFPDXBNJZSQVHLCKE'[int(str('XYZ'.index(p)) + str(n)) % 23]}"


def es_nss():
    return f"{R.randint(1, 52):02d}/{digits(8)}/{digits(2)}"


def nl_bsn():
    while True:
        d = [R.randint(1, 9)] + [R.randint(0, 9) for _ in range(7)]
        s = sum(x * w for x, w in zip(d, range(9, 1, -1)))
        last = s % 11
        if last < 10:
            return "".join(map(str, d)) + str(last)


def nl_kvk():
    return digits(8, True)


def nl_btw():
    return f"NL{digits(9, True)}B{R.randint(1, 99):02d}"


def it_cf():
    L = string.ascii_uppercase
    return ("".join(R.choice("BCDFGHLMNPRSTVZ") for _ in range(6)) + f"{R.randint(50, 99)}"
            + pick("ABCDEHLMPRST") + f"{R.randint(1, 71):02d}" + pick("ABCDEFGHLM") + digits(3) + pick(L))


def it_piva():
    return digits(11, True)


def pt_nif():
    while True:
        d = [pick([1, 2, 5])] + [R.randint(0, 9) for _ in range(7)]
        c = 11 - sum(x * w for x, w in zip(d, range(9, 1, -1))) % 11
        if c < 10:
            return "".join(map(str, d)) + str(c % 11 if c != 11 else 0)


def pt_niss():
    return pick("12") + digits(10)


def pl_pesel():
    return f"{R.randint(50, 99)}{R.randint(1, 12):02d}{R.randint(1, 28):02d}{digits(5)}"


def pl_nip():
    s = digits(10, True)
    return f"{s[:3]}-{s[3:6]}-{s[6:8]}-{s[8:]}"


def pl_regon():
    return digits(9, True)


def se_pnr():
    return f"{R.randint(50, 99)}{R.randint(1, 12):02d}{R.randint(1, 28):02d}-{digits(4)}"


def se_orgnr():
    return f"55{digits(4)}-{digits(4)}"


def uk_ni():
    return f"{pick(['QQ', 'AB', 'JG', 'NE', 'SK'])} {digits(2)} {digits(2)} {digits(2)} {pick('ABCD')}"


def uk_postcode():
    return pick(["LS1 4AB", "M1 2WD", "BS1 5TR", "B2 4QA", "SW1A 1AA", "EH1 3EG", "G2 8LU", "NE1 7RU", "CF10 1EP"])


def us_ein():
    return f"{R.randint(10, 98)}-{digits(7)}"


def aba_routing():
    while True:
        d = [R.randint(0, 3)] + [R.randint(0, 9) for _ in range(7)]
        s = sum(x * w for x, w in zip(d, [3, 7, 1, 3, 7, 1, 3, 7]))
        c = (10 - s % 10) % 10
        return "".join(map(str, d)) + str(c)


def dea_number():
    L = pick("ABFM") + pick(string.ascii_uppercase)
    d = [R.randint(0, 9) for _ in range(6)]
    c = (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10
    return L + "".join(map(str, d)) + str(c)


def npi_bad():
    base = pick("12") + digits(8)
    good = luhn_digit("80840" + base)
    return base + pick([d for d in "0123456789" if d != good])


def masked_card():
    return pick([f"**** **** **** {digits(4)}", f"XXXX-XXXX-XXXX-{digits(4)}", f"•••• {digits(4)}",
                 f"{pick(['4', '5'])}{digits(5)}******{digits(4)}"])


def masked_iban(cc):
    return f"{cc}{digits(2)} **** **** **** {digits(4)}"


def es_cif():
    return pick("ABGJ") + digits(7) + str(R.randint(0, 9))


def se_bankgiro():
    return f"{R.randint(100, 9999)}-{digits(4)}"


def uk_company():
    return digits(8, True)


def uk_vat():
    return f"GB {digits(3, True)} {digits(4)} {digits(2)}"
