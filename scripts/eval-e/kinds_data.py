"""Structured data formats: SQL dumps, HL7 v2, LDIF, vCard, iCalendar,
semicolon CSV (CRLF), TSV, fixed-width reports and pasted spreadsheets.

Each kind takes a gen.Ctx and writes into ctx.doc; labelled values come from
the ctx builders (Val), everything else is plain text.
"""
import base64

import values as V

E = "en_US"


def _ts(c):
    r = c.rng
    return f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}"


def _neg(c):
    """A hard negative that fits anywhere in a data row or comment."""
    r = c.rng
    f = r.choice([V.uuid, V.order_no, V.tracking, V.version, V.isbn13, V.mac, V.epoch, V.hl7_ts,
                  lambda r: V.hexhash(r, 40), lambda r: V.ssn_invalid(r), lambda r: V.card_luhn_fail(r),
                  V.card_masked, V.nhs_invalid, V.npi_invalid, lambda r: V.iban_invalid(r, r.choice(["DE", "GB", "SA", "TR"])),
                  V.gps])
    return f(r)


# --------------------------------------------------------------- SQL dumps

def sql_dump(c):
    r, d = c.rng, c.doc
    db = c.choice(["crm_prod", "shop", "billing", "clinic_ehr", "members", "app_production"])
    flavour = c.choice(["mysql", "mysql", "pg", "sqlite"])
    if flavour == "mysql":
        d.line("-- MySQL dump 10.13  Distrib 8.0.", r.randint(30, 36), ", for Linux (x86_64)")
        d.line("--")
        d.line("-- Host: ", c.ipv4("private") if c.chance(0.6) else "localhost", "    Database: ", db)
        d.line("-- ------------------------------------------------------")
        d.line("-- Server version\t8.0.", r.randint(30, 36), "-0ubuntu0.22.04.", r.randint(1, 3))
        d.line()
    elif flavour == "pg":
        d.line("--\n-- PostgreSQL database dump\n--\n")
        d.line("-- Dumped from database version 15.", r.randint(2, 6))
        d.line("-- Dumped by pg_dump version 15.", r.randint(2, 6), "\n")
        d.line("SET statement_timeout = 0;\nSET client_encoding = 'UTF8';\n")
    else:
        d.line("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;")
    tables = [_sql_customers, _sql_payments, _sql_sessions, _sql_patients]
    r.shuffle(tables)
    bt = "`" if flavour == "mysql" else ""
    for t in tables:
        if c.full():
            break
        name, cols, row = t(c)
        if flavour == "pg" and c.chance(0.5):
            d.line(f"COPY public.{name} ({', '.join(cols)}) FROM stdin;")
            n = 0
            while n < 12 and (n < 2 or not c.full()):
                parts = row(n)
                for i, p in enumerate(parts):
                    d.add("\t" if i else "", "\\N" if p is None else p)
                d.line()
                n += 1
            d.line("\\.\n")
            continue
        d.line(f"DROP TABLE IF EXISTS {bt}{name}{bt};")
        if flavour == "mysql":
            d.line(f"LOCK TABLES {bt}{name}{bt} WRITE;")
        head = f"INSERT INTO {bt}{name}{bt} ({', '.join(bt + x + bt for x in cols)}) VALUES "
        multi = flavour == "mysql"
        if multi:
            d.add(head)
        n = 0
        while n < 12 and (n < 2 or not c.full()):
            if not multi:
                d.add(head)
            elif n:
                d.add(",")
            d.add("(")
            for i, p in enumerate(row(n)):
                d.add(", " if i and not multi else "," if i else "")
                if p is None:
                    d.add("NULL")
                elif isinstance(p, int):
                    d.add(str(p))
                else:
                    d.add("'", p, "'")
            d.add(")")
            if not multi:
                d.line(";")
            n += 1
        if multi:
            d.line(";")
            d.line("UNLOCK TABLES;")
        d.line()
    if flavour == "sqlite":
        d.line("COMMIT;")
    else:
        d.line(f"-- Dump completed on {_ts(c)}")


def _sql_customers(c):
    base = c.rng.randint(1000, 90000)
    us = c.us(0.25)

    def row(i):
        p = c.person()
        return [base + i, p["name"], c.email(p) if c.chance(0.6) else None, c.phone() if c.chance(0.6) else None,
                c.card() if c.chance(0.8) else None,
                c.ssn() if us else None,
                c.loc.address(c.rng) if c.chance(0.4) else None, _ts(c)]
    return "customers", ["id", "full_name", "email", "phone", "card_number", "ssn", "address", "created_at"], row


