"""People, companies, dates, money, and the ways a value gets mentioned."""
import datetime

import values as val
from common import R, V, chance, digits, fill, pick, weighted
from langdata import (CITIES, COMPANIES, COUNTRY, DOCTOR, FIRST, FREEMAIL, IBAN_COUNTRIES, LAST, MONTHS, P,
                      ROLE_MAILBOX, STREETS, street_line)

# "en" prose is written either for the US or the UK
def phone_country(lang, region=None):
    if lang == "en":
        return region or "uk"
    return lang


def city_key(lang, region=None):
    return (region or "uk") if lang == "en" else lang


# ------------------------------------------------------------------ people

PRACTICE_WORDS = ("Praxis", "Cabinet", "Clínica", "praktijk", "Studio Medico", "Przychodnia", "Vårdcentral",
                  "Medical", "Surgery", "Health", "Dental")


def city_line(lang, postcode, city):
    return f"{city} {postcode}" if lang == "en" else f"{postcode} {city}"


class Person:
    def __init__(self, lang, region=None, company=None):
        self.lang, self.region = lang, region
        nk = "en" if lang == "en" else lang
        self.first = pick(FIRST[nk])
        self.last = pick(LAST[nk])
        if lang == "pl" and self.first.endswith("a") and self.last.endswith(("ski", "cki")):
            self.last = self.last[:-1] + "a"
        self.name = f"{self.first} {self.last}"
        self.lang = lang
        ck = city_key(lang, region)
        self.postcode, self.city, area = pick(CITIES[ck])
        self.street = street_line(ck if ck in ("us", "uk") else lang, pick(STREETS[ck]), R.randint(1, 140))
        pc = phone_country(lang, region)
        self.phone = val.phone(pc, area=area)
        self.mobile = val.phone(pc, mobile=True)
        self.city_line = city_line(lang, self.postcode, self.city)
        fold = "de" if lang == "de" else None
        local = val.email_local(self.first, self.last, fold)
        if company is not None and chance(0.6):
            self.email = val.email(local if chance(0.5) else local.split("+")[0], company.domain)
        else:
            self.email = val.email(local, pick(FREEMAIL[nk]))


class Company:
    def __init__(self, lang, region=None, kind=None):
        self.lang, self.region = lang, region
        ck = city_key(lang, region)
        pool = COMPANIES[ck]
        prac = [c for c in pool if any(w in c[0] for w in PRACTICE_WORDS)]
        if kind == "practice":
            pool = prac or pool
        else:
            pool = [c for c in pool if c not in prac] or pool
        self.name, self.domain = pick(pool)
        self.postcode, self.city, area = pick(CITIES[ck])
        self.city_line = city_line(lang, self.postcode, self.city)
        self.street = street_line(ck if ck in ("us", "uk") else lang, pick(STREETS[ck]), R.randint(1, 90))
        pc = phone_country(lang, region)
        self.phone = val.phone(pc, area=area)
        self.fax = val.phone(pc, area=area)
        roles = ROLE_MAILBOX["en" if lang == "en" else lang]
        general = roles[-2:] + roles[:1] if kind == "practice" else roles[:4]
        self.email = val.email(pick(general), self.domain, caps=False)
        self.email2 = val.email(pick(general), self.domain, caps=False)
        self.service_email = val.email(roles[3], self.domain, caps=False)
        self.hr_email = val.email(roles[4], self.domain, caps=False)
        self.web = "www." + self.domain
        ccs = IBAN_COUNTRIES["en" if lang == "en" else lang]
        if lang == "en":
            ccs = ["GB"] if region != "us" else ["GB", "IE"]
        self.iban_cc = pick(ccs)
        self.iban = val.iban(self.iban_cc)
        self.bic = val.bic_for_iban(self.iban)

    def address_line(self):
        return f"{self.street} · {self.city_line}"


# ------------------------------------------------------------ dates & money

DATE_FMT = {"de": "%d.%m.%Y", "fr": "%d/%m/%Y", "es": "%d/%m/%Y", "nl": "%d-%m-%Y", "it": "%d/%m/%Y",
            "pt": "%d/%m/%Y", "pl": "%d.%m.%Y", "sv": "%Y-%m-%d", "en": "%d/%m/%Y", "us": "%m/%d/%Y"}


