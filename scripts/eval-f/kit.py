"""Shared helpers for the document kinds: people, labelled-value makers
(returning `L` pieces) and a grab-bag of hard negatives with captions."""
import values as V
import decoys as D
import fake as F
import keys as K
from doc import L, Mix, wrap, NBSP, NNBSP  # noqa: F401  (re-exported for kinds)


def who(rng, company=None, ascii_only=False):
    first, last = F.person(rng, ascii_only)
    comp = company if company is not None else (rng.choice(F.COMPANIES) if rng.random() < 0.5 else None)
    dom = comp[1] if comp and rng.random() < 0.7 else rng.choice(F.MAIL_HOSTS)
    return {"first": first, "last": last, "name": f"{first} {last}", "company": comp,
            "email": V.email(rng, first, last, dom)}


# ------------------------------------------------------ labelled makers
def card(rng, **kw):
    return L("credit_card", V.card(rng, **kw))


def ssn(rng, layout="dash"):
    return L("us_ssn", V.ssn(rng, layout))


def ssn_any(rng):
    """Layout for a value directly after an SSN label word."""
    return L("us_ssn", V.ssn(rng, V.pick(rng, [("dash", 6), ("space", 2), ("compact", 2)])))


def iban(rng, **kw):
    return L("iban", V.iban(rng, **kw))


def nhs(rng, **kw):
    return L("uk_nhs", V.nhs(rng, **kw))


def npi(rng):
    return L("us_npi", V.npi(rng))


def email(rng, person=None, domain=None):
    if person and not domain:
        return L("email", person["email"])
    p = person or who(rng)
    return L("email", V.email(rng, p["first"], p["last"], domain or rng.choice(F.MAIL_HOSTS)))


def role_email(rng, domain):
    return L("email", V.role_email(rng, domain))


def ip4(rng, kind=None):
    return L("ipv4", V.ipv4(rng, kind))


def ip6(rng, style=None):
    return L("ipv6", V.ipv6(rng, style))


def phone(rng, country=None):
    return L("phone", V.phone(rng, country))


def aws(rng, temp=None):
    return L("aws_access_key", V.aws_key(rng, temp))


def gh(rng, prefix=None):
    return L("github_token", V.github_token(rng, prefix))


def pkey(rng, kind=None, max_chars=None):
    return L("private_key", K.private_key(rng, kind, max_chars))


def e164(phone_text):
    """tel: form of an internationally written number, else None."""
    if not phone_text.startswith("+"):
        return None
    return "+" + V.only_digits(phone_text.replace("(0)", ""))


# --------------------------------------------------------- hard negatives
NEGATIVES = [
    ("Order", D.order_no), ("Invoice", D.invoice_no), ("Tracking", D.tracking_no), ("Ref", D.account_ref),
    ("Card (declined, failed check)", D.luhn_fail_card), ("Card on file", D.masked_card),
    ("SSN (rejected)", D.bad_ssn), ("SSN", D.masked_ssn), ("NHS no. (unverified)", D.bad_nhs),
    ("NPI (typo?)", D.bad_npi), ("IBAN (bounced)", D.bad_iban), ("IBAN", D.masked_iban),
    ("Request-Id", D.uuid), ("Checksum", D.digest), ("Version", D.version), ("OID", D.oid),
    ("Timestamp", D.timestamp), ("Amount", D.price), ("Book", D.isbn), ("MAC", D.mac),
    ("Build", D.not_ip), ("Key id", D.aws_placeholder), ("Token", D.github_placeholder), ("Sender", D.not_email),
]


def negative(rng, families=None):
    """(caption, value) for a random hard negative."""
    pool = [n for n in NEGATIVES if families is None or n[0] in families]
    cap, gen = rng.choice(pool)
    return cap, gen(rng)


def neg_line(rng, d, n=1):
    """Append n 'Caption: value' lines of hard negatives."""
    for _ in range(n):
        cap, val = negative(rng)
        d(f"{cap}: {val}\n")


# ----------------------------------------------------------- templates
import re as _re

MAKERS = {
    "card": lambda r: card(r), "amex": lambda r: card(r, brand="amex"), "visa": lambda r: card(r, brand="visa"),
    "ssn": lambda r: ssn(r), "ssn_lab": lambda r: ssn_any(r), "iban": lambda r: iban(r),
    "nhs": lambda r: nhs(r), "npi": lambda r: npi(r), "email": lambda r: email(r),
    "phone": lambda r: phone(r), "us_phone": lambda r: phone(r, "US"), "uk_phone": lambda r: phone(r, "UK"),
    "ip4": lambda r: ip4(r), "ip6": lambda r: ip6(r), "aws": lambda r: aws(r), "gh": lambda r: gh(r),
    # hard negatives
    "order": D.order_no, "invoice": D.invoice_no, "tracking": D.tracking_no, "masked_card": D.masked_card,
    "bad_card": D.luhn_fail_card, "bad_ssn": D.bad_ssn, "masked_ssn": D.masked_ssn, "bad_nhs": D.bad_nhs,
    "bad_npi": D.bad_npi, "bad_iban": D.bad_iban, "masked_iban": D.masked_iban, "uuid": D.uuid,
    "digest": D.digest, "version": D.version, "ts": D.timestamp, "price": D.price, "isbn": D.isbn,
    "acct": D.account_ref, "oid": D.oid, "not_email": D.not_email,
    "aws_fake": D.aws_placeholder, "gh_fake": D.github_placeholder,
    "exp": lambda r: f"{r.randint(1, 12):02d}/{r.randint(25, 31)}", "last4": lambda r: f"{r.randint(0, 9999):04d}",
    "ext": lambda r: str(r.randint(10, 4999)),
    "city": lambda r: r.choice(F.CITIES), "street": lambda r: f"{r.randint(1, 180)} {r.choice(F.STREETS)}",
    "product": lambda r: r.choice(F.PRODUCTS),
}


def say(d, rng, tmpl, w=0.5, **fixed):
    """Render a template like "card {card}, mail {email}" into d.  Labelled
    values are wrapped in Unicode punctuation/spaces with probability w."""
    for i, part in enumerate(_re.split(r"\{(\w+)\}", tmpl)):
        if i % 2 == 0:
            if part:
                d(part)
            continue
        v = fixed[part] if part in fixed else MAKERS[part](rng)
        if callable(v):
            v = v(rng)
        if isinstance(v, L) and rng.random() < w:
            v = wrap(rng, v, no_colon_after=v.type == "ipv6")
        d(v)
    return d
