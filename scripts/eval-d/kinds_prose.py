"""Plain-text prose documents: letters, invoices, notes, e-mail threads
(any of the eight languages or English), plus US/UK specific English kinds."""
import values as val
from common import R, V, cap, chance, digits, fill, pick, weighted
from helpers import (BAD_IBAN_SENT, Company, Person, bad_iban_sentence, contact_block, ctx, fmt_date, long_date,
                     mention, money, neg_lines, neg_value, paragraph, rand_time, signature)
from langdata import CARD_NOTE, KEY_MAIL, P


def _letterhead(d, lang, co):
    d.line(co.name)
    d.line(co.address_line() if chance(0.6) else f"{co.street}\n{co.city_line}")
    contact_block(d, lang, phone=co.phone, fax=co.fax if chance(0.35) else None, email=co.email)
    if chance(0.4):
        d.line(co.web)
    d.line("")


def _address(d, person):
    d.line(person.name)
    d.line(person.street)
    d.line(person.city_line)
    d.line("")


def _items_table(d, lang, region=None):
    p = P[lang]
    rows, net = [], 0.0
    for i, item in enumerate(R.sample(p["items"], R.randint(2, 4)), 1):
        qty = R.randint(1, 6)
        price = R.randint(1500, 45000) / 100
        net += qty * price
        rows.append((str(i), item, str(qty), money(lang, price, region), money(lang, qty * price, region)))
    widths = [max(len(r[c]) for r in rows + [p["hdr"]]) for c in range(5)]
    sep = "\t" if chance(0.2) else "  "
    for r in [p["hdr"]] + rows:
        d.line(sep.join(x.ljust(w) for x, w in zip(r, widths)).rstrip())
    vat = net * p["vat_rate"] / 100
    d.line("")
    d.line(f"{p['subtotal']}: {money(lang, net, region)}")
    d.line(f"{p['vat']}: {money(lang, vat, region)}")
    d.line(f"{p['total']}: {money(lang, net + vat, region)}")
    d.line("")


def _bank_block(d, lang, co):
    p = P[lang]
    style = weighted([("lines", 45), ("one", 35), ("sentence", 20)])
    if style == "lines":
        d.line(p["bank_hdr"] + ":")
        d.line(pick(p["iban_lbl"]) + "⟦v⟧", v=co.iban)
        d.line(f"BIC: {co.bic}")
    elif style == "one":
        sep = pick([" · ", " | ", ", ", " – "])
        d.line(p["bank_hdr"] + ": IBAN ⟦v⟧" + sep + "BIC " + co.bic, v=co.iban)
    else:
        d.line(p["iban_sent"][1], v=co.iban)


# ------------------------------------------------------------------ kinds

def invoice(d, lang, region=None):
    p = P[lang]
    co = Company(lang, region)
    cust = Person(lang, region)
    c = ctx(lang, region)
    _letterhead(d, lang, co)
    _address(d, cust)
    d.line(p["invoice"].upper() if chance(0.5) else p["invoice"])
    d.line(f"{p['invoice_no']}: {c['inv']}")
    d.line(f"{p['customer_no']}: {digits(6, True)}")
    d.line(f"{p['date']}: {c['date']}")
    d.line("")
    _items_table(d, lang, region)
    paragraph(d, fill(p["pay"], **c))
    if chance(0.4):
        paragraph(d, pick(p["card_sent"]), v=val.credit_card())
    _bank_block(d, lang, co)
    if chance(0.6):
        label, fn = pick(p["tax_ids"])
        d.line(f"{label}: {neg_value(fn)}")
    if chance(0.3):
        d.line(f"Ref. {val.luhn_failing(16)}")
    d.line("")
    d.line(p["thanks"])
    if chance(0.3):
        d.t(pick(p["email_sent"]), v=co.email2)
    elif chance(0.3):
        d.strip_final_newline()