def _sql_payments(c):
    base = c.rng.randint(100000, 900000)

    def row(i):
        cc = c.choice(c.loc.ibans + ["DE", "FR", "NL", "GB"])
        return [base + i, c.rng.randint(1, 5000), c.iban(cc, grouped=False),
                f"{c.rng.randint(5, 99999)}.{c.rng.randint(0, 99):02d}", c.choice(["EUR", "USD", "GBP", "AED", "TRY", "BRL"]),
                V.order_no(c.rng), _ts(c)]
    return "payments", ["id", "customer_id", "iban", "amount", "currency", "reference", "paid_at"], row


def _sql_sessions(c):
    def row(i):
        ip = c.ipv6() if c.chance(0.25) else c.ipv4()
        return [V.uuid(c.rng), c.email() if c.chance(0.5) else None, ip, c.choice(["Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
                                                      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X)",
                                                      "okhttp/4.12.0"]), V.epoch(c.rng)]
    return "user_sessions", ["session_id", "user_email", "last_ip", "user_agent", "last_seen"], row


def _sql_patients(c):
    uk = c.loc.code == "en_GB" or c.chance(0.3)

    def row(i):
        p = c.person()
        ident = c.nhs(layout="compact") if uk else c.npi()
        return [c.rng.randint(1, 99999), p["name"], ident, f"19{c.rng.randint(40, 99)}-{c.rng.randint(1, 12):02d}-{c.rng.randint(1, 28):02d}",
                c.phone(), c.email(p) if c.chance(0.5) else None]
    return ("patients", ["id", "name", "nhs_number" if uk else "provider_npi", "dob", "phone", "email"], row)


# ------------------------------------------------------------------- HL7 v2

def _xtn(c, mobile):
    ph = c.phone(mobile=mobile)
    return (ph, "^PRN^" + ("CP" if mobile else "PH"))


def hl7(c):
    r, d = c.rng, c.doc
    d.crlf = c.chance(0.4)
    uk = c.loc.code == "en_GB"
    us = c.loc.code == E
    fac = c.choice(["LAKESIDE_HOSP", "STMARY", "RIVERSIDE_MC", "KFSH", "NUH", "APOLLO_BLR"])
    while not c.full():
        ts = V.hl7_ts(r)
        ctl = "MSG" + V.safe_digits(r, 8)
        evt = c.choice(["ADT^A01^ADT_A01", "ADT^A04^ADT_A01", "ADT^A08^ADT_A01", "ORU^R01^ORU_R01"])
        d.line(f"MSH|^~\\&|EPIC|{fac}|LAB|{fac}_LAB|{ts}||{evt}|{ctl}|P|2.5.1")
        d.line(f"EVN|{evt[4:7]}|{ts}")
        p = c.person()
        fam, giv = p["family"].upper(), p["given"].upper()
        if not p["name"].isascii() and c.chance(0.4):
            fam, giv = p["name"], ""
        mrn = "MRN" + V.safe_digits(r, 7)
        d.add("PID|1||")
        if uk:
            d.add(c.nhs(layout="compact"), "^^^NHS^NH~")
        d.add(mrn, "^^^", fac[:4], "^MR||", fam, "^", giv, "^^^^^L||19", str(r.randint(40, 99)),
              f"{r.randint(1, 12):02d}{r.randint(1, 28):02d}|", c.choice("MF"), "|||")
        d.add(c.loc.address(r).replace(",", "^"), "||")
        d.add(*_xtn(c, False))
        if c.chance(0.6):
            d.add("~", *_xtn(c, True))
        if c.chance(0.5):
            d.add("~^NET^Internet^", c.email(p))
        d.add("||", c.choice(["EN", "JA", "ZH", "AR", "ES", "PT", "RU", "TR"]), "|", c.choice("MSDW"), "||AC",
              V.safe_digits(r, 9), "|")
        if us:
            d.add(c.ssn(sep="-"))
        d.line("|")
        if c.chance(0.6):
            k = c.person()
            d.line("NK1|1|", k["family"].upper(), "^", k["given"].upper(), "|", c.choice(["SPO", "PAR", "CHD", "SIB"]),
                   "^Spouse^HL70063||", c.phone(mobile=True))
        doc_p = c.person(c.other_loc() if not us else None)
        d.add(f"PV1|1|{c.choice('IOE')}|WARD{r.randint(1, 9)}^{r.randint(100, 450)}^{c.choice('AB')}|||")
        if us or c.chance(0.3):
            d.add("|", c.npi(), "^", doc_p["family"].upper(), "^", doc_p["given"].upper(), "^^^Dr^^^NPI")
        else:
            d.add("|G", V.safe_digits(r, 7), "^", doc_p["family"].upper(), "^", doc_p["given"].upper())
        d.line(f"||||||||||||V{V.safe_digits(r, 8)}|||||||||||||||||||||||||{ts}")
        if c.chance(0.6):
            d.line(f"IN1|1|{c.choice(['BCBS01', 'AXA-PPP', 'BUPA', 'TAWUNIYA', 'UNIMED'])}|{r.randint(10000, 99999)}|",
                   c.choice(["BLUE CROSS", "BUPA GLOBAL", "DAMAN", "UNIMED"]), "|PO Box ", str(r.randint(100, 9999)),
                   "^^", c.choice(["Chicago^IL^60601", "London^^EC1A 1BB", "Dubai^^"]), "||", c.phone(), "|GRP",
                   V.safe_digits(r, 6))
        if evt.startswith("ORU"):
            for k in range(r.randint(1, 3)):
                d.line(f"OBX|{k + 1}|NM|{r.randint(1000, 9999)}-{r.randint(0, 9)}^{c.choice(['Glucose', 'HbA1c', 'Creatinine', 'Sodium'])}^LN||"
                       f"{r.randint(1, 200)}.{r.randint(0, 9)}|{c.choice(['mmol/L', '%', 'umol/L'])}|||||F|||{V.hl7_ts(r)}")
        if c.chance(0.3):
            d.line("NTE|1||", c.filler(1))
        d.line()


