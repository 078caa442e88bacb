#!/usr/bin/env python3
"""Fifth labelled DLP test corpus: data formats people leak (SQL dumps, HL7,
LDIF, vCard, iCalendar, logs, configs, mail, chat exports, reports) in locales
beyond Western Europe.

    python3 gen.py OUT_DIR [--n 300] [--seed 1]

writes OUT_DIR/sample/docs/NNNNN.txt and OUT_DIR/sample/labels.jsonl with
UTF-8 byte offsets (end exclusive).
"""
import argparse
import json
import os
import random
import sys

sys.dont_write_bytecode = True  # keep the script directory clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import kinds_data  # noqa: E402
import kinds_text  # noqa: E402
import locales  # noqa: E402
import values as V  # noqa: E402

MIN_BYTES, MAX_BYTES = 512, 6144
NEG_DOC_RATE = 0.2      # documents with hard negatives only
MASK_RATE = 0.07        # in positive documents, share of fields that come out masked/invalid


class Val:
    """A labelled value inside a document."""
    __slots__ = ("type", "text")

    def __init__(self, type_, text):
        self.type, self.text = type_, text

    def __str__(self):  # lets kinds measure a value when padding columns
        return self.text

    def __len__(self):
        return len(self.text)


class Doc:
    def __init__(self, crlf=False):
        self.parts, self.crlf, self._size, self.n_labels = [], crlf, 0, 0

    def add(self, *parts):
        for p in parts:
            if isinstance(p, Val):
                self.parts.append(p)
                self._size += len(p.text.encode())
                self.n_labels += 1
            elif p:
                self.parts.append(str(p))
                self._size += len(str(p).encode())
        return self

    def line(self, *parts):
        return self.add(*parts, "\n")

    def size(self):
        return self._size

    def labels(self):
        return [p for p in self.parts if isinstance(p, Val)]

    def render(self):
        out, ents, pos = [], [], 0
        for p in self.parts:
            text = p.text if isinstance(p, Val) else p
            if self.crlf:
                text = text.replace("\r\n", "\n").replace("\n", "\r\n")
            b = text.encode("utf-8")
            if isinstance(p, Val):
                ents.append({"type": p.type, "start": pos, "end": pos + len(b)})
            out.append(b)
            pos += len(b)
        return b"".join(out), ents