def rand_date():
    return datetime.date(2023, 1, 2) + datetime.timedelta(days=R.randint(0, 900))


def fmt_date(lang, d=None, region=None):
    d = d or rand_date()
    key = "us" if (lang == "en" and region == "us") else lang
    return d.strftime(DATE_FMT[key])


def long_date(lang, d=None):
    d = d or rand_date()
    m = MONTHS[lang][d.month - 1]
    if lang == "en":
        return f"{d.day} {m} {d.year}"
    if lang == "de":
        return f"{d.day}. {m} {d.year}"
    if lang in ("es", "pt"):
        return f"{d.day} de {m} de {d.year}"
    if lang == "sv":
        return f"{d.day} {m} {d.year}"
    return f"{d.day} {m} {d.year}"


def rand_time():
    return f"{R.randint(7, 18):02d}:{pick(['00', '15', '30', '45', '10', '40'])}"


def money(lang, x, region=None):
    s = f"{x:,.2f}"
    if lang in ("de", "es", "it", "pt", "nl"):
        s = s.replace(",", "X").replace(".", ",").replace("X", ".")
    elif lang in ("fr", "pl", "sv"):
        s = s.replace(",", "\u202f").replace(".", ",")
    if lang == "en":
        return ("$" if region == "us" else "£") + s
    if lang == "nl":
        return f"€ {s}"
    return f"{s} {dict(pl='zł', sv='kr').get(lang, '€')}"


def ctx(lang, region=None, **extra):
    """Common plain-text fields for the paragraph templates."""
    nk = lang
    d = rand_date()
    c = dict(first=pick(FIRST[nk]), last=pick(LAST[nk]), date=fmt_date(lang, d, region),
             due=fmt_date(lang, d + datetime.timedelta(days=14), region), time=rand_time(),
             letter_date=long_date(lang, d + datetime.timedelta(days=R.randint(25, 40))),
             inv=val.invoice_number(lang), amount=money(lang, R.randint(4000, 250000) / 100, region),
             month=MONTHS[nk][R.randint(0, 11)], doctor=DOCTOR[nk].format(pick(LAST[nk])),
             order=val.phone_like_order(lang) if lang in ("de", "fr") and chance(0.5) else val.order_number(),
             ref=f"{R.randint(2023, 2025)}-{R.randint(10, 999)}",
             natid=neg_value(P[lang]["natid_fn"]), name=f"{pick(FIRST[nk])} {pick(LAST[nk])}")
    c.update(extra)
    return c


def neg_value(fn_name):
    return getattr(val, fn_name)()


# ---------------------------------------------------------------- mentions

QUOTES = {"de": ("„", "“"), "fr": ("« ", " »"), "es": ("«", "»"), "it": ("«", "»"), "pt": ("«", "»"),
          "pl": ("„", "”"), "sv": ("”", "”"), "nl": ("‘", "’"), "en": ("“", "”")}


def bare(lang, v):
    """Template for a value with no label word and no sentence around it."""
    q = QUOTES[lang]
    opts = ["⟦v⟧", "⟦v⟧", "⟦v⟧", f"{q[0]}⟦v⟧{q[1]}", "\"⟦v⟧\"", "[⟦v⟧]"]
    if not v.text.startswith("("):
        opts.append("(⟦v⟧)")
    if v.type == "email":
        opts += ["<⟦v⟧>", "<⟦v⟧>", "mailto:⟦v⟧"]
    return pick(opts)


SENT_KEY = {"phone": "phone_sent", "mobile": "phone_sent", "fax": "phone_sent", "email": "email_sent",
            "iban": "iban_sent", "card": "card_sent", "ip": "ip_sent"}


def mention(d, lang, kind, v, mode=None):
    """Write one mention of v: 'label' word before it, in a 'sentence', or 'bare'."""
    p = P[lang]
    mode = mode or weighted([("label", 50), ("sentence", 30), ("bare", 20)])
    if mode == "label":
        d.t(pick(p[kind + "_lbl"]) + "⟦v⟧", v=v)
    elif mode == "sentence":
        opts = p[SENT_KEY[kind]]
        if kind == "iban":  # [0] refund, [1] please pay, [2] salary: only the first two are generic
            opts = opts[:2]
        d.t(pick(opts), v=v)
    else:
        d.t(bare(lang, v), v=v)