# -------------------------------------------------------------------- LDIF

def _b64(s):
    return base64.b64encode(s.encode()).decode()


def ldif(c):
    r, d = c.rng, c.doc
    dom = c.choice(c.loc.domains[-3:])
    dc = ",".join("dc=" + x for x in dom.split("."))
    d.line("version: 1\n")
    d.line(f"# extended LDIF\n# base <ou=People,{dc}> with scope subtree\n")
    while not c.full():
        p = c.person()
        uid = (p["given"][0] + p["family"]).lower().replace(" ", "")[:12]
        d.line(f"dn: uid={uid},ou=People,{dc}")
        d.line("objectClass: inetOrgPerson\nobjectClass: organizationalPerson")
        d.line(f"uid: {uid}")
        if p["name"].isascii():
            d.line(f"cn: {p['name']}")
        else:
            d.line(f"cn:: {_b64(p['name'])}")
            d.line(f"cn;lang-en: {p['latin']}")
        d.line(f"sn: {p['family'].title()}\ngivenName: {p['given'].title()}")
        d.line("mail: ", c.email(p, domain=dom))
        if c.chance(0.8):
            d.line("telephoneNumber: ", c.phone(mobile=False))
        if c.chance(0.7):
            d.line("mobile: ", c.phone(mobile=True))
        if c.chance(0.2):
            d.line("facsimileTelephoneNumber: ", c.phone(mobile=False))
        d.line(f"employeeNumber: {r.randint(1, 99999):06d}")
        if c.chance(0.3):
            d.line(f"postalAddress:: {_b64(c.loc.address(r))}")
        d.line(f"userPassword:: {_b64('{SSHA}' + base64.b64encode(r.randbytes(24)).decode())}")
        if c.chance(0.15):
            d.line("ipHostNumber: ", c.ipv4("private"))
        d.line()
    d.line("# search result\n# numResponses: ", str(r.randint(2, 40)))


# ------------------------------------------------------------------- vCard

def _tel_uri(phone):
    if isinstance(phone, str) or not phone.text.startswith("+"):
        return None
    txt = phone.text.replace(" (0)", " ").replace("(", "").replace(")", "").replace(" ", "-").replace(".", "-")
    phone.text = txt
    return phone


