#!/usr/bin/env python3
"""eval-c: labelled test corpus for a DLP scanner.

Usage: gen.py OUT_DIR [--n N] [--seed S]

Writes OUT_DIR/sample/docs/NNNNN.txt and OUT_DIR/sample/labels.jsonl with one
line per document: {"doc": "docs/00000.txt", "entities": [{"type", "start",
"end"}]}. Offsets are UTF-8 byte offsets, end exclusive. Output depends only
on N and the seed. Standard library only.

Layout of this file:
  1. Doc builder (text + labelled spans)
  2. check-digit helpers
  3. Values: generators of labelled positives and unlabelled look-alikes
  4. document kinds (one function each)
  5. main
"""
import argparse
import base64
import binascii
import datetime as dt
import json
import os
import random
import re
import struct
import unicodedata
from collections import Counter

# --------------------------------------------------------------------------
# 1. Doc builder


class V:
    """A labelled value: entity type + the exact text that gets labelled."""

    __slots__ = ("type", "text")

    def __init__(self, type_, text):
        self.type, self.text = type_, text

    def __str__(self):  # guard: a V must go through Doc.add, never an f-string
        raise TypeError("labelled value formatted as plain text: " + self.text)


SLOT = re.compile(r"\{(\w+)\}")


class Doc:
    def __init__(self):
        self.chunks, self.entities, self.nbytes = [], [], 0

    def _write(self, s):
        self.chunks.append(s)
        self.nbytes += len(s.encode("utf-8"))

    def add(self, *items):
        for it in items:
            if isinstance(it, V):
                start = self.nbytes
                self._write(it.text)
                self.entities.append({"type": it.type, "start": start, "end": self.nbytes})
            elif isinstance(it, (list, tuple)):
                self.add(*it)
            else:
                self._write(str(it))
        return self

    def put(self, template, **values):
        """Append template, replacing {name} slots that appear in values.

        Other braces (JSON, TOML...) are left alone, so no escaping needed."""
        pos = 0
        for m in SLOT.finditer(template):
            if m.group(1) in values:
                self.add(template[pos:m.start()], values[m.group(1)])
                pos = m.end()
        self.add(template[pos:])
        return self

    def text(self):
        return "".join(self.chunks)


# --------------------------------------------------------------------------
# 2. check digits


def luhn_ok(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def luhn_complete(payload):
    return next(payload + c for c in "0123456789" if luhn_ok(payload + c))


def nhs_check_digit(nine):
    r = 11 - sum(int(c) * (10 - i) for i, c in enumerate(nine)) % 11
    return None if r == 10 else r % 11


def nhs_ok(ten):
    return len(ten) == 10 and nhs_check_digit(ten[:9]) == int(ten[9])


def npi_ok(ten):
    return len(ten) == 10 and ten[0] in "12" and luhn_ok("80840" + ten)


def iban_remainder(iban):
    s = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in s)) % 97


def risky_digits(s):
    """True when a digit string would be a valid card / NPI / NHS number."""
    d = re.sub(r"\D", "", s)
    if 13 <= len(d) <= 19 and luhn_ok(d):
        return True
    return len(d) == 10 and (npi_ok(d) or nhs_ok(d))


B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(n, width):
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(width, "0")


# --------------------------------------------------------------------------
# 3. Values

FIRST = ["Priya", "José", "Zoë", "Søren", "Łukasz", "Chidi", "Mei", "Aoife", "Mateo",
         "Fatima", "Oluwaseun", "Hannah", "Dmitri", "Anaïs", "Kenji", "Ingrid", "Rahul",
         "Siobhán", "Tomás", "Grace", "Marcus", "Yusuf", "Elena", "Björn", "Camille",
         "Nnamdi", "Hiroshi", "Leila", "Connor", "Ana", "Wei", "Daniel", "Olivia", "Jamal",
         "Freya", "Matthias", "Lucía", "Raj", "Kateryna", "Emeka", "Brooke", "Tyler",
         "Gwen", "Arjun", "Noor", "Pablo", "Renée", "Stefan", "Keisha", "Hamish"]
LAST = ["Raman", "García", "Okafor", "Nguyen", "Kowalski", "O'Brien", "Müller", "Dubois",
        "Rossi", "Jensen", "Haddad", "Takahashi", "Smith", "Patel", "Ivanova", "Fernández",
        "Lindqvist", "Mensah", "Brennan", "Chen", "Walsh", "Novak", "Costa", "Schäfer",
        "Adeyemi", "Kapoor", "van der Berg", "MacLeod", "Whitfield", "Moreau", "Bianchi",
        "Nakamura", "Abara", "Sørensen", "Horváth", "Al-Sayed", "Reyes", "Fitzgerald",
        "Kim", "Bauer", "Delgado", "Thompson", "Ferreira", "Hughes", "Zielińska"]
NICKS = ["mkowalski", "dana_w", "raj.k", "bjorn", "ops-bot", "tchen", "ferret", "lucia_g",
         "hamish", "n.okafor", "zoe", "kenji_t", "deploy", "gwen.h", "arjun", "pablo_d"]
COMPANIES = [("Harbourline Logistics", "harbourline.co.uk"), ("Meridian Freight", "meridian-freight.com"),
             ("Kestrel Health", "kestrelhealth.org"), ("Bluefinch", "bluefinch.io"),
             ("Oakridge Partners", "oakridgepartners.com"), ("Nordlicht GmbH", "nordlicht-gmbh.de"),
             ("Valverde Seguros", "valverde-seguros.es"), ("Tessellate AI", "tessellate.ai"),
             ("Zentrix Networks", "zentrix.net"), ("Pinecrest Dental", "pinecrestdental.com"),
             ("Lumen & Vale LLP", "lumenvale.law"), ("Quayside Retail", "quaysideretail.co.uk"),
             ("Brightwater Utilities", "brightwater-utilities.com"), ("Sable Robotics", "sablerobotics.com"),
             ("Atelier Moreau", "atelier-moreau.fr"), ("Fjordline Data AS", "fjordline.no")]
FREE_MAIL = ["gmail.com", "outlook.com", "hotmail.co.uk", "yahoo.com", "icloud.com", "proton.me",
             "gmx.de", "web.de", "orange.fr", "libero.it", "btinternet.com", "comcast.net"]
SUBDOMAINS = ["mail.", "eu.", "corp.", "us.", "staff.", "students.", "uk."]
US_AREAS = ["201", "206", "212", "213", "303", "305", "312", "404", "415", "469", "480", "503",
            "512", "602", "617", "619", "646", "650", "702", "713", "718", "720", "773", "786",
            "808", "917", "929", "971", "416", "604", "514"]
US_CITIES = [("San Francisco", "CA", "941"), ("Austin", "TX", "787"), ("Chicago", "IL", "606"),
             ("Denver", "CO", "802"), ("Seattle", "WA", "981"), ("Brooklyn", "NY", "112"),
             ("Miami", "FL", "331"), ("Phoenix", "AZ", "850"), ("Portland", "OR", "972")]
UK_TOWNS = [("Leeds", "LS6 2QB"), ("Manchester", "M14 5RT"), ("Bristol", "BS8 1TH"),
            ("London", "SE15 4QF"), ("Cardiff", "CF24 3AA"), ("Norwich", "NR2 1BA"),
            ("Sheffield", "S10 2HQ"), ("Brighton", "BN2 9QA")]
STREETS = ["Maple Ave", "Church Lane", "Harbour Road", "Elm Street", "Victoria Terrace",
           "Mission St", "Kingsway", "Oak Drive", "Station Road", "Linden Court"]

IBAN_SPECS = {
    "DE": "8n10n", "GB": "4a6n8n", "FR": "5n5n11n2n", "ES": "4n4n2n10n", "IT": "1a5n5n12c",
    "NL": "4a10n", "BE": "3n7n2n", "CH": "5n12c", "AT": "5n11n", "PL": "8n16n",
    "SE": "3n16n1n", "NO": "4n6n1n", "DK": "4n9n1n", "FI": "3n11n", "IE": "4a6n8n",
    "PT": "4n4n11n2n", "LU": "3n13c", "CZ": "4n6n10n", "HU": "3n4n1n15n1n", "RO": "4a16c",
    "GR": "3n4n16c", "HR": "7n10n", "TR": "5n1n16c", "AE": "3n16n", "SA": "2n18c",
    "LT": "5n11n", "SI": "5n8n2n", "MT": "4a5n18c",
}
IBAN_MAIN = ["DE", "GB", "FR", "ES", "IT", "NL", "BE", "CH", "AT", "PL", "SE", "NO", "DK",
             "FI", "IE", "PT", "LU"]
BANK_CODES = {"GB": ["NWBK", "BARC", "LOYD", "HBUK", "MIDL", "MONZ", "SRLG"],
              "IE": ["AIBK", "BOFI", "IPBS"], "NL": ["ABNA", "INGB", "RABO", "TRIO", "KNAB", "BUNQ"],
              "RO": ["BTRL", "RNCB", "BRDE"], "MT": ["MALT", "VALL", "APSB"]}
BICS = {"DE": "COBADEFFXXX", "GB": "NWBKGB2L", "FR": "BNPAFRPPXXX", "ES": "CAIXESBBXXX",
        "IT": "UNCRITMMXXX", "NL": "INGBNL2A", "BE": "GEBABEBB", "CH": "UBSWCHZH80A",
        "AT": "BKAUATWW", "PL": "BPKOPLPW", "SE": "ESSESESS", "NO": "DNBANOKK",
        "DK": "DABADKKK", "FI": "NDEAFIHH", "IE": "AIBKIE2D", "PT": "CGDIPTPL", "LU": "BCEELULL"}

BANK_BICS = {"NWBK": "NWBKGB2L", "BARC": "BARCGB22", "LOYD": "LOYDGB2L", "HBUK": "HBUKGB4B",
             "MIDL": "MIDLGB22", "MONZ": "MONZGB2L", "SRLG": "SRLGGB2L", "AIBK": "AIBKIE2D",
             "BOFI": "BOFIIE2D", "IPBS": "IPBSIE2D", "ABNA": "ABNANL2A", "INGB": "INGBNL2A",
             "RABO": "RABONL2U", "TRIO": "TRIONL2U", "KNAB": "KNABNL2H", "BUNQ": "BUNQNL2A"}

CARD_BRANDS = [  # (name, prefixes, length, weight)
    ("Visa", ["4539", "4716", "4929", "4485", "4024", "4556", "4263", "4617", "4147", "4890"], 16, 5),
    ("Mastercard", ["51", "52", "53", "54", "55"], 16, 3),
    ("Mastercard", [str(p) for p in range(2221, 2721, 37)], 16, 2),
    ("Amex", ["34", "37"], 15, 2),
    ("Discover", ["6011", "644", "645", "646", "647", "648", "649", "65"], 16, 2),
    ("JCB", [str(p) for p in range(3528, 3590, 7)], 16, 1),
    ("Diners", ["36", "300", "301", "302", "303", "304", "305"], 14, 1),
]
FAMOUS_CARDS = {"4111111111111111", "4242424242424242", "5555555555554444", "378282246310005",
                "6011111111111117", "4012888888881881", "5105105105105100"}


def ascii_fold(s):
    s = s.replace("ł", "l").replace("Ł", "L").replace("ø", "o").replace("Ø", "O").replace("ß", "ss")
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if c.isascii() and (c.isalnum()))


class Person:
    def __init__(self, first, last):
        self.first, self.last = first, last
        self.name = f"{first} {last}"
        self.a_first, self.a_last = ascii_fold(first).lower(), ascii_fold(last).lower()