def dunning(d, lang, region=None):
    p = P[lang]
    co = Company(lang, region)
    cust = Person(lang, region)
    c = ctx(lang, region, phone=co.phone, email=co.email)
    _letterhead(d, lang, co)
    _address(d, cust)
    d.line(f"{co.city.split(',')[0]}, {c['letter_date']}")
    d.line("")
    d.line(f"{p['invoice_no']}: {c['inv']}")
    d.line(f"{p['customer_no']}: {digits(R.choice([6, 7, 8]), True)}")
    if chance(0.5):
        d.line(f"{p['order_no']}: {val.phone_like_order(lang)}")
    d.line("")
    d.line(fill(pick(p["dun_title"]), **c))
    d.line("")
    d.line(fill(pick(p["dear_name"] + p["dear_generic"]), first=cust.first, last=cust.last))
    d.line("")
    for para in p["dun"]:
        paragraph(d, para, **c)
    _bank_block(d, lang, co)
    if chance(0.5):
        label, fn = pick(p["tax_ids"])
        d.line(f"{label}: {neg_value(fn)}")
    d.line("")
    d.line(pick(p["closing"]))
    signature(d, lang, Person(lang, region, co), co, end_file=True)


def hr_letter(d, lang, region=None):
    p = P[lang]
    co = Company(lang, region)
    emp = Person(lang, region)
    c = ctx(lang, region)
    _letterhead(d, lang, co)
    _address(d, emp)
    d.line(pick(p["hr_title"]))
    d.line("")
    d.line(fill(pick(p["dear_name"]), first=emp.first, last=emp.last))
    d.line("")
    paragraph(d, p["hr"][0], **c)
    if chance(0.3):
        paragraph(d, bad_iban_sentence(lang, emp_iban_cc(lang)))
    d.line(p["hr"][1])
    d.line("")
    emp_iban = val.iban(emp_iban_cc(lang))
    sep = pick([": ", ":\t", " – "])
    rows = [(P[lang]["name_h"], emp.name), ("IBAN", emp_iban), (short(p["phone_lbl"]), emp.phone),
            (short(p["mobile_lbl"]), emp.mobile), (short(p["email_lbl"]), emp.email)]
    for label, fn in p["person_ids"]:
        rows.append((label, neg_value(fn)))
    tail = rows[2:]
    R.shuffle(tail)
    rows = rows[:2] + tail
    for label, x in rows:
        if isinstance(x, V):
            d.line(f"{label}{sep}⟦v⟧", v=x)
        else:
            d.line(f"{label}{sep}{x}")
    d.line("")
    paragraph(d, p["hr"][2])
    d.line(pick(p["closing"]))
    hr = Person(lang, region, co)
    d.line("")
    d.line(hr.name)
    d.line(co.name)
    mention(d, lang, "email", co.hr_email)
    d.line("")


def emp_iban_cc(lang):
    return {"de": "DE", "fr": "FR", "es": "ES", "nl": "NL", "it": "IT", "pt": "PT", "pl": "PL", "sv": "SE"}.get(lang, "GB")


def short(labels):
    return pick(labels).strip().rstrip(":").strip()


def patient_letter(d, lang, region=None):
    p = P[lang]
    co = Company(lang, region, kind="practice")
    pat = Person(lang, region)
    c = ctx(lang, region, phone=co.phone, email=co.email, mobile=pat.mobile)
    _letterhead(d, lang, co)
    _address(d, pat)
    d.line(pick(p["pat_title"]))
    d.line("")
    d.line(fill(pick(p["dear_name"]), first=pat.first, last=pat.last))
    d.line("")
    for para in p["pat"]:
        if para is p["pat"][3] and chance(0.3):
            continue
        paragraph(d, para, **c)
    d.line(pick(p["closing"]))
    d.line(co.name)
    if chance(0.5):
        mention(d, lang, "phone", co.phone, mode="label")
        d.put("\n")