def vcard(c):
    r, d = c.rng, c.doc
    d.crlf = c.chance(0.5)
    while not c.full():
        p = c.person()
        v4 = c.chance(0.4)
        d.line("BEGIN:VCARD")
        d.line("VERSION:", "4.0" if v4 else "3.0")
        d.line(f"N:{p['family'].title()};{p['given'].title()};;;")
        d.line(f"FN:{p['name']}")
        if c.chance(0.6):
            d.line("ORG:", c.choice(["Sakura Trading", "Huaxin Tech", "Gulf Trading LLC", "Anadolu Lojistik",
                                      "MercadoTech", "Coastal Freight", "Northwind Traders"]))
        for mobile in (True, False):
            if c.chance(0.8 if mobile else 0.5):
                ph = c.phone(mobile=mobile)
                kind = "cell" if mobile else "work,voice"
                if v4 and _tel_uri(ph):
                    d.line(f'TEL;VALUE=uri;TYPE="{kind}":tel:', ph)
                else:
                    d.line(f"TEL;TYPE={kind.upper() if not v4 else kind}:", ph)
        d.line(f"EMAIL;TYPE={'work' if v4 else 'INTERNET,WORK'}:", c.email(p))
        if c.chance(0.3):
            d.line("EMAIL;TYPE=home:", c.email(p, domain="gmail.com"))
        if c.chance(0.4):
            d.line("ADR;TYPE=work:;;", c.loc.address(r).replace(",", "\\,"), ";;;;")
        if c.chance(0.25):
            d.line("NOTE:", c.choice(["Card on file ", "Paid by ", "Bank "]),
                   c.card() if c.chance(0.6) else c.iban())
        if c.chance(0.2):
            d.line("BDAY:19", str(r.randint(50, 99)), f"{r.randint(1, 12):02d}{r.randint(1, 28):02d}")
        d.line(f"UID:urn:uuid:{V.uuid(r)}")
        d.line(f"REV:{V.hl7_ts(r)[:8]}T{V.hl7_ts(r)[8:]}Z")
        d.line("END:VCARD")


# --------------------------------------------------------------- iCalendar

def ical(c):
    r, d = c.rng, c.doc
    d.crlf = c.chance(0.7)
    d.line("BEGIN:VCALENDAR\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\nVERSION:2.0\nCALSCALE:GREGORIAN\nMETHOD:REQUEST")
    while not c.full():
        ts = V.hl7_ts(r)
        d.line("BEGIN:VEVENT")
        d.line(f"DTSTART:{ts[:8]}T{ts[8:]}Z\nDTEND:{ts[:8]}T{int(ts[8:10]) % 23 + 1:02d}{ts[10:]}Z\nDTSTAMP:{V.hl7_ts(r)[:8]}T000000Z")
        org = c.person()
        d.line(f"ORGANIZER;CN={org['name']}:mailto:", c.email(org))
        d.line(f"UID:{V.uuid(r)}")
        for _ in range(r.randint(1, 4)):
            a = c.person(c.other_loc() if c.chance(0.3) else None)
            d.line(f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={c.choice(['ACCEPTED', 'NEEDS-ACTION', 'TENTATIVE'])};"
                   f"RSVP=TRUE;CN={a['name']};X-NUM-GUESTS=0:mailto:", c.email(a))
        d.add("DESCRIPTION:", c.filler(1), "\\n\\nJoin by phone\\n")
        d.add(c.phone(mobile=False), f" PIN: {r.randint(100, 999)} {r.randint(100, 999)} {r.randint(100, 999)}#")
        if c.chance(0.4):
            d.add("\\nMore numbers: ", c.phone(mobile=False, loc=c.other_loc()))
        if c.chance(0.2):
            d.add("\\nDial-in host: ", c.ipv4("public"))
        d.line(f"\\nMeeting ID: {r.randint(100, 999)} {r.randint(1000, 9999)} {r.randint(1000, 9999)}")
        d.line("LOCATION:", c.loc.address(r) if c.chance(0.5) else "https://meet.google.com/abc-defg-hij")
        d.line("SEQUENCE:0\nSTATUS:CONFIRMED\nSUMMARY:", c.choice(["Quarterly review", "Contract signing", "Onboarding call",
                                                                "定例会議", "项目周会", "Reunião semanal", "Haftalık toplantı"]))
        d.line("TRANSP:OPAQUE\nEND:VEVENT")
    d.add("END:VCALENDAR\n")


# ------------------------------------------------- CSV ; with CRLF, TSV

def _cell_iban(c):
    return c.iban(grouped=c.chance(0.4))