class Ctx:
    """Everything a document kind needs: rng, locale, the doc, and value
    builders that return a labelled Val, or a realistic unlabelled stand-in
    (masked, redacted or checksum-failing) in negative documents."""

    def __init__(self, rng, loc, pos):
        self.rng, self.loc, self.pos = rng, loc, pos
        self.doc = Doc()
        self.target = rng.randint(900, 4600)
        self.budget = rng.randint(2, 14)  # labels; the doc stops growing at target bytes or budget labels

    # -- helpers
    def chance(self, p):
        return self.rng.random() < p

    def choice(self, seq):
        return self.rng.choice(seq)

    def full(self):
        size = self.doc.size()
        return size >= self.target or (self.doc.n_labels >= self.budget and size >= 700)

    def _live(self):
        return self.pos and not self.chance(MASK_RATE)

    def us(self, p=0.2):
        """A US-person context: always in en_US documents, sometimes elsewhere
        (expats, US customers of foreign shops, W-9 forms)."""
        return self.loc.code == "en_US" or self.chance(p)

    def person(self, loc=None):
        p = (loc or self.loc).person(self.rng)
        p["email_domain"] = self.rng.choice((loc or self.loc).domains)
        return p

    def filler(self, k=1, loc=None):
        loc = loc or self.loc
        sep = "" if loc.lang in ("ja", "zh") else " "
        return sep.join(self.rng.sample(loc.filler, min(k, len(loc.filler))))

    def other_loc(self):
        return locales.pick(self.rng)

    # -- labelled values (or stand-ins)
    def card(self, layout=None, brand=None):
        if self._live():
            return Val("credit_card", V.credit_card(self.rng, brand, layout))
        return V.card_masked(self.rng) if self.chance(0.7) else V.card_luhn_fail(self.rng, layout)

    def email(self, person=None, domain=None, loc=None):
        loc = loc or self.loc
        person = person or self.person(loc)
        domain = domain or person.get("email_domain") or self.rng.choice(loc.domains)
        if self._live():
            return Val("email", V.email(self.rng, _ascii_part(person["given"]), _ascii_part(person["family"]), domain))
        return V.email_masked(self.rng, _ascii_part(person["given"]) or "x", _ascii_part(person["family"]) or "x", domain)

    def role_email(self, domain):
        if self._live():
            return Val("email", V.role_email(self.rng, domain))
        return "[email removed]"

    def ssn(self, sep=None):
        sep = sep or ("-" if self.chance(0.85) else " ")
        if self._live():
            return Val("us_ssn", V.ssn(self.rng, sep))
        return V.ssn_invalid(self.rng, sep) if self.chance(0.6) else self.choice(["***-**-", "XXX-XX-"]) + V.digits(self.rng, 4)

    def iban(self, cc=None, grouped=None):
        cc = cc or self.choice(self.loc.ibans + ["DE", "GB", "FR", "NL", "ES", "IT", "CH", "PL", "SE", "BE", "AT"])
        if self._live():
            return Val("iban", V.iban(self.rng, cc, grouped))
        if self.chance(0.7):
            return V.iban_invalid(self.rng, cc, grouped)
        s = V.iban_compact(self.rng, cc)
        return s[:4] + " **** **** " + s[-4:]

    def ipv4(self, kind=None):
        if self._live():
            return Val("ipv4", V.ipv4(self.rng, kind))
        a = V.ipv4(self.rng, kind).split(".")
        return self.choice([f"{a[0]}.{a[1]}.xxx.xxx", f"{a[0]}.{a[1]}.{a[2]}.*", "[client-ip]", "0.0.0.x"])

    def ipv6(self, form=None):
        if self._live():
            return Val("ipv6", V.ipv6(self.rng, form))
        a = V.ipv6(self.rng, "compressed").split(":")
        return self.choice([f"{a[0]}:{a[1]}:****:****", "[ipv6 removed]", f"{a[0]}:xxxx:xxxx"])

    def phone(self, mobile=None, loc=None):
        loc = loc or self.loc
        s = loc.phone(self.rng, mobile)
        if self._live():
            return Val("phone", s)
        digs = [i for i, ch in enumerate(s) if ch.isdigit()]
        keep = set(digs[:2] + digs[-3:]) if self.chance(0.7) else set(digs[:1])
        masked = "".join(ch if (not ch.isdigit() or i in keep) else "*" for i, ch in enumerate(s))
        return masked if self.chance(0.8) else "(withheld)"

    def aws(self, temp=False):
        if self._live():
            return Val("aws_access_key", V.aws_key(self.rng, temp))
        return V.aws_key_invalid(self.rng)

    def gh(self, prefix=None):
        if self._live():
            return Val("github_token", V.github_token(self.rng, prefix))
        return V.github_placeholder(self.rng)

    def pkey(self, kind=None):
        if self._live():
            return Val("private_key", V.private_key(self.rng, kind))
        return V.public_pem(self.rng)

    def nhs(self, layout=None):
        if self._live():
            return Val("uk_nhs", V.nhs(self.rng, layout))
        return V.nhs_invalid(self.rng)

    def npi(self):
        if self._live():
            return Val("us_npi", V.npi(self.rng))
        return V.npi_invalid(self.rng)


def _ascii_part(s):
    return "".join(ch for ch in locales.V_ascii(s).lower() if ch.isalnum()) or "user"


KINDS = kinds_data.KINDS + kinds_text.KINDS


def build(rng, pos):
    english = rng.random() < 0.38
    loc = locales.pick(rng, english)
    fn = V.pick_weighted(rng, KINDS)
    c = Ctx(rng, loc, pos)
    fn(c)
    c.doc.kind = fn.__name__
    if c.chance(0.25) and c.doc.parts and isinstance(c.doc.parts[-1], str) and not c.doc.parts[-1].strip():
        c.doc.parts.pop()  # let the file end right after a value
    return c.doc


def masked(data, ents):
    b = bytearray(data)
    for e in ents:
        b[e["start"]:e["end"]] = b"\x01" * (e["end"] - e["start"])
    return b.decode("utf-8")


def make_doc(seed, index):
    for attempt in range(200):
        rng = random.Random(f"eval-e:{seed}:{index}:{attempt}")
        doc = build(rng, random.Random(f"eval-e:{seed}:{index}:pos").random() >= NEG_DOC_RATE)
        data, ents = doc.render()
        if not MIN_BYTES <= len(data) <= MAX_BYTES:
            continue
        if V.strays(masked(data, ents)):
            continue
        return data, ents
    raise RuntimeError(f"could not build document {index}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    docs_dir = os.path.join(a.out, "sample", "docs")
    os.makedirs(docs_dir, exist_ok=True)
    total = 0
    with open(os.path.join(a.out, "sample", "labels.jsonl"), "w", encoding="utf-8", newline="\n") as lab:
        for i in range(a.n):
            data, ents = make_doc(a.seed, i)
            name = f"docs/{i:05d}.txt"
            with open(os.path.join(a.out, "sample", name), "wb") as f:
                f.write(data)
            lab.write(json.dumps({"doc": name, "entities": ents}) + "\n")
            total += len(ents)
    print(f"wrote {a.n} docs, {total} labels to {os.path.join(a.out, 'sample')}")


if __name__ == "__main__":
    main()