def support_thread(d, lang, region=None):
    p = P[lang]
    co = Company(lang, region)
    cust = Person(lang, region)
    agent = Person(lang, region, co)
    c = ctx(lang, region, card=val.credit_card(), mobile=cust.mobile, phone=co.phone)
    svc = co.service_email
    d.line(f"{p['from_']}: {co.name} <⟦a⟧>", a=svc)
    d.line(f"{p['to']}: {cust.name} <⟦b⟧>" if chance(0.7) else f"{p['to']}: ⟦b⟧", b=cust.email)
    d.line(f"{p['sent']}: {c['date']} {c['time']}")
    d.line(f"{p['subject']}: {fill(p['sup_subject'], **c)}")
    d.line("")
    d.line(fill(pick(p["dear_name"]), first=cust.first, last=cust.last))
    d.line("")
    for para in p["sup_reply"]:
        paragraph(d, para, **c)
    d.line(pick(p["closing"]))
    d.line(agent.first)
    d.line(co.name)
    d.line("")
    quoted = weighted([("angle", 60), ("plain", 40)])
    if quoted == "angle":
        d.line(fill(p["wrote"], date=c["date"], time=c["time"], name=cust.name) + " <⟦e⟧>:", e=cust.email)
    else:
        d.line(fill(p["wrote"], date=c["date"], time=c["time"], name="⟦e⟧") + ":", e=cust.email)
    d.put("> ")
    d.line(p["sup_customer"], **c)
    d.line(">")
    d.line(f"> {cust.name}")
    if chance(0.5):
        d.put("> ")
        mention(d, lang, "email", cust.email, mode=pick(["label", "bare"]))
        d.put("\n")


def memo(d, lang, region=None):
    """Short phone memos; the first value often sits at byte 0."""
    p = P[lang]
    n = R.randint(3, 6)
    for i in range(n):
        who = Person(lang, region)
        r = R.random()
        if r < 0.15:
            d.line(CARD_NOTE[lang], name=who.name, card=val.credit_card(), exp=val.card_expiry(),
                   v=who.phone if chance(0.5) else who.mobile)
        elif r < 0.45:
            d.line(p["memo_call"], v=who.phone if chance(0.5) else who.mobile, name=who.name,
                   ref=f"{R.randint(2023, 2025)}-{R.randint(10, 999)}")
        elif r < 0.65:
            d.line(p["memo_new"], v=who.mobile, name=who.name)
        elif r < 0.8:
            d.line(f"{who.name}: ⟦a⟧, ⟦b⟧", a=who.email, b=who.phone)
        elif r < 0.9:
            d.line("⟦a⟧\n⟦b⟧", a=who.email, b=who.mobile)
        else:
            d.line(neg_lines(lang, 1)[0])
    if chance(0.5):
        d.strip_final_newline()


def it_note(d, lang, region=None):
    p = P[lang]
    c = ctx(lang, region)
    d.line(fill(p["it_intro"], **c))
    d.line("")
    new, old = val.ipv4("private"), val.ipv4("private")
    bullet = pick(["- ", "* ", "• "])
    d.line(bullet + pick(p["ip_lbl"]) + "⟦v⟧", v=new)
    d.line(bullet + "IPv6: ⟦v⟧", v=val.ipv6())
    d.line(bullet + "RDP: ⟦v⟧:3389" if chance(0.5) else bullet + "SSH: ⟦v⟧:22", v=val.ipv4("private"))
    if chance(0.5):
        d.line(bullet + "Web: http://[⟦v⟧]:8080/", v=val.ipv6())
    d.line(bullet + f"Version {val.version()}")
    d.line(bullet + f"MAC {val.mac()}")
    d.line("")
    paragraph(d, pick(p["ip_sent"]), v=old)
    if chance(0.5):
        paragraph(d, pick(p["ip_sent"]), v=val.ipv4("public"))
    if chance(0.3):
        d.line(f"DNS: ⟦a⟧, ⟦b⟧", a=val.ipv4("private"), b=val.ipv4("private"))
        d.line("")
    d.line(fill(p["it_outro"], **c))
    if chance(0.5):
        who = Person(lang, region)
        d.line(f"{who.name}, " + short(p["phone_lbl"]) + " ⟦v⟧", v=who.phone)