def csv_semicolon(c):
    r, d = c.rng, c.doc
    d.crlf = c.chance(0.85)
    w = c.loc.w
    cols = [("Nr", None), (w("name"), "name"), (w("phone"), "phone"), (w("email"), "email")]
    if c.chance(0.5):
        cols.pop(r.choice([2, 3]))
    extra = r.sample([(w("iban"), "iban"), (w("card"), "card"), (w("address"), "addr"), (w("date"), "date"),
                      ("Betrag" if c.chance(0.3) else "Amount", "amt"), ("IP", "ip")], 3)
    if c.us(0.15):
        extra.append(("SSN", "ssn"))
    cols += extra
    quote_all = c.chance(0.5)
    d.line(";".join(f'"{h}"' if quote_all else h for h, _ in cols))
    n = 1
    while not c.full():
        p = c.person()
        for i, (_, k) in enumerate(cols):
            if i:
                d.add(";")
            v = {"name": lambda: p["name"], "phone": lambda: c.phone(), "email": lambda: c.email(p),
                 "iban": lambda: _cell_iban(c), "card": lambda: c.card(), "addr": lambda: c.loc.address(r),
                 "date": lambda: c.loc.date(r), "amt": lambda: f"{r.randint(1, 99999):,}".replace(",", ".") + f",{r.randint(0, 99):02d}",
                 "ip": lambda: c.ipv4(), "ssn": lambda: c.ssn(), None: lambda: str(n)}[k]()
            q = quote_all or k in ("name", "addr")
            d.add('"' if q else "", v, '"' if q else "")
        d.line()
        n += 1


def tsv_export(c):
    r, d = c.rng, c.doc
    us, uk = c.loc.code == E, c.loc.code == "en_GB"
    if uk or (not us and c.chance(0.2)):
        cols = ["patient_name", "nhs_number", "dob", "gp_practice", "contact_phone", "email"]
    elif us and c.chance(0.5):
        cols = ["provider", "npi", "taxonomy", "phone", "fax", "email"]
    elif c.us(0.3):
        cols = ["employee_id", "display_name", "ssn", "hire_date", "email", "dept"]
    else:
        cols = ["user_id", "display_name", "email", "phone", "signup_ip", "country"]
    header = c.chance(0.8)
    if header:
        d.line("\t".join(cols))
    while not c.full():
        p = c.person()
        row = []
        for col in cols:
            row.append({
                "patient_name": lambda: p["name"], "nhs_number": lambda: c.nhs(), "dob": lambda: c.loc.date(r),
                "gp_practice": lambda: c.choice(["Y0", "B8", "M8"]) + str(r.randint(1000, 9999)),
                "contact_phone": lambda: c.phone(), "email": lambda: c.email(p), "provider": lambda: p["name"],
                "npi": lambda: c.npi(), "taxonomy": lambda: c.choice(["207Q00000X", "208D00000X", "363L00000X"]),
                "phone": lambda: c.phone(), "fax": lambda: c.phone(mobile=False),
                "user_id": lambda: str(r.randint(10000, 999999)), "display_name": lambda: p["name"],
                "signup_ip": lambda: c.ipv6() if c.chance(0.3) else c.ipv4(), "country": lambda: c.loc.code[-2:],
                "employee_id": lambda: f"E{r.randint(1, 99999):05d}", "ssn": lambda: c.ssn(),
                "hire_date": lambda: c.loc.date(r), "dept": lambda: c.choice(["Finance", "Ops", "R&D", "Sales"]),
            }[col]())
        for i, v in enumerate(row):
            d.add("\t" if i else "", v)
        d.line()


# --------------------------------------------------- fixed-width reports