class Values:
    """Random positives (returned as V) and look-alike negatives (plain str)."""

    def __init__(self, rng):
        self.r = rng

    # -- small helpers
    def chance(self, p):
        return self.r.random() < p

    def pick(self, seq):
        return self.r.choice(seq)

    def digits(self, n):
        return "".join(self.r.choice("0123456789") for _ in range(n))

    def alnum(self, n, alphabet=B62):
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def hexs(self, n):
        return "".join(self.r.choice("0123456789abcdef") for _ in range(n))

    def person(self):
        return Person(self.pick(FIRST), self.pick(LAST))

    def company(self):
        return self.pick(COMPANIES)

    def when(self):
        return dt.datetime(2022, 1, 1) + dt.timedelta(seconds=self.r.randrange(3 * 365 * 86400))

    def date(self, style=None):
        d = self.when()
        style = style if style is not None else self.r.randrange(5)
        return [d.strftime("%Y-%m-%d"), d.strftime("%d/%m/%Y"), d.strftime("%m/%d/%Y"),
                d.strftime("%d %b %Y"), d.strftime("%B %-d, %Y")][style]

    def dob(self, style=None):
        d = dt.date(1938, 1, 1) + dt.timedelta(days=self.r.randrange(67 * 365))
        style = style if style is not None else self.r.randrange(4)
        return [d.strftime("%Y-%m-%d"), d.strftime("%d/%m/%Y"), d.strftime("%m/%d/%Y"), d.strftime("%d %b %Y")][style]

    def amount(self, cur=None):
        cur = cur or self.pick(["$", "£", "€", "USD ", "EUR "])
        v = self.r.randrange(500, 950000) / 100
        return f"{cur}{v:,.2f}"

    def amount_eu(self):
        """1.234,56 € style (German / French typography)."""
        v = f"{self.r.randrange(500, 950000) / 100:,.2f}".replace(",", "X").replace(".", ",")
        return self.pick([v.replace("X", ".") + " €", v.replace("X", "\u202f") + " €", "EUR " + v.replace("X", ".")])

    def money_value(self):
        return f"{self.r.randrange(500, 950000) / 100:.2f}"

    def ext(self):
        return self.pick([" x" + self.digits(3), " ext. " + self.digits(2), " ext " + self.digits(4),
                          ", extension " + self.digits(3)])

    def us_address(self):
        city, st, z = self.pick(US_CITIES)
        return f"{self.r.randint(12, 9800)} {self.pick(STREETS)}, {city}, {st} {z}{self.digits(2)}-{self.digits(4)}"

    def uk_address(self):
        town, pc = self.pick(UK_TOWNS)
        return f"{self.r.randint(1, 240)} {self.pick(STREETS)}, {town} {pc}"

    # -- e-mail
    def email(self, p=None, domain=None, corporate=None):
        p = p or self.person()
        f, l = p.a_first, p.a_last
        if domain is None:
            if corporate if corporate is not None else self.chance(0.6):
                domain = self.company()[1]
                if self.chance(0.2):
                    domain = self.pick(SUBDOMAINS) + domain
            else:
                domain = self.pick(FREE_MAIL)
        local = self.pick([f"{f}.{l}", f"{f[0]}{l}", f"{f}_{l}{self.r.randint(1, 99)}", f"{f}{l[0]}",
                           f"{l}.{f}", f"{f}.{l}+{self.pick(['invoices', 'news', 'ebay', 'work', 'x'])}",
                           f"{f}-{l}", f"{f}{self.r.randint(70, 99)}", f"{f[0]}.{l}"])
        addr = f"{local}@{domain}"
        if self.chance(0.06):
            addr = addr.upper()
        elif self.chance(0.06):
            addr = local.capitalize() + "@" + domain
        return V("email", addr)

    def role_email(self, domain=None):
        domain = domain or self.company()[1]
        return V("email", f"{self.pick(['billing', 'it-support', 'noreply', 'hr', 'accounts.payable', 'security', 'dpo'])}@{domain}")

    # -- payment card
    def card_number(self, brand=None):
        brands = [b for b in CARD_BRANDS if brand is None or b[0] == brand]
        name, prefixes, length, _ = self.r.choices(brands, [b[3] for b in brands])[0]
        while True:
            p = self.pick(prefixes)
            num = luhn_complete(p + self.digits(length - len(p) - 1))
            if num not in FAMOUS_CARDS:
                return name, num

    def card(self, brand=None, sep=None):
        name, num = self.card_number(brand)
        sep = sep if sep is not None else self.r.choices([" ", "-", ""], [4, 2, 3])[0]
        groups = {16: [4, 4, 4, 4], 15: [4, 6, 5], 14: [4, 6, 4]}[len(num)]
        parts, i = [], 0
        for g in groups:
            parts.append(num[i:i + g])
            i += g
        return V("credit_card", sep.join(parts))

    def card_brand_of(self, v):
        d = re.sub(r"\D", "", v.text)
        return {"4": "Visa", "3": "Amex" if len(d) == 15 else ("Diners" if len(d) == 14 else "JCB"),
                "6": "Discover"}.get(d[0], "Mastercard")

    def expiry(self):
        return f"{self.r.randint(1, 12):02d}/{self.r.randint(25, 31)}"

    # -- US SSN
    def ssn(self, sep=None):
        while True:
            area, group, serial = self.r.randint(1, 899), self.r.randint(1, 99), self.r.randint(1, 9999)
            if area != 666 and (area, group, serial) not in {(78, 5, 1120), (123, 45, 6789), (219, 9, 9999)}:
                break
        sep = sep if sep is not None else self.r.choices(["-", " ", ""], [7, 2, 2])[0]
        return V("us_ssn", f"{area:03d}{sep}{group:02d}{sep}{serial:04d}")

    # -- UK NHS
    def nhs(self, sep=None):
        while True:
            nine = self.pick("467") + self.digits(8)
            cd = nhs_check_digit(nine)
            if cd is not None:
                num = nine + str(cd)
                break
        sep = sep if sep is not None else self.r.choices([" ", "-", ""], [6, 2, 3])[0]
        return V("uk_nhs", f"{num[:3]}{sep}{num[3:6]}{sep}{num[6:]}")

    # -- US NPI
    def npi(self):
        nine = self.pick("12") + self.digits(8)
        return V("us_npi", luhn_complete("80840" + nine)[5:])

    # -- IBAN
    def iban_compact(self, country=None):
        cc = country or (self.pick(IBAN_MAIN) if self.chance(0.85) else self.pick(sorted(IBAN_SPECS)))
        while True:
            fields = []
            for n, kind in re.findall(r"(\d+)([nac])", IBAN_SPECS[cc]):
                n = int(n)
                if kind == "n":
                    fields.append(self.digits(n))
                elif kind == "a":
                    codes = BANK_CODES.get(cc)
                    fields.append(self.pick(codes) if codes and n == 4 else self.alnum(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
                else:
                    fields.append(self.digits(n) if self.chance(0.7) else
                                  self.alnum(3, "ABCDEFGHKLMNPRSTUVWXZ") + self.digits(n - 3))
            fields = self._national_check(cc, fields)
            if fields:
                break
        bban = "".join(fields)
        check = 98 - iban_remainder(cc + "00" + bban)
        return f"{cc}{check:02d}{bban}"

    def _national_check(self, cc, f):
        if cc == "BE":
            r = int(f[0] + f[1]) % 97
            f[2] = f"{r or 97:02d}"
        elif cc == "FR":
            key = 97 - (89 * int(f[0]) + 15 * int(f[1]) + 3 * int(f[2])) % 97
            f[3] = f"{key:02d}"
        elif cc == "ES":
            w = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6]

            def dc(s):
                r = 11 - sum(int(c) * w[i] for i, c in enumerate(s)) % 11
                return {11: 0, 10: 1}.get(r, r)
            f[2] = f"{dc('00' + f[0] + f[1])}{dc(f[3])}"
        elif cc == "NO":
            s = f[0] + f[1]
            r = 11 - sum(int(c) * w for c, w in zip(s, [5, 4, 3, 2, 7, 6, 5, 4, 3, 2])) % 11
            if r == 10:
                return None
            f[2] = str(r % 11)
        return f

    def iban(self, country=None, style=None):
        s = self.iban_compact(country)
        return V("iban", self.format_iban(s, style))

    def format_iban(self, s, style=None):
        style = style if style is not None else self.r.choices(range(5), [4, 4, 1, 1, 1])[0]
        grouped = " ".join(s[i:i + 4] for i in range(0, len(s), 4))
        return [s, grouped, s.lower(), grouped.lower(),
                s[:2] + " " + s[2:4] + " " + " ".join(s[i:i + 4] for i in range(4, len(s), 4))][style]

    def bad_iban(self, country=None):
        s = self.iban_compact(country)
        while True:
            bad = self.format_iban(s[:2] + f"{self.r.randint(2, 98):02d}" + s[4:], self.pick([0, 1]))
            runs = re.findall(r"\d{4}(?: \d{4}){2,}", bad)  # keep card-shaped tails invalid too
            if iban_remainder(bad.replace(" ", "")) != 1 and not any(
                    risky_digits(run[i:i + 19]) for run in runs for i in range(0, len(run) - 18, 5)):
                return bad

    def bic(self, cc, iban=None):
        """BIC matching the IBAN's bank code where we know it, else a big bank of that country."""
        code = iban.text.replace(" ", "").upper()[4:8] if iban is not None else ""
        return BANK_BICS.get(code, BICS.get(cc, cc + "XXXXXX"))

    # -- IP addresses
    def ipv4_text(self, private=None):
        private = self.chance(0.3) if private is None else private
        if private:
            return self.pick([f"10.{self.r.randint(0, 255)}.{self.r.randint(0, 255)}.{self.r.randint(1, 254)}",
                              f"192.168.{self.r.randint(0, 20)}.{self.r.randint(2, 254)}",
                              f"172.{self.r.randint(16, 31)}.{self.r.randint(0, 255)}.{self.r.randint(1, 254)}"])
        first = self.pick([23, 31, 37, 45, 52, 62, 77, 81, 86, 91, 104, 109, 141, 151, 176, 185,
                           188, 193, 194, 198, 203, 212, 213, 217])
        return f"{first}.{self.r.randint(0, 255)}.{self.r.randint(0, 255)}.{self.r.randint(1, 254)}"

    def ipv4(self, private=None):
        return V("ipv4", self.ipv4_text(private))

    V6_PREFIXES = ["2001:db8", "2a02:8108", "2600:1f18", "2607:f8b0:4004", "2a00:1450:4001",
                   "2606:4700", "2a01:4f8", "2400:cb00", "2001:41d0", "fd12:3456:789a", "2a03:2880:f10c",
                   "2001:67c:2b0", "2804:14d"]

    def ipv6_text(self, style=None):
        import ipaddress
        style = style if style is not None else self.r.choices(range(4), [5, 2, 1, 1])[0]
        pre = self.pick(self.V6_PREFIXES).split(":")
        groups = pre + [f"{self.r.randrange(0x10000):x}" for _ in range(8 - len(pre))]
        # punch a run of zero groups so compression has something to do
        if self.chance(0.7):
            i = self.r.randint(len(pre), 6)
            for j in range(i, min(8, i + self.r.randint(1, 4))):
                groups[j] = "0"
        addr = ipaddress.IPv6Address(":".join(groups))
        if style == 0:
            return addr.compressed
        if style == 1:
            return addr.exploded
        if style == 2:
            return addr.compressed.upper()
        return ":".join(g.lstrip("0") or "0" for g in addr.exploded.split(":"))  # no :: but no padding

    def ipv6(self, style=None):
        return V("ipv6", self.ipv6_text(style))

    def ipv6_linklocal(self):
        return V("ipv6", "fe80::" + ":".join(f"{self.r.randrange(0x10000):x}" for _ in range(4)))

    def ipv6_mapped(self):
        return V("ipv6", "::ffff:" + self.ipv4_text(False))

    # -- phones
    def us_number(self):
        while True:
            exch = f"{self.r.randint(2, 9)}{self.digits(2)}"
            if exch != "555" and exch[1:] != "11":
                return self.pick(US_AREAS), exch, self.digits(4)

    def phone(self, region=None):
        region = region or self.r.choices(["us", "uk", "intl"], [5, 3, 2])[0]
        return V("phone", getattr(self, "_phone_" + region)())

    def _phone_us(self):
        a, e, l = self.us_number()
        if self.chance(0.08):
            a = self.pick(["800", "888", "877", "866"])
            return self.pick([f"1-{a}-{e}-{l}", f"({a}) {e}-{l}", f"1 ({a}) {e}-{l}"])
        return self.pick([f"({a}) {e}-{l}", f"{a}-{e}-{l}", f"{a}.{e}.{l}", f"+1 {a} {e} {l}",
                          f"+1 ({a}) {e}-{l}", f"1-{a}-{e}-{l}", f"+1-{a}-{e}-{l}", f"+1{a}{e}{l}"])

    def _phone_uk(self):
        d = self.digits
        return self.pick([f"+44 20 7{d(3)} {d(4)}", f"020 8{d(3)} {d(4)}", f"+44 (0)20 3{d(3)} {d(4)}",
                          f"07{self.pick('3456789')}{d(2)} {d(6)}", f"+44 7{self.pick('3456789')}{d(2)} {d(6)}",
                          f"0161 {self.r.randint(2, 9)}{d(2)} {d(4)}", f"+44 113 {self.r.randint(2, 9)}{d(2)} {d(4)}",
                          f"01632 {d(6)}", f"+44 131 {self.r.randint(2, 9)}{d(2)} {d(4)}"])

    def _phone_intl(self):
        d, n = self.digits, self.r.randint
        return self.pick([f"+49 30 {n(2, 9)}{d(7)}", f"+49 89 {n(2, 9)}{d(6)}", f"+49 151 {d(8)}",
                          f"+33 1 {n(40, 79)} {d(2)} {d(2)} {d(2)}", f"+33 6 {d(2)} {d(2)} {d(2)} {d(2)}",
                          f"+61 2 {n(8, 9)}{d(3)} {d(4)}", f"+61 4{d(2)} {d(3)} {d(3)}",
                          f"+81 3-{n(3, 6)}{d(3)}-{d(4)}", f"+34 91{n(2, 9)} {d(3)} {d(3)}",
                          f"+39 06 {n(3, 9)}{d(3)} {d(4)}", f"+31 20 {n(2, 9)}{d(2)} {d(4)}",
                          f"+353 1 {n(2, 9)}{d(2)} {d(4)}", f"+91 9{d(4)} {d(5)}", f"+65 6{d(3)} {d(4)}",
                          f"+55 11 9{d(4)}-{d(4)}", f"+47 {n(2, 9)}{d(2)} {d(2)} {d(3)}",
                          f"+48 22 {n(2, 9)}{d(2)} {d(2)} {d(2)}", f"+41 44 {n(2, 9)}{d(2)} {d(2)} {d(2)}"])

    def phone_country(self, cc):
        """A landline in the given country, international or (sometimes) national form."""
        d, n = self.digits, self.r.randint
        intl, national = {
            "DE": (f"+49 30 {n(2, 9)}{d(7)}", f"030 {n(2, 9)}{d(7)}"),
            "AT": (f"+43 1 {n(2, 9)}{d(6)}", f"01 {n(2, 9)}{d(6)}"),
            "CH": (f"+41 44 {n(2, 9)}{d(2)} {d(2)} {d(2)}", f"044 {n(2, 9)}{d(2)} {d(2)} {d(2)}"),
            "FR": (f"+33 1 {n(40, 79)} {d(2)} {d(2)} {d(2)}", f"01 {n(40, 79)} {d(2)} {d(2)} {d(2)}"),
            "BE": (f"+32 2 {n(2, 9)}{d(2)} {d(2)} {d(2)}", f"02 {n(2, 9)}{d(2)} {d(2)} {d(2)}"),
            "LU": (f"+352 {n(2, 4)}{d(1)} {d(3)}", None),
            "IT": (f"+39 06 {n(3, 9)}{d(3)} {d(4)}", f"06 {n(3, 9)}{d(3)} {d(4)}"),
            "ES": (f"+34 91{n(2, 9)} {d(3)} {d(3)}", None),
            "NL": (f"+31 20 {n(2, 9)}{d(2)} {d(4)}", f"020 {n(2, 9)}{d(2)} {d(4)}"),
        }.get(cc, (None, None))
        if intl is None:
            return self.phone("intl")
        return V("phone", national if national and self.chance(0.3) else intl)

    # -- cloud / code credentials
    def aws_key_id(self, prefix=None):
        prefix = prefix or ("AKIA" if self.chance(0.8) else "ASIA")
        return V("aws_access_key", prefix + self.alnum(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"))

    def aws_secret(self):
        return self.alnum(40, B62 + "/+")

    def gh_token(self, kind=None):
        kind = kind or self.r.choices(["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"], [6, 1, 1, 2, 1, 2])[0]
        if kind == "github_pat_":
            return V("github_token", "github_pat_11" + self.alnum(20, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
                     + "_" + self.alnum(59))
        body = self.alnum(30)
        return V("github_token", kind + body + base62(binascii.crc32(body.encode()), 6))

    # -- private keys (DER built field by field, so the base64 looks right)
    @staticmethod
    def _der(tag, body):
        n = len(body)
        ln = bytes([n]) if n < 128 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")
        return bytes([tag]) + ln + body

    def _uint(self, nbytes):
        b = bytearray(self.r.randbytes(nbytes))
        b[0] |= 0x80
        return self._der(2, b"\x00" + bytes(b))

    def _rsa_pkcs1(self, bits):
        n, h = bits // 8, bits // 16
        body = (self._der(2, b"\x00") + self._uint(n) + self._der(2, b"\x01\x00\x01") + self._uint(n)
                + b"".join(self._uint(h) for _ in range(5)))
        return self._der(0x30, body)

    P256 = bytes.fromhex("2a8648ce3d030107")
    EC_PUB = bytes.fromhex("2a8648ce3d0201")
    RSA_OID = bytes.fromhex("2a864886f70d010101")

    def _ec_sec1(self, with_params=True):
        body = self._der(2, b"\x01") + self._der(4, self.r.randbytes(32))
        if with_params:
            body += self._der(0xA0, self._der(6, self.P256))
        body += self._der(0xA1, self._der(3, b"\x00\x04" + self.r.randbytes(64)))
        return self._der(0x30, body)

    def _pkcs8(self, algo):
        if algo == "rsa":
            alg = self._der(0x30, self._der(6, self.RSA_OID) + b"\x05\x00")
            inner = self._rsa_pkcs1(self.pick([2048, 2048, 1024]))
        elif algo == "ec":
            alg = self._der(0x30, self._der(6, self.EC_PUB) + self._der(6, self.P256))
            inner = self._ec_sec1(with_params=False)
        else:
            alg = self._der(0x30, self._der(6, b"\x2b\x65\x70"))
            inner = self._der(4, self.r.randbytes(32))
        return self._der(0x30, self._der(2, b"\x00") + alg + self._der(4, inner))

    def _openssh(self, comment):
        s = lambda b: struct.pack(">I", len(b)) + b
        mp = lambda nbytes: s(b"\x00" + bytes([0x80 | self.r.randrange(128)]) + self.r.randbytes(nbytes - 1))
        check = self.r.randbytes(4)
        if self.chance(0.75):
            pub = self.r.randbytes(32)
            pubblob = s(b"ssh-ed25519") + s(pub)
            priv = check + check + s(b"ssh-ed25519") + s(pub) + s(self.r.randbytes(32) + pub)
        else:
            n = mp(256)
            pubblob = s(b"ssh-rsa") + s(b"\x01\x00\x01") + n
            priv = check + check + s(b"ssh-rsa") + n + s(b"\x01\x00\x01") + mp(256) + mp(128) + mp(128) + mp(128)
        priv += s(comment.encode())
        pad = 1
        while len(priv) % 8:
            priv += bytes([pad])
            pad += 1
        return (b"openssh-key-v1\x00" + s(b"none") + s(b"none") + s(b"") + struct.pack(">I", 1)
                + s(pubblob) + s(priv))

    def private_key(self, kind=None, nl="\n", indent="", comment="deploy@build-01", algo=None):
        """PEM block as labelled V. nl="\\\\n" gives the JSON-escaped form."""
        kind = kind or self.r.choices(["rsa", "ec", "openssh", "pkcs8", "rsa-enc"], [4, 2, 3, 3, 1])[0]
        headers, width = [], 64
        if kind == "rsa":
            label, der = "RSA PRIVATE KEY", self._rsa_pkcs1(self.pick([2048, 2048, 1024, 3072]))
        elif kind == "rsa-enc":
            label = "RSA PRIVATE KEY"
            der = self.r.randbytes(16 * self.r.randint(70, 76))
            headers = ["Proc-Type: 4,ENCRYPTED",
                       f"DEK-Info: {self.pick(['AES-128-CBC', 'AES-256-CBC', 'DES-EDE3-CBC'])},{self.hexs(32).upper()}", ""]
        elif kind == "ec":
            label, der = "EC PRIVATE KEY", self._ec_sec1()
        elif kind == "openssh":
            label, der, width = "OPENSSH PRIVATE KEY", self._openssh(comment), 70
        else:
            label, der = "PRIVATE KEY", self._pkcs8(algo or self.pick(["rsa", "rsa", "ec", "ed25519"]))
        b64 = base64.b64encode(der).decode()
        lines = [f"-----BEGIN {label}-----"] + headers + [b64[i:i + width] for i in range(0, len(b64), width)]
        lines.append(f"-----END {label}-----")
        return V("private_key", (nl + indent).join(lines))

    def public_key_block(self):
        der = self._der(0x30, self._der(0x30, self._der(6, self.EC_PUB) + self._der(6, self.P256))
                        + self._der(3, b"\x00\x04" + self.r.randbytes(64)))
        b64 = base64.b64encode(der).decode()
        return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64)) + "\n-----END PUBLIC KEY-----"

    def ssh_pubkey(self, comment):
        blob = struct.pack(">I", 11) + b"ssh-ed25519" + struct.pack(">I", 32) + self.r.randbytes(32)
        return f"ssh-ed25519 {base64.b64encode(blob).decode()} {comment}"

    # -- negatives (never labelled)
    def safe(self, make):
        while True:
            s = make()
            if not risky_digits(s):
                return s

    def neg_order16(self):
        return self.safe(lambda: self.pick(["1", "2", "7", "8", "9"]) + self.digits(15))

    def neg_npi10(self):
        return self.safe(lambda: self.pick("12") + self.digits(9))

    def neg_ssn(self):
        """SSN-shaped but never issued: area 000/666/9xx, group 00 or serial 0000."""
        n = self.r.randint
        area, group, serial = f"{n(1, 899):03d}", f"{n(1, 99):02d}", f"{n(1, 9999):04d}"
        flaw = self.r.randrange(5)
        if flaw == 0:
            area = "000"
        elif flaw == 1:
            area = "666"
        elif flaw == 2:
            area, group = f"9{self.digits(2)}", str(n(70, 88)) if self.chance(0.5) else group  # ITIN-looking
        elif flaw == 3:
            group = "00"
        else:
            serial = "0000"
        sep = self.pick(["-", "-", " "])
        return f"{area}{sep}{group}{sep}{serial}"

    def neg_epoch(self):
        return self.safe(lambda: str(self.r.randint(1_640_000_000, 1_740_000_000)))

    def neg_epoch_ms(self):
        return self.safe(lambda: str(self.r.randint(1_640_000_000_000, 1_740_000_000_000)))

    def uuid(self):
        h = self.hexs(32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{self.pick('89ab')}{h[17:20]}-{h[20:]}"

    def version_big(self):
        return self.pick([f"{self.r.randint(1, 12)}.{self.r.randint(0, 9)}.{self.r.randint(300, 9999)}.{self.r.randint(0, 99)}",
                          f"{self.r.randint(90, 130)}.0.{self.r.randint(4000, 6999)}.{self.r.randint(10, 250)}",
                          f"10.0.{self.r.randint(17000, 26100)}.{self.r.randint(100, 4000)}"])

    def isbn13(self):
        while True:
            body = self.pick(["978", "979"]) + self.digits(9)
            chk = (10 - sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(body)) % 10) % 10
            s = body + str(chk)
            if not luhn_ok(s):
                return f"{s[:3]}-{s[3]}-{s[4:8]}-{s[8:12]}-{s[12]}"

    def zip4(self):
        return f"{self.pick(US_CITIES)[2]}{self.digits(2)}-{self.digits(4)}"

    def ein(self):
        return f"{self.r.randint(10, 98)}-{self.digits(7)}"

    def routing(self):
        while True:
            d = f"{self.pick(['02', '03', '06', '07', '11', '12', '21', '26', '31'])}{self.digits(6)}"
            for c in "0123456789":
                if sum(int(x) * w for x, w in zip(d + c, [3, 7, 1] * 3)) % 10 == 0:
                    return d + c

    def masked_card(self):
        return self.pick([f"**** **** **** {self.digits(4)}", f"XXXX-XXXX-XXXX-{self.digits(4)}",
                          f"{self.pick(['4', '5'])}{self.digits(5)}******{self.digits(4)}", f"ending in {self.digits(4)}"])

    def ups(self):
        return "1Z" + self.alnum(6, "ABCDEFGHJKLMNPRSTUVWXYZ0123456789") + self.digits(10)

    def neg_sentence(self):
        """One unlabelled look-alike in a short sentence, for sprinkling into prose."""
        r = self.r.randrange(22)
        return [
            lambda: f"Order no. {self.neg_order16()} has shipped.",
            lambda: f"Tracking: {self.ups()} / ref {self.neg_order16()}",
            lambda: f"Claim reference {self.neg_npi10()} is still pending.",
            lambda: f"Case code {self.neg_ssn()} (internal, from the legacy system).",
            lambda: f"ITIN on file: {self.pick(['9'])}{self.digits(2)}-{self.r.randint(70, 88)}-{self.digits(4)}",
            lambda: f"Request id {self.uuid()}",
            lambda: f"Fixed in commit {self.hexs(40)}.",
            lambda: f"checksum (sha256): {self.hexs(64)}",
            lambda: f"md5 {self.hexs(32)}",
            lambda: f"Logged at {self.neg_epoch()} (epoch) / {self.when().isoformat()}Z",
            lambda: f"Running build {self.version_big()} on the client.",
            lambda: f"Invoice total {self.amount()} due {self.date()}.",
            lambda: f"See ISBN {self.isbn13()} for the handbook.",
            lambda: f"Ship to ZIP {self.zip4()}.",
            lambda: "The AKIAIOSFODNN7EXAMPLE key in the wiki page is the AWS sample, ignore it.",
            lambda: f"token: ghp_{'x' * 36}  # placeholder, set in CI",
            lambda: f"Internal requests go to support@{self.pick(['example', 'localhost', 'intranet', 'helpdesk'])} on the LAN mail server.",
            lambda: f"Follow us on socials: @{self.pick(NICKS).replace('.', '_').replace('-', '_')}_{self.pick(['official', 'hq', 'uk'])}",
            lambda: f"Old IBAN {self.bad_iban()} was mistyped and bounced.",
            lambda: f"Card {self.masked_card()} was used.",
            lambda: f"EIN {self.ein()}; routing {self.routing()}.",
            lambda: f"Batch {self.neg_epoch_ms()} processed {self.r.randint(2, 900)} items.",
        ][r]()


# --------------------------------------------------------------------------
# 4. document kinds
#
# Every function takes (d: Doc, g: Values) and appends text. Positive values
# are V objects passed to d.put / d.add; look-alikes are plain strings.

TICKET_FILLER = [
    "I have already tried clearing the cache and logging in from another browser.",
    "This is the third time I am contacting you about this.",
    "Could you please look into it as a matter of urgency?",
    "The app just shows a spinner and then logs me out.",
    "Thanks in advance, and sorry for the long message.",
    "I was told on the phone that someone would call me back within 48 hours. Nobody did.",
]


def mail_header(d, g, sender, to, subject, when=None):
    when = when or g.when()
    d.put("From: {n} <{e}>\n", n=sender[0], e=sender[1])
    d.put("To: {t}\n", t=to)
    d.add(f"Date: {when.strftime('%a, %d %b %Y %H:%M:%S')} {g.pick(['+0000', '+0100', '-0500', '-0800'])}\n")
    d.add(f"Subject: {subject}\n\n")


def doc_support_ticket(d, g):
    cust, agent = g.person(), g.person()
    tid = g.pick([f"#{g.r.randint(10000, 99999)}", f"INC-{g.digits(7)}", f"SUP-{g.r.randint(1000, 9999)}"])
    d.add(f"Ticket {tid}  |  Priority: {g.pick(['P2', 'P3', 'Normal', 'High'])}  |  Status: {g.pick(['Open', 'Pending', 'Escalated'])}\n")
    d.put("Requester: {n} <{e}>\n", n=cust.name, e=g.email(cust, corporate=False))
    d.add(f"Created: {g.when():%Y-%m-%d %H:%M} UTC   Channel: {g.pick(['web form', 'email', 'chat'])}\n\n")
    d.add("Description:\n")
    issues = [
        lambda: d.put(g.pick(["I was charged twice for the same subscription on my card {c}. Please refund one of them.\n",
                              "Card number: {c}\nExpiry: " + g.expiry() + "\nThe payment keeps failing at checkout.\n",
                              "The card I registered ({c}) expired so please update it, the new one ends in " + g.digits(4) + ".\n"]),
                      c=g.card()),
        lambda: d.put(g.pick(["Somebody logged into my account from {ip}, that was not me!\n",
                              "Your security alert says a login from IP address {ip} at 03:12. I was asleep.\n"]),
                      ip=g.ipv4(False) if g.chance(0.8) else g.ipv6()),
        lambda: d.put(g.pick(["Please call me back on {p}{x}.\n", "Best number to reach me: {p}{x}\n",
                              "You can text me at {p} any time after 5pm.\n"]), p=g.phone(), x=g.ext() if g.chance(0.3) else ""),
        lambda: d.put("Can you change the e-mail on my account from {a} to {b}? I no longer use the old one.\n",
                      a=g.email(cust), b=g.email(cust, corporate=False)),
        lambda: d.add(g.neg_sentence() + "\n"),
        lambda: d.add(g.pick(TICKET_FILLER) + "\n"),
    ]
    for i in g.r.sample(range(len(issues)), g.r.randint(3, 5)):
        issues[i]()
    d.add(f"\n--- Internal note ({agent.first}) ---\n")
    if g.chance(0.35):
        d.put(g.pick(["Verified identity with SSN {s} and DOB " + g.dob(2) + ".\n",
                      "Customer read out SSN {s} on the call, please redact.\n"]), s=g.ssn())
    d.add(f"Order ref {g.neg_order16()} — refund {g.amount()} pending approval.\n")
    if g.chance(0.5):
        d.put("Escalated to {e}.\n", e=g.role_email())


def doc_hr_onboarding(d, g):
    hire, hrp = g.person(), g.person()
    co, dom = g.company()
    mail_header(d, g, (hrp.name, g.email(hrp, domain=dom)), g.email(hire, corporate=False),
                g.pick(["Welcome aboard!", "Your first day at " + co, "Onboarding: documents needed", "New starter paperwork"]))
    d.add(f"Hi {hire.first},\n\nWelcome to {co}! Before your start date on {g.date(3)} we need to set up payroll and IT access. "
          "I've copied what you sent us below, please check it is correct.\n\n")
    us = g.chance(0.55)
    form = g.chance(0.6)
    if form:
        d.add(f"  Legal name:        {hire.name}\n")
        if us:
            d.put("  SSN:               {s}\n", s=g.ssn())
            d.add(f"  Date of birth:     {g.dob(2)}\n  Home address:      {g.us_address()}\n")
            d.put("  Mobile:            {p}\n", p=g.phone("us"))
            d.add(f"  Bank routing:      {g.routing()}\n  Account:           {g.safe(lambda: g.digits(g.r.randint(8, 12)))}\n")
        else:
            d.add(f"  NI number:         {g.pick(['QQ', 'AB', 'JT', 'NP'])} {g.digits(2)} {g.digits(2)} {g.digits(2)} {g.pick('ABCD')}\n")
            d.add(f"  Address:           {g.uk_address()}\n")
            d.put("  Mobile:            {p}\n", p=g.phone("uk"))
            d.put("  Salary account:    {i}\n", i=g.iban(g.pick(["GB", "GB", "IE", "DE", "NL", "PL"])))
        d.put("  Personal e-mail:   {e}\n", e=g.email(hire, corporate=False))
    else:
        if us:
            d.put("You mentioned your social security number is {s}; HR will enter it into Workday, "
                  "so please don't send it by e-mail again. ", s=g.ssn())
            d.put("Your manager will ring you on {p} the week before you start.\n", p=g.phone("us"))
        else:
            d.put("Your salary will be paid into {i} on the 25th of each month. ", i=g.iban(g.pick(["GB", "IE", "FR", "ES", "IT"])))
            d.put("We'll text the building access code to {p}.\n", p=g.phone(g.pick(["uk", "intl"])))
    d.put("\nYour work address will be {w} and your laptop ships to the address above. "
          "Questions? Reply here or call the People team on {p}.\n",
          w=V("email", f"{hire.a_first}.{hire.a_last}@{dom}"), p=g.phone("us" if us else "uk"))
    d.add(f"\nEmployee ID: E{g.digits(6)}   Cost centre: CC-{g.digits(4)}\n\nBest,\n{hrp.name}\nPeople Operations, {co}\n")


def doc_postmortem(d, g):
    oncall = g.person()
    key = g.aws_key_id("AKIA")
    t0 = g.when()
    fmt = lambda m: (t0 + dt.timedelta(minutes=m)).strftime("%H:%M")
    d.add(f"# Postmortem: {g.pick(['leaked IAM credentials', 'credential exposure in public repo', 'suspicious S3 access', 'token committed to GitHub'])}\n\n")
    d.add(f"Status: {g.pick(['Draft', 'Final', 'In review'])}  \nDate: {t0:%Y-%m-%d}  \n")
    d.put("Incident commander: {n} ({e})\n\n", n=oncall.name, e=g.email(oncall, corporate=True))
    d.add("## Summary\n\n")
    d.put("An access key ({k}) belonging to the `ci-deployer` IAM user was pushed to a public repository in commit "
          f"`{g.hexs(7)}`. Automated scanners picked it up within minutes and the key was used from {{ip}}.\n\n",
          k=key, ip=g.ipv4(False))
    d.add("## Timeline (UTC)\n\n")
    d.add(f"- {fmt(0)} commit {g.hexs(40)} pushed to main\n")
    d.put(f"- {fmt(4)} first API call `ListBuckets` from {{ip}}\n", ip=g.ipv4(False) if g.chance(0.6) else g.ipv6())
    d.put(f"- {fmt(g.r.randint(20, 50))} GuardDuty finding; page sent to {{p}}\n", p=g.phone())
    d.add(f"- {fmt(g.r.randint(55, 90))} key deactivated, request id {g.uuid()}\n")
    if g.chance(0.5):
        d.put(f"- {fmt(95)} same repo also contained a GitHub token {{t}}, revoked\n", t=g.gh_token())
    d.add("\n## Leaked material\n\n```\n")
    d.put("aws_access_key_id = {k}\n", k=key)
    d.add(f"aws_secret_access_key = {g.aws_secret()}\nregion = {g.pick(['eu-west-1', 'us-east-1', 'eu-central-1'])}\n```\n\n")
    d.add("## Impact\n\n")
    d.add(f"{g.r.randint(2, 40)} objects read from `s3://{g.pick(['backups', 'exports', 'crm-dumps'])}-{g.hexs(6)}`; "
          f"no customer data confirmed exfiltrated. Cost of the crypto-mining instances: {g.amount('$')}.\n\n")
    d.add("## Action items\n\n- [ ] enable secret scanning push protection\n- [ ] rotate all keys older than 90 days\n"
          f"- [x] block attacker ASN in WAF (rule {g.uuid()[:8]})\n")
    if g.chance(0.4):
        d.add(f"\nNote: the `AKIAIOSFODNN7EXAMPLE` string in the README is AWS's documentation example and was not involved.\n")


def chat_stamp(g, t, style):
    return [f"[{t:%H:%M:%S}]", f"{t:%Y-%m-%d %H:%M}", f"{t:%-I:%M %p}", f"[{t:%d/%m/%Y, %H:%M}]"][style]


def chat_line(d, g, when, style, who, template, vals):
    sep = {0: " <{}> ", 1: " {}: ", 2: " — {}: ", 3: " {}: "}[style].format(who)
    d.add(chat_stamp(g, when, style), sep)
    d.put(template + "\n", **vals)


def doc_chat_log(d, g):
    style = g.r.randrange(4)
    people = g.r.sample(NICKS, 3) if style == 0 else [p.first for p in (g.person(), g.person(), g.person())]
    t = g.when()
    lines = [
        ("can someone book the venue? use the company card {c} exp " + g.expiry(), dict(c=g.card())),
        ("done 👍", {}),
        ("whats the number for the caterer again", {}),
        ("{p} ask for Marta", dict(p=g.phone())),
        ("new contractor starts monday, ssn {s} for the background check", dict(s=g.ssn())),
        ("pls don't paste that here 🙈", {}),
        ("send the signed NDA to {e} not me", dict(e=g.email())),
        ("vendor wants the refund to {i}", dict(i=g.iban())),
        ("their old account " + g.bad_iban() + " bounced", {}),
        ("invoice " + g.neg_order16() + " still unpaid btw", {}),
        ("the VPN gateway is {ip} if you need to whitelist it", dict(ip=g.ipv4())),
        ("lol", {}),
        ("I'm on {p} if anything breaks", dict(p=g.phone())),
        ("ok ✅", {}),
        ("call ref " + g.neg_npi10() + " for the insurer", {}),
        ("my personal is {e}", dict(e=g.email(corporate=False))),
        ("pharmacy rejected the script, they need Dr " + g.person().last + "'s NPI: {n}", dict(n=g.npi())),
        ("mum's NHS number is {n} if the surgery asks", dict(n=g.nhs())),
        ("can you put {a} on the allow list too? and " + g.version_big() + " is the client build", dict(a=g.ipv4(False))),
    ]
    for i in sorted(g.r.sample(range(len(lines)), g.r.randint(7, 12))):
        t += dt.timedelta(seconds=g.r.randint(5, 900))
        chat_line(d, g, t, style, g.pick(people), lines[i][0], lines[i][1])


def doc_dev_chat(d, g):
    style = g.r.randrange(4)
    nick = g.r.sample(NICKS, 3)
    t = g.when()
    org, repo = g.pick(["acme-infra", "bluefinch", "zentrix", "sable-robotics"]), g.pick(["api", "deploy-tools", "web", "etl"])
    key = g.aws_key_id()
    snippets = [
        ("prod deploy failing with AccessDenied, using key {k} with secret " + g.aws_secret(), dict(k=key)),
        ("try `git remote set-url origin https://{t}@github.com/" + f"{org}/{repo}.git`", dict(t=g.gh_token())),
        ("here's my .env:\n```\nAWS_ACCESS_KEY_ID={k}\nAWS_SECRET_ACCESS_KEY=" + g.aws_secret() +
         "\nGITHUB_TOKEN={t}\nDB_HOST={ip}\n```", dict(k=g.aws_key_id(), t=g.gh_token(), ip=g.ipv4(True))),
        ("curl -H \"Authorization: Bearer {t}\" https://api.github.com/repos/" + f"{org}/{repo}/actions/runs", dict(t=g.gh_token())),
        ("the docs example AKIAIOSFODNN7EXAMPLE works in localstack only", {}),
        ("segfault is in `std::vector<Foo>::operator[]`, not our code", {}),
        ("can't ssh into {ip}, host key changed?", dict(ip=g.ipv4())),
        ("it binds to [{ip6}]:8443 on the new box", dict(ip6=g.ipv6())),
        ("set GH_TOKEN=ghp_" + "x" * 36 + " in the template and people replace it", {}),
        (f"bumped to v{g.r.randint(1, 4)}.{g.r.randint(0, 30)}.{g.r.randint(0, 9)}, sha {g.hexs(40)}", {}),
        ("build " + g.version_big() + " passes", {}),
        ("rotate it!! {k} is in the public gist", dict(k=key)),
        ("deploy key:\n```\n{pk}\n```", dict(pk=g.private_key(g.pick(["openssh", "rsa", "ec"])))),
        ("ugh, who committed the token {t} to the wiki", dict(t=g.gh_token("ghp_"))),
        ("`Foo::Bar::baz` is the module path", {}),
    ]
    picks = sorted(g.r.sample(range(len(snippets)), g.r.randint(5, 8)))
    if not any(snippets[i][1] for i in picks):
        picks = sorted(set(picks) | {0})
    for i in picks:
        t += dt.timedelta(seconds=g.r.randint(20, 600))
        chat_line(d, g, t, style, g.pick(nick), snippets[i][0], snippets[i][1])


def doc_meeting_notes(d, g):
    people = [g.person() for _ in range(g.r.randint(3, 5))]
    co, dom = g.company()
    d.add(f"Meeting notes — {g.pick(['Q3 vendor review', 'office move', 'network refresh', 'payroll migration', 'patient portal launch'])}\n")
    d.add(f"{g.date(3)}, {g.pick(['Room 4.12', 'Teams', 'Zoom', 'Boardroom'])}\n\nAttendees:\n")
    for p in people:
        if g.chance(0.6):
            d.put("  - {n} <{e}>\n", n=p.name, e=g.email(p, domain=dom))
        else:
            d.add(f"  - {p.name}\n")
    d.add("\nDiscussion\n")
    items = [
        lambda: d.put("* New office firewall will only allow traffic from {a} and {b}.\n", a=g.ipv4(False), b=g.ipv4(False)),
        lambda: d.put("* Supplier contact is {n}, reachable on {p}.\n", n=g.person().name, p=g.phone()),
        lambda: d.put("* Deposit paid to {i} (BIC " + BICS.get("DE") + ") — confirm receipt.\n", i=g.iban("DE")),
        lambda: d.add(f"* Budget approved: {g.amount()} for FY{g.r.randint(24, 26)}.\n"),
        lambda: d.add(f"* Router firmware {g.version_big()} has the bug; stay on the old build.\n"),
        lambda: d.put("* IPv6 rollout: test prefix assigned, gateway {ip}.\n", ip=g.ipv6()),
        lambda: d.add(f"* {g.neg_sentence()}\n"),
        lambda: d.put("* Send questions to {e}.\n", e=g.role_email(dom)),
    ]
    for i in g.r.sample(range(len(items)), g.r.randint(4, 6)):
        items[i]()
    d.add("\nActions\n")
    for p in g.r.sample(people, 2):
        d.add(f"  [{p.first}] {g.pick(['circulate slides', 'chase the contract', 'book follow-up', 'update the risk log'])} by {g.date(3)}\n")


def doc_complaint_letter(d, g):
    p = g.person()
    co, dom = g.company()
    us = g.chance(0.5)
    d.add(f"{p.name}\n{g.us_address() if us else g.uk_address()}\n")
    if g.chance(0.7):
        d.put("Tel: {ph}\n", ph=g.phone("us" if us else "uk"))
    d.put("{e}\n\n", e=g.email(p, corporate=False))
    d.add(f"{g.date(3 if not us else 4)}\n\nCustomer Relations\n{co}\n\n")
    d.add(f"Re: Account {g.digits(8)} — formal complaint\n\nDear Sir or Madam,\n\n")
    d.add(f"I am writing to complain about the way my case has been handled since {g.date(4 if us else 3)}. ")
    if g.chance(0.7):
        c = g.card()
        d.put("On that date I was charged " + g.amount("$" if us else "£") + " on my " + g.pick([g.card_brand_of(c), "credit card", "card"]) +
              " ({c}) for goods I never received. ", c=c)
    d.add(f"Your order number was {g.neg_order16()} and the courier reference {g.ups()}. ")
    d.add("Despite three phone calls, nobody has been able to tell me where my parcel is.\n\n")
    if g.chance(0.5):
        d.put("Please refund the amount to my bank account, IBAN {i}, ", i=g.iban("GB" if not us else None))
        d.add("rather than to the card, which has since been cancelled.\n\n")
    if us and g.chance(0.4):
        d.put("Your agent also asked me for my Social Security number ({s}) over the phone, which I now regret giving. ", s=g.ssn())
        d.add("I expect confirmation that it has been deleted from your records.\n\n")
    d.add("If I do not hear from you within 14 days I will refer the matter to the "
          f"{'Better Business Bureau' if us else 'Financial Ombudsman'}.\n\nYours faithfully,\n\n{p.name}\n")


def doc_referral_uk(d, g):
    pt, gp = g.person(), g.person()
    town, pc = g.pick(UK_TOWNS)
    d.add(f"{g.pick(['Riverside', 'Parkview', 'St Anne’s', 'Millbrook'])} Medical Practice\n{g.r.randint(1, 90)} {g.pick(STREETS)}, {town} {pc}\n")
    d.put("Tel {a}   Fax {b}\n\n", a=g.phone("uk"), b=g.phone("uk"))
    d.add(f"{g.date(3)}\n\nDear Dr {g.person().last},\n\n")
    d.add(f"Re: {pt.name}, DOB {g.dob(1)}\n")
    d.put(g.pick(["NHS Number: {n}\n", "NHS No. {n}\n", "NHS no: {n}  Hosp no: " + g.pick("KRMJ") + g.digits(6) + "\n"]), n=g.nhs())
    d.add(f"Address: {g.uk_address()}\n\n")
    d.add(f"Thank you for seeing this {g.r.randint(19, 88)}-year-old patient with "
          f"{g.pick(['persistent dyspepsia', 'a suspicious pigmented lesion', 'worsening exertional chest pain', 'recurrent syncope'])}. ")
    d.add(f"Bloods last week: Hb {g.r.randint(98, 160)} g/L, eGFR {g.r.randint(40, 90)}. Current medication: "
          f"{g.pick(['ramipril 5 mg OD', 'omeprazole 20 mg BD', 'atorvastatin 40 mg ON'])}.\n\n")
    if g.chance(0.5):
        d.put("Previous NHS number {old} was merged into the one above in 2019.\n", old=g.nhs())
    d.put("The patient can be contacted on {m}", m=g.phone("uk"))
    if g.chance(0.5):
        d.put(" or by e-mail at {e}", e=g.email(pt, corporate=False))
    d.add(f".\n\nKind regards,\n\nDr {gp.name}\nGMC {g.digits(7)}\n")
    if g.chance(0.3):
        d.add(f"\ncc: patient; {g.pick(['community pharmacy', 'district nurses'])}. Hospital ref {g.pick('RKM')}{g.digits(7)}.\n")


def doc_referral_us(d, g):
    pt, doc_ = g.person(), g.person()
    practice = g.pick(['Pinecrest', 'Lakeside', 'Summit', 'Harbor View', 'Cedar Point'])
    d.add(f"{practice} Family Medicine\n{g.us_address()}\n")
    d.put("Phone {a} | Fax {b}\n\n", a=g.phone("us"), b=g.phone("us"))
    d.add(f"REFERRAL / PRIOR AUTHORIZATION REQUEST      Date: {g.date(2)}\n\n")
    d.add(f"Patient: {pt.name}    DOB: {g.dob(2)}    Member ID: {g.pick(['W', 'XEH', 'ZGP'])}{g.digits(9)}\n")
    if g.chance(0.5):
        d.put("SSN (last resort identifier): {s}\n", s=g.ssn())
    d.put("Referring provider: Dr. {n}, MD   NPI {npi}\n", n=doc_.name, npi=g.npi())
    d.put(g.pick(["Prescriber NPI: {npi}\n", "Rendering NPI {npi}\n", "Specialist (NPI {npi})\n"]), npi=g.npi())
    d.add(f"DEA: {g.pick('ABFM')}{doc_.a_last[0].upper()}{g.digits(7)}   Tax ID {g.ein()}\n\n")
    d.add(f"Diagnosis: {g.pick(['E11.9', 'I10', 'M54.5', 'J45.909', 'F41.1'])}  Requested: "
          f"{g.pick(['MRI lumbar spine', 'endocrinology consult', 'sleep study', 'cardiology consult'])}\n")
    d.add(f"Claim no. {g.neg_npi10()}   Auth ref {g.neg_order16()}\n\n")
    d.add("Clinical notes: symptoms for 6+ weeks despite conservative therapy. Please expedite.\n")
    d.put("Questions: {e}\n", e=g.email(doc_, domain=practice.lower().replace(" ", "") + g.pick(["fm.com", "health.org", "-clinic.com"])))


def doc_payment_instructions(d, g):
    co, dom = g.company()
    fin = g.person()
    variant = g.r.randrange(3)
    if variant == 0:  # supplier bank-change letter (classic invoice-fraud shape)
        mail_header(d, g, (fin.name, g.email(fin, domain=dom)), g.role_email(), "Change of bank details — effective immediately")
        d.add("Dear valued customer,\n\nPlease note that our bank details have changed. All future payments must go to:\n\n")
        cc = g.pick(IBAN_MAIN)
        d.add(f"  Beneficiary: {co}\n")
        iban = g.iban(cc)
        d.put("  IBAN: {i}\n", i=iban)
        d.add(f"  BIC/SWIFT: {g.bic(cc, iban)}\n\n")
        d.add(f"The old account ({g.bad_iban(cc)}) will be closed on {g.date(3)}. Kindly confirm by return.\n")
    elif variant == 1:  # multi-line payment run
        d.add(f"PAYMENT RUN {g.date(0)} — {co} treasury\n\n")
        for _ in range(g.r.randint(3, 7)):
            cc = g.pick(IBAN_MAIN) if g.chance(0.8) else g.pick(sorted(IBAN_SPECS))
            iban = g.iban(cc)
            d.put(g.pick(["{n}\t{i}\t" + g.amount("€") + "\tINV-" + g.digits(5) + "\n",
                          "Pay " + g.amount("EUR ") + " to {n}, account {i}, ref " + g.digits(6) + "\n",
                          "{n} / {i} / " + g.bic(cc, iban) + "\n"]), n=g.person().name, i=iban)
        if g.chance(0.6):
            d.add(f"\nRejected: {g.bad_iban()} (check digits invalid)\n")
        d.put("\nApproved by {a}\n", a=g.email(fin, domain=dom))
    else:  # payment reminder in prose, in the supplier's language
        cc = g.pick(["DE", "AT", "CH", "FR", "BE", "LU", "IT", "ES", "NL"])
        lang = "de" if cc in ("DE", "AT", "CH") else "fr" if cc in ("FR", "BE", "LU") else "en"
        street = {"de": "Hauptstraße", "fr": "rue de la République"}.get(lang, g.pick(["Via Roma", "Calle Mayor", "Keizersgracht"]))
        title = {"de": "Zahlungserinnerung", "fr": "Rappel de paiement"}.get(lang, "Payment reminder")
        d.add(f"{co}\n{street} {g.r.randint(1, 120)}\n\n{title} — {g.date(1)}\n\n")
        if cc in ("DE", "AT", "CH"):
            d.put("Sehr geehrte Damen und Herren,\n\nbitte überweisen Sie den offenen Betrag von " + g.amount_eu()
                  + " auf unser Konto {i} (BIC " + g.bic(cc) + "). Verwendungszweck: Rechnung " + g.digits(7) + ".\n\n"
                  "Telefon für Rückfragen: {p}\n", i=g.iban(cc), p=g.phone_country(cc))
        elif cc in ("FR", "BE", "LU"):
            d.put("Madame, Monsieur,\n\nmerci de bien vouloir régler la facture n° " + g.digits(6) + " (" + g.amount_eu()
                  + ") par virement sur le compte IBAN {i}, BIC " + g.bic(cc) + ".\n\nPour toute question : {p}\n",
                  i=g.iban(cc), p=g.phone_country(cc))
        else:
            d.put("Hello,\n\nplease wire the outstanding balance of " + g.amount("€") + " to {i}, quoting invoice "
                  + g.digits(7) + ".\nQuestions: {p}\n", i=g.iban(cc), p=g.phone_country(cc))
        d.put(f"\n{fin.name}\n{'Buchhaltung' if cc in ('DE', 'AT', 'CH') else 'Accounts'}\n{{e}}\nVAT {cc}{g.digits(9)}\n",
              e=g.email(fin, domain=dom))


NGINX_PATHS = ["/api/v1/login", "/checkout", "/static/app.9f3c1.js", "/wp-login.php", "/.env", "/healthz",
               "/api/v2/orders?page=2", "/favicon.ico", "/admin/export.csv"]
UAS = [lambda g: ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  f"Chrome/{g.r.randint(108, 126)}.0.{g.r.randint(5300, 6500)}.{g.r.randint(40, 230)} Safari/537.36"),
       lambda g: "curl/8.4.0", lambda g: "python-requests/2.31.0",
       lambda g: f"Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
       lambda g: "Go-http-client/1.1"]


def client_ip(g):
    r = g.r.randrange(10)
    if r < 6:
        return [g.ipv4()]
    if r < 8:
        return [g.ipv6()]
    if r < 9:
        return [g.ipv6_mapped()]
    return [g.ipv6(1)]


def doc_server_log(d, g):
    t = g.when()
    kind = g.r.randrange(4)
    for _ in range(g.r.randint(8, 22)):
        t += dt.timedelta(seconds=g.r.randint(0, 40), microseconds=g.r.randrange(10 ** 6))
        if kind == 0:  # nginx combined
            d.add(client_ip(g), f" - - [{t:%d/%b/%Y:%H:%M:%S} +0000] \"{g.pick(['GET', 'POST'])} {g.pick(NGINX_PATHS)} HTTP/1.1\" "
                  f"{g.pick([200, 200, 301, 401, 404, 500])} {g.r.randint(0, 90000)} \"-\" \"{g.pick(UAS)(g)}\"\n")
        elif kind == 1:  # sshd auth.log
            host = g.pick(["bastion-1", "web02", "db-eu-1"])
            if g.chance(0.2):
                d.put(f"{t:%b %d %H:%M:%S} {host} sshd[{g.r.randint(900, 65000)}]: Accepted publickey for deploy from {{ip}} port {g.r.randint(1024, 65535)} ssh2: ED25519 SHA256:{g.alnum(43)}\n", ip=g.ipv4(True))
            else:
                d.put(f"{t:%b %d %H:%M:%S} {host} sshd[{g.r.randint(900, 65000)}]: Failed password for {g.pick(['invalid user admin', 'root', 'invalid user oracle'])} from {{ip}} port {g.r.randint(1024, 65535)} ssh2\n",
                      ip=g.ipv4(False) if g.chance(0.8) else g.ipv6())
        elif kind == 2:  # reverse proxy with bracketed v6 + port, XFF
            up = g.ipv6()
            d.add(f"{t.isoformat()}Z proxy[{g.r.randint(100, 999)}]: upstream=[", up, f"]:{g.pick([443, 8080, 8443])} client=")
            d.add(client_ip(g))
            d.add(" xff=\"", g.ipv4(False), ", ", g.ipv4(True), f"\" status={g.pick([200, 502, 504])} req={g.uuid()}")
            if g.chance(0.3):
                d.add(" health=http://[", g.ipv6(), f"]:{g.pick([8080, 9090])}/ready")
            d.add("\n")
        else:  # firewall
            src = g.ipv4(False) if g.chance(0.7) else None
            if src:
                d.add(f"{t:%b %d %H:%M:%S} fw01 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=", src, " DST=", g.ipv4(True),
                      f" LEN={g.r.randint(40, 1500)} TTL={g.r.randint(30, 250)} PROTO=TCP SPT={g.r.randint(1024, 65535)} DPT={g.pick([22, 23, 3389, 445])}\n")
            else:
                d.add(f"{t:%b %d %H:%M:%S} fw01 kernel: [UFW BLOCK] IN=eth0 SRC=", g.ipv6(), " DST=", g.ipv6_linklocal(), "%eth0",
                      f" PROTO=UDP SPT=546 DPT=547 LEN={g.r.randint(60, 200)}\n")


def doc_kv_log(d, g):
    t = g.when()
    svc = g.pick(["payments-api", "auth", "checkout-worker", "patient-sync", "billing"])
    for _ in range(g.r.randint(6, 16)):
        t += dt.timedelta(milliseconds=g.r.randint(3, 90000))
        d.add(f"ts={t.isoformat(timespec='milliseconds')}Z level={g.pick(['info', 'info', 'warn', 'error', 'debug'])} svc={svc} ")
        r = g.r.randrange(9)
        if r == 0:
            d.put("msg=\"charge attempt\" pan={c} exp=" + g.expiry() + " amount=" + g.money_value() + "\n", c=g.card(sep=""))
        elif r == 1:
            d.put("msg=\"login ok\" user={e} src_ip={ip}\n", e=g.email(), ip=g.ipv4())
        elif r == 2:
            d.put("msg=\"login failed\" user=\"{e}\" src_ip={ip} reason=bad_password\n", e=g.email(), ip=g.ipv6())
        elif r == 3:
            d.put("msg=\"sms sent\" to=\"{p}\" provider=twilio sid=SM" + g.hexs(32) + "\n", p=g.phone())
        elif r == 4:
            d.put("msg=\"kyc check\" ssn={s} result=match\n", s=g.ssn(""))
        elif r == 5:
            d.add(f"msg=\"order created\" order_id={g.neg_order16()} trace_id={g.hexs(32)} duration_ms={g.r.randint(3, 900)}\n")
        elif r == 6:
            d.add(f"msg=\"cache miss\" key=user:{g.uuid()} ts_epoch={g.neg_epoch()}\n")
        elif r == 7:
            d.put("msg=\"payout queued\" iban={i} amount=" + g.money_value() + " currency=EUR\n", i=g.iban(style=0))
        else:
            d.put("msg=\"config loaded\" aws_key_id={k} region=eu-west-1 version=" + g.version_big() + "\n",
                  k=g.aws_key_id() if g.chance(0.6) else "AKIAIOSFODNN7EXAMPLE")


# -- configuration files

def db_url(g, host):
    return [f"postgres://app:{g.alnum(16)}@", host, f":5432/{g.pick(['orders', 'crm', 'prod'])}"]


def doc_config_yaml(d, g):
    d.add(f"# {g.pick(['values-prod.yaml', 'docker-compose.override.yml', 'app.yaml', 'config/production.yml'])}\n")
    d.add(f"service:\n  name: {g.pick(['billing', 'ingest', 'web'])}\n  replicas: {g.r.randint(1, 6)}\n  image: registry.local/app:{g.r.randint(1, 3)}.{g.r.randint(0, 20)}.{g.r.randint(0, 9)}\n")
    d.add("database:\n  host: ", g.ipv4(True), f"\n  port: 5432\n  password: \"{g.alnum(20)}\"\n")
    d.add("aws:\n  access_key_id: ", g.aws_key_id(), f"\n  secret_access_key: {g.aws_secret()}\n")
    if g.chance(0.6):
        d.add("notifications:\n  smtp_user: ", g.role_email(), "\n  on_call_phone: \"", g.phone(), "\"\n")
    if g.chance(0.5):
        d.add("allowlist:\n")
        for _ in range(g.r.randint(2, 4)):
            if g.chance(0.6):
                d.add("  - ", g.ipv4(False), g.pick(["", "", "/32"]), "\n")
            else:
                d.add("  - ", g.ipv6(), "\n")
    if g.chance(0.7):
        d.add("tls:\n  key: |\n    ", g.private_key(indent="    "), "\n")
    else:
        d.add("github:\n  token: ", g.gh_token(), "\n")
    d.add(f"build:\n  commit: {g.hexs(40)}\n  id: {g.uuid()}\n")


def doc_config_ini(d, g):
    d.add(f"; {g.pick(['settings.ini', 'app.cfg', 'credentials', 'php.ini fragment'])} — do not commit\n")
    if g.chance(0.5):
        d.add("[default]\naws_access_key_id = ", g.aws_key_id(), f"\naws_secret_access_key = {g.aws_secret()}\n\n")
        if g.chance(0.5):
            d.add("[profile staging]\naws_access_key_id = ", g.aws_key_id("ASIA"), f"\naws_secret_access_key = {g.aws_secret()}\n"
                  f"aws_session_token = {g.alnum(g.r.randint(200, 360), B62 + '/+')}\n\n")
    d.add("[database]\nhost = ", g.ipv4(True), f"\nuser = svc_app\npassword = {g.alnum(14)}\n\n")
    d.add("[mail]\nfrom = ", g.role_email(), "\nadmin = ", g.email(corporate=True), "\n\n")
    d.add("[support]\nphone = ", g.phone(), f"\nhours = 09:00-17:30\n\n[app]\nversion = {g.version_big()}\nsecret_key = {g.hexs(48)}\n")
    if g.chance(0.4):
        d.add("\n[listen]\nbind6 = ", g.ipv6(), "\nbind4 = ", g.ipv4(True), "\n")


def doc_config_env(d, g):
    d.add(f"# .env{g.pick(['', '.production', '.local'])}\nNODE_ENV=production\nPORT={g.pick([3000, 8080, 5000])}\n")
    d.add("DATABASE_URL=", db_url(g, g.ipv4(True)), "\n")
    d.add("AWS_ACCESS_KEY_ID=", g.aws_key_id(), f"\nAWS_SECRET_ACCESS_KEY={g.aws_secret()}\nAWS_REGION=eu-west-2\n")
    d.add("GITHUB_TOKEN=", g.gh_token(), "\n")
    if g.chance(0.5):
        d.add(f"STRIPE_SECRET_KEY=sk_live_{g.alnum(24)}\n")
    d.add("ADMIN_EMAIL=", g.email(corporate=True), "\n")
    if g.chance(0.5):
        d.add("SUPPORT_PHONE=\"", g.phone(), "\"\n")
    if g.chance(0.5):
        d.add("JWT_PRIVATE_KEY=\"", g.private_key(g.pick(["pkcs8", "rsa", "ec"]), nl="\\n"), "\\n\"\n")
    d.add(f"SENTRY_RELEASE={g.hexs(40)}\nPLACEHOLDER_TOKEN=ghp_{'x' * 36}\n")


def doc_config_json(d, g):
    ind = g.pick(["  ", "    ", "\t"])
    d.add("{\n", ind, f"\"env\": \"{g.pick(['prod', 'staging'])}\",\n")
    d.add(ind, "\"db\": {\"host\": \"", g.ipv4(True), f"\", \"port\": 3306, \"user\": \"root\", \"password\": \"{g.alnum(18)}\"}},\n")
    d.add(ind, "\"owner\": \"", g.email(), "\",\n")
    if g.chance(0.5):
        d.add(ind, "\"aws\": {\"accessKeyId\": \"", g.aws_key_id(), f"\", \"secretAccessKey\": \"{g.aws_secret()}\"}},\n")
    if g.chance(0.5):
        d.add(ind, "\"github\": {\"token\": \"", g.gh_token(), "\", \"org\": \"", g.pick(["acme", "zentrix"]), "\"},\n")
    d.add(ind, "\"listeners\": [\"", g.ipv4(), ":443\", \"[", g.ipv6(), "]:443\"],\n")
    if g.chance(0.5):
        d.add(ind, "\"signingKey\": \"", g.private_key(g.pick(["ec", "pkcs8"]), nl="\\n"), "\\n\",\n")
    d.add(ind, f"\"build\": {{\"sha\": \"{g.hexs(40)}\", \"ts\": {g.neg_epoch()}, \"id\": \"{g.uuid()}\"}}\n}}\n")


def doc_config_toml(d, g):
    d.add(f"# {g.pick(['config.toml', 'Settings.toml', 'netlify.toml'])}\n[server]\nbind = \"", g.ipv4(True), f":{g.pick([8080, 9000])}\"\n")
    owner = g.person()
    d.add("bind6 = \"[", g.ipv6(), "]:9000\"\n\n[owner]\nname = \"", owner.name, "\"\nemail = \"", g.email(owner), "\"\nphone = \"", g.phone(), "\"\n\n")
    d.add("[secrets]\ngithub_token = \"", g.gh_token(), "\"\n")
    if g.chance(0.5):
        d.add("aws_access_key_id = \"", g.aws_key_id(), f"\"\naws_secret_access_key = \"{g.aws_secret()}\"\n")
    if g.chance(0.6):
        d.add("ssh_key = \"\"\"\n", g.private_key(g.pick(["openssh", "ec", "rsa"])), "\n\"\"\"\n")
    d.add(f"\n[meta]\nversion = \"{g.r.randint(0, 3)}.{g.r.randint(0, 40)}.{g.r.randint(0, 9)}\"\nchecksum = \"sha256:{g.hexs(64)}\"\n")


def doc_pem_mail(d, g):
    a, b = g.person(), g.person()
    co, dom = g.company()
    host = g.ipv4(g.chance(0.5))
    mail_header(d, g, (a.name, g.email(a, domain=dom)), g.email(b, domain=dom),
                g.pick(["staging access", "Re: can't log in to the box", "key for the SFTP drop", "cert renewal"]))
    d.add(f"Hi {b.first},\n\n")
    d.put(g.pick(["Here's the key for the staging host ({h}). Save it as ~/.ssh/staging and chmod 600.\n\n",
                  "As discussed, the SFTP server is {h}; private key below, passphrase I'll text you.\n\n",
                  "The old cert expired. New key attached inline (our mail gateway strips .pem files), host {h}.\n\n"]), h=host)
    k = g.private_key(comment=f"{b.a_first}@{g.pick(['laptop', 'staging', 'sftp'])}")
    d.add(k, "\n\n")
    if g.chance(0.4):
        d.add("And the matching public half for the authorized_keys file:\n", g.ssh_pubkey(f"{b.a_first}@staging"), "\n\n")
    elif g.chance(0.3):
        d.add("Public key for the server config:\n", g.public_key_block(), "\n\n")
    d.add(f"Please delete this mail once you've copied it.\n\n{a.first}\n")
    if g.chance(0.6):
        d.put("--\n{n} | {t}\nM: {p}\n", n=a.name, t=g.pick(["Platform Engineer", "IT Manager", "SRE"]), p=g.phone())


def doc_service_account(d, g):
    proj = f"{g.pick(['analytics', 'prod-data', 'etl', 'crm-sync'])}-{g.r.randint(100000, 999999)}"
    name = g.pick(["deployer", "bq-reader", "terraform", "airflow"])
    d.add("{\n  \"type\": \"service_account\",\n", f"  \"project_id\": \"{proj}\",\n  \"private_key_id\": \"{g.hexs(40)}\",\n")
    d.add("  \"private_key\": \"", g.private_key("pkcs8", nl="\\n", algo="rsa"), "\\n\",\n")
    d.add("  \"client_email\": \"", V("email", f"{name}@{proj}.iam.gserviceaccount.com"), "\",\n")
    d.add(f"  \"client_id\": \"{g.digits(21)}\",\n  \"auth_uri\": \"https://accounts.google.com/o/oauth2/auth\",\n"
          "  \"token_uri\": \"https://oauth2.googleapis.com/token\",\n  \"universe_domain\": \"googleapis.com\"\n}\n")


def doc_shell_history(d, g):
    """~/.bash_history, optionally as `history` output; each entry is a list of lines."""
    org = g.pick(["acme", "bluefinch", "zentrix"])
    cmds = [
        lambda: [["export AWS_ACCESS_KEY_ID=", g.aws_key_id()], [f"export AWS_SECRET_ACCESS_KEY={g.aws_secret()}"]],
        lambda: [["git clone https://", g.gh_token(), f"@github.com/{org}/{g.pick(['infra', 'site'])}.git"]],
        lambda: [["git clone https://oauth2:", g.gh_token("gho_"), f"@github.com/{org}/etl.git"]],
        lambda: [["git remote add upstream https://x-access-token:", g.gh_token("ghs_"), f"@github.com/{org}/api"]],
        lambda: [["ssh -i ~/.ssh/id_ed25519 ubuntu@", g.ipv4()]],
        lambda: [["ping6 -c3 ", g.ipv6()]],
        lambda: [["ping6 ", g.ipv6_linklocal(), g.pick(["%eth0", "%en0", "%wlan0"])]],
        lambda: [["curl -s -H 'Authorization: token ", g.gh_token(), "' https://api.github.com/user"]],
        lambda: [["mysql -h ", g.ipv4(True), f" -u root -p'{g.alnum(12)}' crm"]],
        lambda: [[f"docker pull registry.local/app@sha256:{g.hexs(64)}"]],
        lambda: [["echo 'AKIAIOSFODNN7EXAMPLE' > /tmp/test-creds"]],
        lambda: [[f"kubectl rollout restart deploy/web  # {g.when():%Y-%m-%d}"]],
        lambda: [["nc -zv ", g.ipv4(False), " 443"]],
        lambda: [["aws sts get-caller-identity"]],
        lambda: [["curl -u ", g.email(corporate=True), f":{g.alnum(10)} https://jira.internal/rest/api/2/myself"]],
        lambda: [["ls -la"], ["cd ~/src"], ["vim .env"]],
    ]
    n = g.r.randint(300, 1900) if g.chance(0.5) else None
    for i in g.r.choices(range(len(cmds)), k=g.r.randint(8, 14)):
        for line in cmds[i]():
            if n is not None:
                d.add(f"{n:5d}  ")
                n += 1
            d.add(line, "\n")


def doc_email_thread(d, g):
    a, b = g.person(), g.person()
    co, dom = g.company()
    ra, rb = g.pick(["us", "uk", "intl"]), "uk" if dom.endswith(".uk") else g.pick(["us", "intl"])
    d.add(f"Subject: RE: {g.pick(['contact details', 'your application', 'Account update', 'Delivery on Tuesday'])}\n\n")
    d.add(f"Thanks {a.first}, that's sorted now.\n\n")
    d.put("{n}\n{t} | {c}\nDirect: {p}{x}\nMobile: {m}\n{e}\n\n", n=b.name, t=g.pick(["Account Manager", "Office Manager", "Buyer"]),
          c=co, p=g.phone(rb), x=g.ext() if g.chance(0.4) else "", m=g.phone(rb), e=g.email(b, domain=dom))
    d.add(f"On {g.date(3)}, {a.name} <", g.email(a, corporate=False), "> wrote:\n")
    d.put(g.pick(["> Hi, my new number is {p} and please use {e} from now on.\n",
                  "> Hi,\n> I've moved — mobile {p}, personal mail {e}. The office line no longer works.\n"]),
          p=g.phone(ra), e=g.email(a, corporate=False))
    if g.chance(0.5):
        d.put("> Also the card on file should be {c}, exp " + g.expiry() + ".\n", c=g.card())
    d.add(f"> Order {g.neg_order16()} can go to the same address.\n>\n> Cheers,\n> {a.first}\n")
    d.add("\nThis e-mail and any attachments are confidential. If you received it in error, notify the sender at ",
          g.role_email(dom), " and delete it.\n")


def doc_pharmacy_claim(d, g):
    pt = g.person()
    d.add(f"PHARMACY CLAIM  #{g.digits(9)}   Submitted {g.when():%m/%d/%Y %H:%M}\n{'=' * 52}\n")
    d.add(f"Patient ........ {pt.last.upper()}, {pt.first.upper()}\nDOB ............ {g.dob(2)}\n")
    d.put("SSN ............ {s}\n", s=g.ssn())
    d.put("Prescriber NPI . {a}\nPharmacy NPI ... {b}\n", a=g.npi(), b=g.npi())
    d.add(f"NDC ............ {g.digits(5)}-{g.digits(4)}-{g.digits(2)}\nRx # ........... {g.digits(7)}\n")
    d.add(f"Qty ............ {g.r.randint(10, 90)}   Days supply {g.pick([30, 90])}\nBIN/PCN ........ {g.digits(6)} / {g.pick(['ADV', 'MEDDPRIME', '03200000'])}\n")
    d.add(f"Group .......... {g.alnum(8, 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789')}\nBilled ......... {g.amount('$')}\n")
    d.add(f"Reject code .... {g.pick(['75 Prior Authorization Required', '70 Product Not Covered', '-- (paid)'])}\n")
    d.add(f"Trace .......... {g.neg_npi10()}\n")
    d.put("Callback ....... {p}\n", p=g.phone("us"))


def doc_release_notes(d, g):
    """Mostly look-alikes; at most one real value (a maintainer address)."""
    d.add(f"Release notes — v{g.r.randint(2, 9)}.{g.r.randint(0, 30)}.{g.r.randint(0, 12)} ({g.date(0)})\n\n")
    for _ in range(g.r.randint(5, 10)):
        d.add("- ", g.pick([
            f"Fixed crash when parsing build ids like {g.version_big()}.",
            f"Upgraded OpenSSL; artifact sha256 {g.hexs(64)}.",
            f"Merged PR #{g.r.randint(100, 9999)} ({g.hexs(7)}).",
            f"Order ids are now 16 digits (e.g. {g.neg_order16()}); old 10-digit ids like {g.neg_npi10()} still resolve.",
            f"Dates now use ISO-8601 ({g.when().isoformat()}).",
            f"Invalid IBANs such as {g.bad_iban()} are rejected at input.",
            f"Sample config uses AKIAIOSFODNN7EXAMPLE and ghp_{'x' * 36} placeholders.",
            f"Session ids are UUIDv4 ({g.uuid()}).",
            f"Telemetry timestamps are epoch millis ({g.neg_epoch_ms()}).",
            f"Test SSNs are drawn from unissued ranges only ({g.neg_ssn()}).",
            f"Handles like @{g.pick(NICKS).replace('.', '')} are no longer linkified.",
            f"Replaced `std::map` with `absl::flat_hash_map`.",
        ]), "\n")
    if g.chance(0.4):
        d.add("\nMaintainer: ", g.email(corporate=True), "\n")


def doc_case_narrative(d, g):
    """Investigator / claims-handler narrative: values stand in sentences, no field labels."""
    p, who = g.person(), g.person()
    she = g.pick(["she", "he", "they"])
    d.add(f"{g.pick(['Case summary', 'File note', 'Investigation notes', 'Claim narrative'])} — {g.date(3)}\n")
    d.add(f"Prepared by {who.name}\n\n")
    sentences = [
        ("At {t} a caller who gave the name " + p.name + " rang in from {v} and asked why " + she + " had been locked out.", lambda: g.phone()),
        ("The caller read the long number off the front of the card, {v}, and then the expiry date.", lambda: g.card()),
        ("That afternoon a message arrived from {v} asking us to send the refund somewhere else.", lambda: g.email(p, corporate=False)),
        ("Our logs put the session at {v}, which belongs to a hosting provider rather than a home connection.", lambda: g.ipv4(False)),
        ("When asked to confirm identity " + she + " quoted {v}, which did not match what we hold.", lambda: g.ssn()),
        ("The money was to be moved to {v}, an account opened only last month.", lambda: g.iban()),
        ("A second attempt came from {v} about ten minutes later.", lambda: g.ipv6()),
        ("I called back on {v} but it went straight to voicemail.", lambda: g.phone()),
        ("The surgery confirmed that the patient's number is {v} and that the address is current.", lambda: g.nhs()),
        ("The prescription was signed by a clinician registered as {v}; the pharmacy has since queried it.", lambda: g.npi()),
        ("Later the same person wrote again, this time from {v}.", lambda: g.email(corporate=False)),
        ("Nothing in the letter itself looked wrong: the reference was " + g.neg_order16() + " and the total " + g.amount() + ".", None),
        ("The receipt only shows the card as " + g.masked_card() + ".", None),
        (g.neg_sentence(), None),
        ("We have asked the bank to recall the transfer and flagged the profile.", None),
        (f"{p.first} was polite throughout and did not seem to be reading from a script.", None),
    ]
    t = g.when()
    for i in sorted(g.r.sample(range(len(sentences)), g.r.randint(6, 10))):
        tpl, make = sentences[i]
        t += dt.timedelta(minutes=g.r.randint(3, 200))
        d.put(tpl + g.pick([" ", " ", "\n\n"]), t=t.strftime("%H:%M"), v=make() if make else "")
    d.add(f"\n\nNext review: {g.date(3)}.\n")


# -- exports: CSV / JSON / fixed width / bare lists

# column key -> (header variants, cell maker(g, person, style) -> V or str).
# style holds per-table formatting so that a column is (mostly) consistent.
COLUMNS = {
    "name": (["Name", "Full Name", "customer_name", "Nombre", "Kunde", "Patient"], lambda g, p, t: p.name),
    "email": (["Email", "Email Address", "e-mail", "EMAIL", "contact_email", "Mail"], lambda g, p, t: g.email(p)),
    "phone": (["Phone", "Mobile", "Telefon", "Tel.", "phone_number", "Contact No", "Cell"], lambda g, p, t: g.phone(t.region)),
    "card": (["Card No", "PAN", "cc_number", "Card Number", "card"], lambda g, p, t: g.card(sep=t.sep)),
    "exp": (["Exp", "Expiry", "exp_date"], lambda g, p, t: g.expiry()),
    "ssn": (["SSN", "Social Security #", "ssn", "SocSecNo", "Tax ID (SSN)"], lambda g, p, t: g.ssn(t.sep)),
    "nhs": (["NHS No.", "NHS Number", "nhs_number", "NHS"], lambda g, p, t: g.nhs(t.sep)),
    "npi": (["Prescriber NPI", "NPI", "provider_npi", "Rendering NPI", "NPI Number"], lambda g, p, t: g.npi()),
    "ip": (["IP", "ip_address", "Client IP", "src", "Last Login IP"], lambda g, p, t: g.ipv4() if g.chance(0.8) else g.ipv6()),
    "iban": (["IBAN", "iban", "Kontonummer (IBAN)", "Bank Account", "payee_iban"], lambda g, p, t: g.iban(style=t.iban_style)),
    "order": (["Order ID", "order_id", "Bestellnr", "Ref", "Invoice #"], lambda g, p, t: g.neg_order16() if t.long_ids else f"ORD-{g.digits(6)}"),
    "tracking": (["Tracking #", "tracking_no", "Sendungsnummer"], lambda g, p, t: g.ups() if g.chance(0.5) else g.neg_order16()),
    "amount": (["Amount", "Total", "amount_usd", "Betrag"], lambda g, p, t: g.money_value()),
    "date": (["Date", "created_at", "Datum", "Signup Date", "last_visit"], lambda g, p, t: g.date(t.date_style)),
    "dob": (["DOB", "Date of Birth", "birth_date", "Geburtsdatum"], lambda g, p, t: g.dob(t.date_style)),
    "zip": (["ZIP", "Postcode", "zip_code", "PLZ"], lambda g, p, t: g.zip4() if t.region == "us" else g.pick(UK_TOWNS)[1] if t.region == "uk" else g.digits(5)),
    "qty": (["Qty", "Quantity", "units"], lambda g, p, t: str(g.r.randint(1, 40))),
    "status": (["Status", "state"], lambda g, p, t: g.pick(["active", "closed", "pending", "refunded"])),
    "uuid": (["id", "uuid", "record_id"], lambda g, p, t: g.uuid()),
    "claim": (["Claim No", "claim_ref", "Case"], lambda g, p, t: g.neg_npi10()),
    "drug": (["Drug", "medication"], lambda g, p, t: g.pick(["metformin 500mg", "lisinopril 10mg", "sertraline 50mg", "amoxicillin 250mg"])),
    "ts": (["timestamp", "epoch", "ts"], lambda g, p, t: g.neg_epoch()),
    "city": (["City", "Ort", "town"], lambda g, p, t: g.pick(US_CITIES)[0] if t.region == "us" else g.pick(UK_TOWNS)[0]),
    "specialty": (["Specialty", "taxonomy"], lambda g, p, t: g.pick(["Family Medicine", "Cardiology", "Dermatology", "Pharmacist", "Psychiatry"])),
}
SCHEMAS = [  # (columns, region or None = mixed)
    (["uuid", "name", "email", "phone", "city", "zip", "date"], "us"),
    (["order", "name", "card", "exp", "amount", "date", "status"], None),
    (["name", "ssn", "dob", "email", "phone", "zip"], "us"),
    (["name", "nhs", "dob", "phone", "zip"], "uk"),
    (["claim", "npi", "name", "drug", "qty", "date"], "us"),
    (["npi", "name", "specialty", "phone", "city", "zip"], "us"),
    (["date", "email", "ip", "status", "ts"], None),
    (["name", "iban", "amount", "date", "order"], "intl"),
    (["name", "email", "phone", "card", "ip", "qty"], None),
    (["order", "tracking", "name", "phone", "zip", "qty"], "uk"),
]


class TableStyle:
    def __init__(self, g, region):
        messy = g.chance(0.2)  # a hand-maintained sheet: formats vary row to row
        self.region = region
        self.sep = None if messy else g.r.choices([" ", "-", ""], [4, 2, 3])[0]
        self.iban_style = None if messy else g.pick([0, 0, 1, 2])
        self.date_style = g.pick([0, 1, 2]) if not messy else None
        self.long_ids = g.chance(0.6)


def table_rows(g, n_rows_max=40):
    cols, region = g.pick(SCHEMAS)
    cols = list(cols)
    for _ in range(g.r.randint(0, 3)):  # light shuffle: keep most of the natural order
        i, j = g.r.randrange(len(cols)), g.r.randrange(len(cols))
        cols[i], cols[j] = cols[j], cols[i]
    headers = [g.pick(COLUMNS[c][0]) for c in cols]
    style = TableStyle(g, region)
    rows = []
    for _ in range(g.r.randint(4, n_rows_max)):
        p = g.person()
        if region is None:
            style.region = g.pick(["us", "uk", "intl"])
        rows.append([("" if g.chance(0.04) and c != "name" else COLUMNS[c][1](g, p, style)) for c in cols])
    return cols, headers, rows


def cell_text(c):
    return c.text if isinstance(c, V) else c


def doc_csv(d, g):
    cols, headers, rows = table_rows(g)
    delim = g.pick([",", ",", ";", "\t", "|"])
    quote_all = g.chance(0.3)
    target = g.r.randint(400, 2600)

    def write_cell(c):
        txt = cell_text(c)
        q = quote_all or delim in txt or '"' in txt
        d.add('"' if q else "", c, '"' if q else "")

    d.add(delim.join(('"' + h + '"') if quote_all else h for h in headers), "\n")
    for row in rows:
        if d.nbytes > target:
            break
        for i, c in enumerate(row):
            if i:
                d.add(delim)
            write_cell(c)
        d.add("\n" if g.chance(0.9) else "\r\n")


def doc_json_records(d, g):
    cols, _, rows = table_rows(g, 25)
    keys = [re.sub(r"\W+", "_", g.pick(COLUMNS[c][0])).strip("_").lower() or c for c in cols]
    lines = g.chance(0.35)  # JSON Lines vs pretty array
    target = g.r.randint(500, 2400)
    if not lines:
        d.add("[\n")
    for n, row in enumerate(rows):
        if d.nbytes > target:
            break
        if not lines and n:
            d.add(",\n")
        d.add("{" if lines else "  {")
        for i, (k, c) in enumerate(zip(keys, row)):
            d.add(", " if i else "", json.dumps(k), ": ")
            if k in ("qty", "quantity", "units", "amount", "total", "amount_usd", "betrag") and c:
                d.add(c)
            else:
                d.add('"', c if isinstance(c, V) else json.dumps(c, ensure_ascii=False)[1:-1], '"')
        d.add("}\n" if lines else "}")
    if not lines:
        d.add("\n]\n")


def doc_fixed_width(d, g):
    cols, headers, rows = table_rows(g, 18)
    widths = [max(len(h), *(len(cell_text(r[i])) for r in rows)) for i, h in enumerate(headers)]
    psql = g.chance(0.5)
    target = g.r.randint(400, 2400)
    if psql:
        d.add(" " + " | ".join(h.center(w) for h, w in zip(headers, widths)) + "\n")
        d.add("-" + "-+-".join("-" * w for w in widths) + "-\n")
    else:
        d.add("  ".join(h.upper().ljust(w) for h, w in zip(headers, widths)).rstrip() + "\n")
        d.add("  ".join("=" * w for w in widths) + "\n")
    shown = 0
    for row in rows:
        if d.nbytes > target:
            break
        shown += 1
        for i, (c, w) in enumerate(zip(row, widths)):
            d.add(" | " if psql and i else (" " if psql else ("  " if i else "")))
            d.add(c, " " * (w - len(cell_text(c))))
        d.add("\n")
    if psql:
        d.add(f"({shown} rows)\n")


def doc_bare_list(d, g):
    kind = g.r.randrange(6)
    d.add(g.pick(["", "", "list.txt\n", "paste:\n", "-- dump --\n"]))
    maker = [lambda: g.ipv4(), lambda: g.email(), lambda: g.card(), lambda: g.phone(),
             lambda: g.ipv6() if g.chance(0.7) else g.ipv4(), lambda: g.pick([g.email, g.ssn, g.phone, g.ipv4])()][kind]
    for _ in range(g.r.randint(16, 30)):
        if g.chance(0.12):
            d.add(g.pick([g.uuid(), g.neg_order16(), g.hexs(32), g.version_big(), g.neg_npi10()]), "\n")
        else:
            d.add(maker(), "\n")


KINDS = [doc_support_ticket, doc_hr_onboarding, doc_postmortem, doc_chat_log, doc_dev_chat,
         doc_meeting_notes, doc_complaint_letter, doc_referral_uk, doc_referral_us,
         doc_payment_instructions, doc_payment_instructions, doc_server_log, doc_kv_log,
         doc_config_yaml, doc_config_ini, doc_config_env, doc_config_json, doc_config_toml,
         doc_pem_mail, doc_service_account, doc_shell_history, doc_email_thread,
         doc_pharmacy_claim, doc_release_notes, doc_case_narrative, doc_case_narrative, doc_case_narrative,
         doc_csv, doc_csv, doc_csv, doc_json_records, doc_json_records, doc_fixed_width,
         doc_fixed_width, doc_bare_list]

MIN_BYTES, MAX_BYTES = 300, 6000


# --------------------------------------------------------------------------
# 5. main


def make_doc(kind, g):
    for _ in range(50):
        d = Doc()
        kind(d, g)
        if MIN_BYTES <= d.nbytes <= MAX_BYTES:
            return d
    raise RuntimeError(f"{kind.__name__}: could not fit {MIN_BYTES}..{MAX_BYTES} bytes")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    g = Values(rng)
    docs_dir = os.path.join(a.out_dir, "sample", "docs")
    os.makedirs(docs_dir, exist_ok=True)
    schedule = []
    while len(schedule) < a.n:
        cycle = list(KINDS)
        rng.shuffle(cycle)
        schedule += cycle
    counts, kinds = Counter(), Counter()
    with open(os.path.join(a.out_dir, "sample", "labels.jsonl"), "w", encoding="utf-8") as lab:
        for i, kind in enumerate(schedule[:a.n]):
            d = make_doc(kind, g)
            name = f"docs/{i:05d}.txt"
            with open(os.path.join(a.out_dir, "sample", name), "w", encoding="utf-8", newline="") as f:
                f.write(d.text())
            lab.write(json.dumps({"doc": name, "entities": d.entities}) + "\n")
            counts.update(e["type"] for e in d.entities)
            kinds[kind.__name__] += 1
    print(f"wrote {a.n} docs to {docs_dir}")
    print("entities: " + ", ".join(f"{t}={n}" for t, n in sorted(counts.items())))


if __name__ == "__main__":
    main()