# ---------------------------------------------------------- US / UK English

def us_hr(d, lang="en", region="us"):
    co = Company("en", "us")
    new = Person("en", "us")
    hr = Person("en", "us", company=co)
    while hr.first == new.first:
        hr = Person("en", "us", company=co)
    start = fmt_date("en", region="us")
    ssn = val.us_ssn()
    d.line(f"From: {hr.name} <⟦a⟧>", a=hr.email)
    d.line("To: ⟦a⟧", a=val.email("payroll", co.domain, caps=False))
    d.line(f"Subject: New hire paperwork - {new.name}")
    d.line("")
    d.line(f"Hi {pick(['team', 'Dana', 'Marcus', 'all'])},")
    d.line("")
    d.line(f"{new.first} {new.last} starts on {start} in the {new.city.split(',')[0]} office. Details from the onboarding form:")
    d.line("")
    rows = [("Legal name", new.name), ("SSN", ssn), ("Home address", f"{new.street}, {new.city} {new.postcode}"),
            ("Home phone", new.phone), ("Cell", new.mobile), ("Personal email", new.email),
            ("Employee ID", f"E-{digits(5, True)}"), ("Routing number", val.aba_routing()),
            ("Account number", digits(R.randint(8, 12), True))]
    if chance(0.5):
        rows.append(("Employer EIN", val.us_ein()))
    for label, x in rows:
        if isinstance(x, V):
            d.line(f"{label}: ⟦v⟧", v=x)
        else:
            d.line(f"{label}: {x}")
    d.line("")
    r = R.random()
    if r < 0.35:
        other = val.us_ssn(sep=pick(["-", " "]))
        paragraph(d, "Heads up: the SSN on the W-4 (⟦a⟧) doesn't match what's in Workday (⟦b⟧). Can someone confirm with the new hire before the first pay run?",
                  a=ssn if "-" in ssn.text else val.us_ssn("-"), b=other)
    elif r < 0.6:
        paragraph(d, f"The ITIN listed on the paper form ({val.bad_ssn()}) is not valid for payroll, so please use the social security number above.")
    else:
        paragraph(d, f"Placeholder SSN 000-00-0000 is still on the old record; last four on the I-9 copy are XXX-XX-{digits(4)}.")
    paragraph(d, "Please don't forward this email outside the HR distribution list.")
    d.line("Thanks,")
    d.line(hr.first)
    contact_block(d, "en", phone=co.phone, style=pick(["lines", "bare"]))


def uk_patient(d, lang="en", region="uk"):
    co = Company("en", "uk", kind="practice")
    pat = Person("en", "uk")
    gp = Person("en", "uk")
    nhs = val.uk_nhs()
    d.line(co.name)
    d.line(f"{co.street}, {co.city} {co.postcode}")
    contact_block(d, "en", phone=co.phone, email=co.email, style=pick(["lines", "one_line"]))
    d.line("")
    d.line(f"Date: {long_date('en')}")
    d.line("")
    d.line(f"Patient: {pick(['Mr', 'Mrs', 'Ms'])} {pat.name}    DOB: {R.randint(1, 28):02d}/{R.randint(1, 12):02d}/{R.randint(1940, 2005)}")
    d.line(pick(["NHS No: ⟦v⟧", "NHS number: ⟦v⟧", "NHS No. ⟦v⟧", "NHS Number ⟦v⟧"]), v=nhs)
    d.line(f"Hospital No: RJ{R.randint(1, 9)} {digits(7)}")
    if chance(0.4):
        d.line(f"NI No: {val.uk_ni()}")
    d.line(f"Address: {pat.street}, {pat.city} {pat.postcode}")
    d.line("")
    d.line(f"Dear Dr {gp.last},")
    d.line("")
    paragraph(d, f"Thank you for seeing {pat.first}, whom I reviewed in clinic on {long_date('en')}. "
                 f"Blood pressure was {R.randint(118, 165)}/{R.randint(70, 99)} and HbA1c {R.randint(38, 75)} mmol/mol.")
    r = R.random()
    if r < 0.5:
        paragraph(d, "Please note the patient's NHS number is ⟦v⟧; an older letter quoted the wrong one.",
                  v=val.uk_nhs(sep=pick([" ", ""])))
    else:
        paragraph(d, f"Our referral reference is {val.bad_nhs()} - this is not an NHS number.")
    paragraph(d, "The patient can be contacted on ⟦m⟧ or by email at ⟦e⟧.", m=pat.mobile, e=pat.email)
    d.line("Yours sincerely,")
    d.line("")
    d.line(f"Dr {Person('en', 'uk').name}")
    d.line(co.name)