def fixed_width(c):
    r, d = c.rng, c.doc
    title = c.choice(["PAYROLL REGISTER", "VENDOR PAYMENT RUN", "CARDHOLDER EXCEPTION REPORT", "MEMBER CONTACT LIST"])
    d.line(f"RUN DATE: {c.loc.date(r):<12}{'':8}{title:^36}{'':8}PAGE {r.randint(1, 9):>3}")
    d.line(f"JOB: {c.choice(['PRL', 'AP', 'CRD', 'MBR'])}{r.randint(100, 999)}  SYSTEM: {c.choice(['AS400', 'SAP R/3', 'ORACLE EBS'])}  REL {V.version(r)}")
    d.line()
    us = c.us(0.5)
    if title == "PAYROLL REGISTER":
        cols = [("EMP#", 7, lambda p: f"{r.randint(1, 99999):06d}"), ("NAME", 24, lambda p: p["latin"].upper()[:23]),
                ("SSN" if us else "BANK ACCOUNT", 30 if not us else 13,
                 lambda p: c.ssn() if us else c.iban(grouped=True)),
                ("NET PAY", 12, lambda p: f"{r.randint(800, 9000):,}.{r.randint(0, 99):02d}")]
    elif title == "VENDOR PAYMENT RUN":
        cols = [("VENDOR", 8, lambda p: f"V{r.randint(1, 99999):05d}"), ("PAYEE", 24, lambda p: p["latin"].upper()[:23]),
                ("IBAN", 35, lambda p: c.iban(grouped=c.chance(0.5))),
                ("AMOUNT", 12, lambda p: f"{r.randint(100, 90000):,}.{r.randint(0, 99):02d}")]
    elif title == "CARDHOLDER EXCEPTION REPORT":
        cols = [("CARD NUMBER", 21, lambda p: c.card(layout=c.choice(["compact", "space"]))),
                ("HOLDER", 22, lambda p: p["latin"].upper()[:21]), ("REASON", 16, lambda p: c.choice(["CVV MISMATCH", "VELOCITY", "AVS FAIL", "GEO BLOCK"])),
                ("IP", 16, lambda p: c.ipv4())]
    else:
        cols = [("MEMBER", 9, lambda p: V.safe_digits(r, 8)), ("NAME", 22, lambda p: p["latin"].upper()[:21]),
                ("PHONE", 20, lambda p: c.phone()), ("EMAIL", 34, lambda p: c.email(p))]
    d.line("".join(f"{h:<{w}} " for h, w, _ in cols).rstrip())
    d.line("".join("-" * w + " " for _, w, _ in cols).rstrip())
    n = 0
    while not c.full():
        p = c.person()
        for i, (_, w, f) in enumerate(cols):
            v = f(p)
            d.add(v)
            if i < len(cols) - 1:
                d.add(" " * max(1, w + 1 - len(str(v))))
        d.line()
        n += 1
    d.line("".join("-" * w + " " for _, w, _ in cols).rstrip())
    d.line(f"TOTAL RECORDS: {n:>6}     CONTROL TOTAL: {r.randint(10000, 999999):,}.{r.randint(0, 99):02d}")
    d.line("*** END OF REPORT ***")


# ----------------------------------------------------- pasted spreadsheet

def spreadsheet(c):
    r, d = c.rng, c.doc
    w = c.loc.w
    sep = "\t" if c.chance(0.6) else "  "
    d.line(c.choice(["Sheet1", "顧客リスト", "客户名单", "Lista de clientes", "Müşteri listesi", "Contacts (export)", "Лист1"]))
    kinds = [(w("name"), lambda p: p["name"]), (w("mobile"), lambda p: c.phone(mobile=True)),
             (w("email"), lambda p: c.email(p))]
    r.shuffle(kinds)
    kinds = kinds[:2]
    if c.us(0.3):
        kinds.append(("SSN", lambda p: c.ssn()))
    kinds += r.sample([(w("card"), lambda p: c.card()), (w("iban"), lambda p: c.iban()),
                       (w("date"), lambda p: c.loc.date(r)), ("Total", lambda p: f"{r.randint(1, 9999)}.{r.randint(0, 99):02d}"),
                       (w("note"), lambda p: c.choice([V.order_no(r), V.tracking(r), c.loc.date(r), "VIP", "—"])),
                       (w("phone"), lambda p: c.phone(mobile=False))], 2)
    numbered = c.chance(0.5)
    d.line(("#" + sep if numbered else "") + sep.join(h for h, _ in kinds))
    n = 1
    while not c.full():
        p = c.person()
        if numbered:
            d.add(str(n), sep)
        for i, (_, f) in enumerate(kinds):
            d.add(sep if i else "", f(p))
        d.line()
        n += 1
    if c.chance(0.5):
        d.line(sep * (len(kinds) - 1), f"=SUM(E2:E{n})" if c.chance(0.5) else "")


KINDS = [(sql_dump, 9), (hl7, 6), (ldif, 3), (vcard, 4), (ical, 4), (csv_semicolon, 6), (tsv_export, 5),
         (fixed_width, 5), (spreadsheet, 5)]