def short_label(lang, kind):
    return pick(P[lang][kind + "_lbl"]).strip()


def contact_block(d, lang, phone=None, mobile=None, fax=None, email=None, style=None):
    """Contact details as label lines, one separated line, or bare lines."""
    items = [(k, v) for k, v in (("phone", phone), ("mobile", mobile), ("fax", fax), ("email", email)) if v]
    style = style or weighted([("lines", 38), ("one_line", 35), ("bare", 27)])
    if style == "lines":
        for k, v in items:
            d.line(pick(P[lang][k + "_lbl"]) + "⟦v⟧", v=v)
    elif style == "one_line":
        sep = pick([" | ", " · ", " / ", ", ", "\t", " – ", "  "])
        for i, (k, v) in enumerate(items):
            if i:
                d.put(sep)
            if k == "email" and chance(0.5):
                d.val(v)
            else:
                d.t(short_label(lang, k) + " ⟦v⟧", v=v)
        d.put("\n")
    else:
        for k, v in items:
            d.line("⟦v⟧", v=v)


def signature(d, lang, person, company=None, end_file=False):
    d.line("")
    d.line(person.name)
    if company:
        d.line(company.name)
    style = weighted([("lines", 40), ("one_line", 30), ("bare", 30)])
    mob = person.mobile if chance(0.6) else None
    contact_block(d, lang, phone=company.phone if company else person.phone, mobile=mob,
                  email=person.email if chance(0.7) else None, style=style)
    if end_file and chance(0.5):
        d.strip_final_newline()


# ------------------------------------------------------------ hard negatives

def neg_lines(lang, n=2):
    """A few lines of look-alikes that must not be labelled."""
    p = P[lang]
    out = []
    opts = [
        lambda: f"{p['order_no']}: {val.phone_like_order(lang)}",
        lambda: f"{p['invoice_no']}: {val.invoice_number(lang)}",
        lambda: f"{p['customer_no']}: {digits(R.choice([6, 7, 8]), True)}",
        lambda: f"{p['date']}: {fmt_date(lang)}",
        lambda: f"{p['total']}: {money(lang, R.randint(1000, 900000) / 100)}",
    ]
    for label, fn in p["tax_ids"]:
        opts.append(lambda label=label, fn=fn: f"{label}: {neg_value(fn)}")
    for _ in range(n):
        out.append(pick(opts)())
    return out


BAD_IBAN_SENT = {
    "de": "Die zuerst angegebene IBAN ⟦x⟧ war leider ungültig (Prüfziffer stimmt nicht).",
    "fr": "L'IBAN indiqué précédemment (⟦x⟧) est invalide : la clé de contrôle ne correspond pas.",
    "es": "El IBAN que nos indicó primero, ⟦x⟧, no es válido (dígitos de control incorrectos).",
    "nl": "Het eerder opgegeven IBAN ⟦x⟧ is ongeldig; het controlegetal klopt niet.",
    "it": "L'IBAN comunicato in precedenza (⟦x⟧) non è valido: il codice di controllo è errato.",
    "pt": "O IBAN indicado anteriormente, ⟦x⟧, é inválido (dígitos de controlo errados).",
    "pl": "Podany wcześniej numer ⟦x⟧ jest nieprawidłowy – nie zgadza się suma kontrolna.",
    "sv": "Det IBAN du först angav, ⟦x⟧, är ogiltigt (fel kontrollsiffror).",
    "en": "The IBAN you gave us first, ⟦x⟧, failed validation (wrong check digits).",
}


def bad_iban_sentence(lang, cc):
    return fill(BAD_IBAN_SENT[lang], x=val.bad_iban(cc, grouped=chance(0.6)))


def paragraph(d, template, **kw):
    d.line(template, **kw)
    d.line("")


def country_of(lang):
    return COUNTRY.get(lang, "DE")