def us_npi(d, lang="en", region="us"):
    style = weighted([("roster", 50), ("letter", 50)])
    if style == "roster":
        d.line(f"Provider roster - updated {fmt_date('en', region='us')}")
        sep = pick([",", "\t", "|"])
        d.line(sep.join(["NPI", "Provider", "Taxonomy", "Phone", "Fax", "Email"]))
        for _ in range(R.randint(4, 9)):
            p = Person("en", "us")
            co = Company("en", "us")
            cred = pick(["MD", "DO", "NP", "PA-C", "DDS"])
            name = f"\"{p.last}, {p.first} {cred}\"" if sep == "," else f"{p.last}, {p.first} {cred}"
            tax = pick(["207Q00000X", "208D00000X", "363L00000X", "1223G0001X", "207R00000X"])
            d.line(sep.join(["⟦n⟧", name, tax, "⟦ph⟧", "⟦fx⟧", "⟦em⟧"]), n=val.us_npi(), ph=p.phone,
                   fx=co.fax, em=val.email(val.email_local(p.first, p.last), co.domain))
        d.line("")
        d.line(f"Rows with member IDs like {val.npi_bad()} were rejected (not a valid NPI).")
    else:
        co = Company("en", "us", kind="practice")
        p = Person("en", "us", company=co)
        d.line(co.name)
        d.line(f"{co.street}, {co.city} {co.postcode}")
        d.line("")
        d.line(f"RE: Claim {digits(11, True)} - date of service {fmt_date('en', region='us')}")
        d.line("")
        d.line("To whom it may concern,")
        d.line("")
        paragraph(d, "The claim was denied because the rendering provider NPI (⟦a⟧) did not match the billing NPI ⟦b⟧ on file.",
                  a=val.us_npi(), b=val.us_npi())
        paragraph(d, f"Tax ID: {val.us_ein()}. DEA: {val.dea_number()}. Member ID: {val.npi_bad()}.")
        paragraph(d, "Please resubmit with NPI ⟦v⟧ in box 24J, or call provider services at ⟦p⟧.",
                  v=val.us_npi(), p=co.phone)
        d.line("Sincerely,")
        d.line(p.name)
        d.line("⟦v⟧", v=p.email)


def logs(d, lang="en", region=None):
    kind = weighted([("nginx", 35), ("sshd", 25), ("json", 20), ("cloudtrail", 10), ("dhcp", 10)])
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    mon = pick(months)
    day = R.randint(1, 28)
    times = sorted(f"{rand_time()}:{R.randint(0, 59):02d}" for _ in range(12))
    if kind == "nginx":
        for i in range(R.randint(5, 12)):
            ip = val.ipv4() if chance(0.75) else val.ipv6(kind=pick(["doc", "global"]))
            path = pick(["/api/v1/orders?page=2", "/login", "/static/app.3f9c1e.js", "/health", "/api/v1/users/me",
                         f"/invoice/{val.invoice_number()}.pdf", "/wp-login.php"])
            ua = pick(["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.95 Safari/537.36",
                       "curl/8.5.0", "python-requests/2.31.0", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X)"])
            ts = f"{day:02d}/{mon}/2024:{times[i]} +0100"
            line = f"⟦ip⟧ - - [{ts}] \"GET {path} HTTP/1.1\" {pick([200, 200, 304, 404, 401, 302])} {R.randint(120, 90000)} \"-\" \"{ua}\""
            if chance(0.25):
                d.line(line + " \"⟦x⟧, ⟦y⟧\"", ip=ip, x=val.ipv4("public"), y=val.ipv4("private"))
            else:
                d.line(line, ip=ip)
    elif kind == "sshd":
        host = pick(["bastion", "web-01", "db-02", "vpn-gw"])
        for i in range(R.randint(5, 10)):
            t = f"{mon} {day:2d} {times[i]}"
            pid = R.randint(1000, 65000)
            ip = val.ipv4("public") if chance(0.7) else val.ipv6(kind=pick(["doc", "global"]))
            r = R.random()
            if r < 0.5:
                d.line(f"{t} {host} sshd[{pid}]: Failed password for invalid user {pick(['admin', 'oracle', 'test', 'ubuntu'])} from ⟦ip⟧ port {R.randint(30000, 65000)} ssh2", ip=ip)
            elif r < 0.8:
                d.line(f"{t} {host} sshd[{pid}]: Accepted publickey for deploy from ⟦ip⟧ port {R.randint(30000, 65000)} ssh2: ED25519 SHA256:{val.base64.b64encode(R.randbytes(32)).decode().rstrip('=')}", ip=ip)
            else:
                d.line(f"{t} {host} sshd[{pid}]: Disconnected from authenticating user root ⟦ip⟧ port {R.randint(30000, 65000)} [preauth]", ip=ip)
    elif kind == "json":
        mo = R.randint(1, 12)
        for i in range(R.randint(4, 9)):
            p = Person(pick(["de", "fr", "en", "nl"]), "uk")
            ip = val.ipv4() if chance(0.8) else val.ipv6(kind=pick(["doc", "global"]))
            d.line("{\"ts\":\"2024-%02d-%02dT%s.%03dZ\",\"level\":\"%s\",\"msg\":\"%s\",\"user\":\"⟦u⟧\",\"ip\":\"⟦ip⟧\",\"request_id\":\"%s\"}"
                   % (mo, day, times[i], R.randint(0, 999), pick(["info", "warn", "error"]),
                      pick(["login failed", "password reset requested", "login ok", "2fa challenge sent"]), val.uuid4()),
                   u=p.email, ip=ip)
    elif kind == "cloudtrail":
        key = val.aws_key("ASIA")
        d.line("{")
        d.line("  \"eventVersion\": \"1.08\",")
        d.line("  \"userIdentity\": {")
        d.line("    \"type\": \"AssumedRole\",")
        d.line(f"    \"principalId\": \"AROA{''.join(R.choice(val.B32) for _ in range(17))}:ci-session\",")
        acct = digits(12, True)
        d.line(f"    \"arn\": \"arn:aws:sts::{acct}:assumed-role/deploy/ci-session\",")
        d.line(f"    \"accountId\": \"{acct}\",")
        d.line("    \"accessKeyId\": \"⟦k⟧\"", k=key)
        d.line("  },")
        d.line(f"  \"eventTime\": \"2024-{R.randint(1, 12):02d}-{day:02d}T{rand_time()}:12Z\",")
        d.line("  \"eventSource\": \"s3.amazonaws.com\",")
        d.line(f"  \"eventName\": \"{pick(['GetObject', 'PutObject', 'ListBuckets', 'DeleteObject'])}\",")
        d.line("  \"awsRegion\": \"eu-central-1\",")
        d.line("  \"sourceIPAddress\": \"⟦ip⟧\",", ip=val.ipv4("public"))
        d.line("  \"userAgent\": \"aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1014-aws\",")
        d.line(f"  \"requestID\": \"{val.hexstr(16).upper()}\",")
        d.line(f"  \"eventID\": \"{val.uuid4()}\"")
        d.put("}")
    else:
        for i in range(R.randint(5, 10)):
            t = f"{mon} {day:2d} {times[i]}"
            d.line(f"{t} router dhcpd[{R.randint(300, 900)}]: DHCPACK on ⟦ip⟧ to {val.mac()} ({pick(['laptop-42', 'printer-2og', 'iphone', 'nas'])}) via eth0",
                   ip=val.ipv4("private"))


def csv_export(d, lang=None, region=None):
    lang = lang or pick(["de", "fr", "es", "nl", "it", "pt", "pl", "sv", "en"])
    p = P[lang]
    delim = "," if lang == "en" else pick([";", ";", "\t", ","])
    quote_all = chance(0.4)
    with_card = chance(0.4)
    cols = ["id", p["name_h"], p["email_h"], p["phone_h"], "IBAN", "created", "amount", "ref"]
    if with_card:
        cols.insert(5, "card")
    d.line(delim.join(f"\"{c}\"" if quote_all else c for c in cols))
    for i in range(R.randint(4, 10)):
        person = Person(lang, region)
        bad = chance(0.12)
        ib = val.bad_iban(pick(["DE", "FR", "NL", "ES"]), grouped=False) if bad else \
            val.iban(pick(["DE", "FR", "NL", "ES", "IT", "PT", "PL", "SE", "BE", "AT"]), grouped=chance(0.2))
        fields = [str(10000 + i), person.name, person.email, person.phone if chance(0.5) else person.mobile, ib,
                  f"2024-{R.randint(1, 12):02d}-{R.randint(1, 28):02d}T{rand_time()}:00Z",
                  f"{R.randint(1, 9999)}{',' if delim != ',' else '.'}{R.randint(0, 99):02d}", val.uuid4()]
        if with_card:
            fields.insert(5, val.credit_card(sep=pick(["", "", " ", "-"])) if chance(0.8) else val.luhn_failing())
        parts, kw = [], {}
        for j, f in enumerate(fields):
            needs_q = quote_all or (isinstance(f, str) and delim in f) or (isinstance(f, V) and delim in f.text)
            if isinstance(f, V):
                kw[f"f{j}"] = f
                parts.append(f"\"⟦f{j}⟧\"" if needs_q else f"⟦f{j}⟧")
            else:
                parts.append(f"\"{f}\"" if needs_q else f)
        d.line(delim.join(parts), **kw)
    if chance(0.4):
        d.strip_final_newline()


def chat(d, lang="en", region=None):
    people = [Person(pick(["en", "de", "nl", "pl"]), "uk") for _ in range(3)]
    handles = [val.ascii_fold(p.first).lower() for p in people]
    t = R.randint(8, 17)
    m = R.randint(0, 40)

    def say(who, text, **kw):
        nonlocal m
        m += R.randint(1, 4)
        d.line(f"[{t:02d}:{m:02d}] {handles[who]}: " + text, **kw)

    say(0, "can someone rotate the deploy token? I pasted it in #general by mistake 🤦 ⟦v⟧", v=val.github_token())
    say(1, "on it. the old AWS key ⟦v⟧ is also still active btw", v=val.aws_key())
    say(2, f"fyi the one in the docs (AKIAIOSFODNN7EXAMPLE) is just the AWS example, ignore it")
    if chance(0.5):
        say(0, "and the bastion is ⟦a⟧ now, not ⟦b⟧", a=val.ipv4("public"), b=val.ipv4("public"))
    if chance(0.5):
        say(1, "revoked ✅ new one is in the vault. placeholder in the README is " + val.github_placeholder())
    say(2, "thx! ping me at ⟦v⟧ if the pipeline still fails", v=people[2].email)
    d.put(f"[{t:02d}:{m + 3:02d}] bot: 🔒 Reminder: never paste secrets in chat. Commit {val.hexstr(40)} was flagged.\n")


def key_handover(d, lang, region=None):
    """An e-mail that hands over a private key in the body."""
    subj, intro, outro = KEY_MAIL[lang]
    host = pick(["web-03", "db-replica", "build-02", "sftp", "vpn-gw", "backup-01"]) + "." + pick(["intern", "lan", "prod", "eu"])
    sender, to = Person(lang, region), Person(lang, region)
    p = P[lang]
    d.line(f"{p['from_']}: {sender.name} <⟦a⟧>", a=sender.email)
    d.line(f"{p['to']}: ⟦b⟧", b=to.email)
    d.line(f"{p['subject']}: {fill(subj, host=host)}")
    d.line("")
    d.line(fill(pick(p["dear_name"]), first=to.first, last=to.last))
    d.line("")
    ip = val.ipv4("private") if chance(0.7) else val.ipv6()
    d.line(intro if lang == "de" else cap(intro), host=host, ip=ip)
    d.line("")
    d.line("⟦k⟧", k=val.private_key())
    d.line("")
    d.line(outro)
    if chance(0.4):
        d.line(f"SHA256:{val.base64.b64encode(R.randbytes(32)).decode().rstrip('=')}")
    d.line("")
    d.line(pick(p["closing"]))
    d.line(sender.first)
    if chance(0.5):
        mention(d, lang, "mobile", sender.mobile, mode=pick(["label", "bare"]))
        if chance(0.5):
            d.put("\n")


def us_tax_csv(d, lang="en", region="us"):
    """1099 vendor export: TIN column holds SSNs and EINs (only SSNs are labelled)."""
    sep = pick([",", ",", "\t"])
    d.line(sep.join(["vendor_id", "name", "tin_type", "tin", "address", "phone", "email", "box1_amount"]))
    for i in range(R.randint(5, 10)):
        p = Person("en", "us")
        kind = weighted([("SSN", 55), ("EIN", 30), ("ITIN", 8), ("BAD", 7)])
        if kind == "SSN":
            tin = val.us_ssn(sep=pick(["-", "-", "", " "]))
        elif kind == "EIN":
            tin = val.us_ein()
        elif kind == "ITIN":
            tin = f"9{digits(2)}-{R.randint(70, 88)}-{digits(4)}"
        else:
            tin = val.bad_ssn()
        addr = f"{p.street}, {p.city} {p.postcode}"
        addr = f"\"{addr}\"" if sep == "," else addr
        name = f"\"{p.last}, {p.first}\"" if sep == "," else f"{p.last}, {p.first}"
        t = "SSN" if kind in ("SSN", "BAD") else kind
        d.line(sep.join([f"V{digits(5, True)}", name, t, "⟦t⟧", addr, "⟦p⟧", "⟦e⟧", f"{R.randint(600, 90000)}.{R.randint(0, 99):02d}"]),
               t=tin, p=p.phone, e=p.email)
    if chance(0.5):
        d.strip_final_newline()


def uk_clinic_list(d, lang="en", region="uk"):
    """A day list from a GP surgery: NHS numbers in mixed formats."""
    co = Company("en", "uk", kind="practice")
    d.line(f"{co.name} - clinic list {long_date('en')}")
    d.line(f"Clinician: Dr {Person('en', 'uk').last}    Room {R.randint(1, 9)}")
    d.line("")
    sep = pick(["\t", " | "])
    d.line(sep.join(["Time", "Patient", "NHS number", "Contact", "Notes"]))
    for t in sorted(rand_time() for _ in range(R.randint(5, 9))):
        p = Person("en", "uk")
        note = pick(["BP review", "asthma check", "med review", "wound dressing", "new patient", "bloods", "DNA x2 - call first"])
        if chance(0.1):
            d.line(sep.join([t, p.name, "not yet registered", "⟦c⟧", note]), c=p.mobile)
        else:
            d.line(sep.join([t, p.name, "⟦n⟧", "⟦c⟧", note]), n=val.uk_nhs(), c=p.mobile if chance(0.7) else p.phone)
    d.line("")
    d.line(f"Locum cover: {Person('en', 'uk').name}, GMC {digits(7, True)}. Practice code {pick('ABCDEFGHJKLMNP')}{digits(5)}.")
    if chance(0.5):
        d.line("Temp ref for unregistered patient: " + val.bad_nhs(sep=" ") + " (not an NHS number)")
