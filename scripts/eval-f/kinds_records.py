"""Structured-record documents: JSON, NDJSON, YAML, XML, Markdown and HTML
tables, CSV/TSV with odd headers, headerless rows, dense multi-value lines."""
import fake as F
import decoys as D
import kit as K
from doc import Doc, L, Mix, json_out, yaml_out, xml_el, delimited, markdown_table, html_table

# Key spellings per naming habit.  The "ssn" slot is only given a spaced or
# compact layout when its key says SSN / social security (see ssn_for).
KEYSETS = {
    "camel": dict(id="customerId", name="fullName", email="emailAddress", phone="mobile", card="cardNo",
                  ssn="socSecNo", ip="clientIp", iban="iban", created="createdAt", order="lastOrderId",
                  masked="maskedPan", nhs="nhsNo", npi="npiNumber", contact="contactInfo"),
    "snake": dict(id="customer_id", name="full_name", email="email_addr", phone="phone_number", card="pan",
                  ssn="ssn", ip="ip", iban="bank_iban", created="created_at", order="order_ref",
                  masked="card_masked", nhs="nhs_number", npi="npi", contact="contact"),
    "abbrev": dict(id="cid", name="nm", email="em", phone="ph", card="cc", ssn="tin", ip="ip",
                   iban="acct", created="ts", order="ord", masked="cc_last4", nhs="nhsNo", npi="npiNumber",
                   contact="ct"),
    "title": dict(id="ID", name="Name", email="E-mail", phone="Tel", card="Card Number", ssn="SSN",
                  ip="RemoteAddr", iban="IBAN", created="Created", order="Order", masked="CardMasked",
                  nhs="NHS No", npi="NPI", contact="Contact"),
}


def ssn_for(rng, key):
    k = key.lower()
    return K.ssn_any(rng) if ("ssn" in k or "socsec" in k) else K.ssn(rng)


def _record(rng, ks, i):
    p = K.who(rng)
    r = {ks["id"]: f"C{rng.randint(10000, 99999)}", ks["name"]: p["name"]}
    nested = rng.random() < 0.4
    if nested:
        phones = [{"kind": rng.choice(["mobile", "work", "home"]), "number": K.phone(rng)}
                  for _ in range(rng.randint(1, 2))]
        if rng.random() < 0.3:
            phones[0]["ext"] = str(rng.randint(10, 4999))
        r[ks["contact"]] = {ks["email"]: K.email(rng, p), "phones": phones}
    else:
        if rng.random() < 0.85:
            r[ks["email"]] = K.email(rng, p)
        if rng.random() < 0.7:
            r[ks["phone"]] = K.phone(rng)
    if rng.random() < 0.55:
        if nested:
            r["payment"] = {"method": "card", ks["card"]: K.card(rng), "exp": f"{rng.randint(1, 12):02d}/{rng.randint(25, 31)}"}
        else:
            r[ks["card"]] = K.card(rng)
    elif rng.random() < 0.5:
        r[ks["masked"]] = D.masked_card(rng)
    if rng.random() < 0.35:
        r[ks["ssn"]] = ssn_for(rng, ks["ssn"])
    if rng.random() < 0.35:
        r[ks["iban"]] = K.iban(rng) if rng.random() < 0.8 else D.bad_iban(rng)
    if rng.random() < 0.45:
        r[ks["ip"]] = K.ip4(rng) if rng.random() < 0.7 else K.ip6(rng)
    if rng.random() < 0.12:
        r[ks["nhs"]] = K.nhs(rng)
    if rng.random() < 0.08:
        r[ks["npi"]] = K.npi(rng)
    r[ks["order"]] = D.order_no(rng)
    r[ks["created"]] = D.timestamp(rng)
    if rng.random() < 0.3:
        r["tags"] = rng.sample(["vip", "churn-risk", "migrated", "b2b", "paused"], 2)
    if rng.random() < 0.2:
        r["requestId"] = D.uuid(rng)
    return r


def json_customers(rng):
    d = Doc()
    ks = KEYSETS[rng.choice(list(KEYSETS))]
    recs = [_record(rng, ks, i) for i in range(rng.randint(2, 6))]
    form = rng.choice(["array", "envelope", "ndjson", "compact"])
    if form == "ndjson":
        for r in recs:
            json_out(d, r, compact=True)
            d("\n")
    elif form == "envelope":
        json_out(d, {"data": recs, "page": {"size": len(recs), "next": D.uuid(rng)},
                     "generatedAt": D.timestamp(rng), "schema": f"crm.export/{D.version(rng)}"}, indent=rng.choice([2, 4]))
        d("\n")
    else:
        json_out(d, recs, indent=2, compact=form == "compact")
        d("\n")
    return d


def yaml_people(rng):
    d = Doc()
    comp = rng.choice(F.COMPANIES)
    d(f"# {comp[0]} — {rng.choice(['staff directory', 'contractor roster', 'patient contacts'])}\n")
    d(f"# exported {D.timestamp(rng)} by {D.not_email(rng)}\n")
    clinical = rng.random() < 0.4
    items = []
    for _ in range(rng.randint(2, 5)):
        p = K.who(rng, company=comp)
        it = {"name": p["name"], "email": K.email(rng, p)}
        if rng.random() < 0.8:
            it[rng.choice(["mobile", "tel", "ph", "phone"])] = K.phone(rng)
        if clinical:
            if rng.random() < 0.6:
                it[rng.choice(["nhs_no", "nhsNumber", "nhs"])] = K.nhs(rng)
            else:
                it["npi"] = K.npi(rng)
            if rng.random() < 0.3:
                it["ref"] = D.bad_nhs(rng) if rng.random() < 0.5 else D.bad_npi(rng)
        else:
            if rng.random() < 0.4:
                it["ssn"] = K.ssn_any(rng)
            if rng.random() < 0.5:
                it["bank"] = {"iban": K.iban(rng), "holder": p["name"]}
            if rng.random() < 0.3:
                it["laptop"] = {"ip": K.ip4(rng, "p10"), "mac": D.mac(rng)}
        it["employee_id"] = f"E{rng.randint(1000, 9999)}"
        items.append(it)
    yaml_out(d, {"people": items, "meta": {"version": D.version(rng), "checksum": D.digest(rng)}})
    return d


def xml_claims(rng):
    d = Doc()
    d('<?xml version="1.0" encoding="UTF-8"?>\n')
    d(f'<ClaimBatch batchId="{D.uuid(rng)}" created="{D.timestamp(rng)}">\n')
    for _ in range(rng.randint(1, 3)):
        p = K.who(rng)
        prov = K.who(rng)
        kids = [("Name", p["name"]), ("Phone", K.phone(rng, "US"))]
        if rng.random() < 0.6:
            kids.append(("Email", K.email(rng, p)))
        xml_el(d, "Claim", attrs=[("claimId", f"CLM-{D.safe_number(rng, 9)}"), ("status", rng.choice(["new", "pended", "paid"]))],
               level=1, children=[
                   ("Member", None, [("ssn", K.ssn(rng)), ("memberNo", D.safe_number(rng, 9, "8"))], kids),
                   ("RenderingProvider", None, [("npi", K.npi(rng)), ("name", f"Dr {prov['last']}")]),
                   ("BillingProvider", None, [], [("NPI", K.npi(rng)), ("TaxonomyCode", "207Q00000X"),
                                                  ("Tel", K.phone(rng, "US"))]),
                   ("Amount", f"{rng.randint(40, 9000)}.{rng.randint(0, 99):02d}", [("currency", "USD")]),
               ] + ([("Payment", None, [("method", "card")], [("CardNumber", K.card(rng)), ("Auth", D.safe_number(rng, 6))])]
                    if rng.random() < 0.5 else []))
    d("</ClaimBatch>\n")
    return d


def xml_referrals(rng):
    d = Doc()
    d('<?xml version="1.0"?>\n<!-- nightly referral feed; do not edit by hand -->\n<Referrals>\n')
    for _ in range(rng.randint(2, 4)):
        p = K.who(rng)
        kids = [("Name", p["name"]), ("Contact", K.phone(rng, "UK"), [("type", "mobile")])]
        if rng.random() < 0.5:
            kids.append(("Email", K.email(rng, p)))
        kids.append(("GP", None, [("practice", rng.choice(F.COMPANIES)[0]), ("tel", K.phone(rng, "UK"))]))
        if rng.random() < 0.3:
            kids.append(("PreviousNhsNo", D.bad_nhs(rng), [("verified", "false")]))
        xml_el(d, "Patient", attrs=[("id", f"P-{rng.randint(100, 9999)}"), ("nhsNo", K.nhs(rng))], level=1, children=kids)
    d("</Referrals>\n")
    return d


def _md_or_html(rng, header, rows):
    d = Doc()
    if rng.random() < 0.55:
        d(f"## {rng.choice(['Contacts', 'Directory', 'Payees', 'Inventory'])}\n\n")
        markdown_table(d, header, rows)
        d("\n_" + F.fill(rng, "ops") + "_\n")
    else:
        d("<html><body>\n<h2>Report</h2>\n")
        html_table(d, header, rows)
        d("<p>Generated " + D.timestamp(rng) + "</p>\n</body></html>\n")
    return d


def provider_table(rng):
    rows = []
    for _ in range(rng.randint(3, 7)):
        p = K.who(rng)
        rows.append([f"Dr {p['first']} {p['last']}", rng.choice(F.SPECIALTIES),
                     K.npi(rng) if rng.random() < 0.8 else D.bad_npi(rng),
                     K.phone(rng, "US"), K.phone(rng, "US") if rng.random() < 0.4 else "—", K.email(rng, p)])
    return _md_or_html(rng, ["Provider", "Specialty", "NPI#", "Phone", "Fax", "Email"], rows)


def payee_table(rng):
    rows = []
    for _ in range(rng.randint(3, 6)):
        comp = rng.choice(F.COMPANIES)
        rows.append([comp[0], K.iban(rng) if rng.random() < 0.75 else D.bad_iban(rng),
                     K.role_email(rng, comp[1]), K.phone(rng), D.invoice_no(rng)])
    return _md_or_html(rng, ["Payee", "IBAN", "Remittance e-mail", "Tel.", "Last invoice"], rows)


def host_table(rng):
    rows = []
    for i in range(rng.randint(3, 8)):
        rows.append([f"{rng.choice(['web', 'db', 'cache', 'vpn', 'bastion'])}-{i + 1:02d}", K.ip4(rng),
                     K.ip6(rng) if rng.random() < 0.6 else "n/a", D.version(rng), K.email(rng)])
    return _md_or_html(rng, ["host", "ipv4", "ipv6", "agent", "owner"], rows)


def html_contacts(rng):
    d = Doc()
    d('<div class="crm-card-list">\n')
    for _ in range(rng.randint(2, 5)):
        p = K.who(rng)
        ph = K.phone(rng)
        tel = K.e164(ph.text)
        d(f'  <div class="card">\n    <h3>{p["name"]}</h3>\n    <a href="mailto:', K.email(rng, p), '">', K.email(rng, p), "</a><br>\n")
        if tel:
            d('    <a href="tel:', L("phone", tel), '">', ph, "</a>\n")
        else:
            d("    <span class=\"tel\">", ph, "</span>\n")
        if rng.random() < 0.4:
            d('    <span class="muted">Card ', D.masked_card(rng), "</span>\n")
        d("  </div>\n")
    d("</div>\n")
    return d


CSV_LAYOUTS = [
    (["CustRef", "Name", "CC#", "Exp", "E-mail", "Order no."], ["id", "name", "card", "exp", "email", "order"]),
    (["Emp #", "Surname", "SSN/TIN", "Tel.", "E-mail", "Start"], ["id", "last", "ssn", "phone", "email", "date"]),
    (["NHS No", "Patient", "DOB", "GP Tel", "Email"], ["nhs", "name", "dob", "phone", "email"]),
    (["Vendor", "Card No.", "IBAN", "Contact Tel.", "Amount"], ["comp", "card", "iban", "phone", "price"]),
    (["hostname", "mgmt_ip", "v6", "serial", "fw"], ["host", "ip4", "ip6", "uuid", "version"]),
    (["Provider", "NPI#", "Tel.", "Claim", "Paid"], ["name", "npi", "phone", "order", "price"]),
    (["acct", "holder", "iban_no", "ph", "note"], ["id", "name", "iban", "phone", "neg"]),
]


def _cell(rng, kind, p):
    if rng.random() < 0.07 and kind not in ("id", "name", "last"):
        return ""                                # missing value
    return {
        "id": lambda: str(rng.randint(1000, 99999)), "name": lambda: p["name"], "last": lambda: p["last"],
        "card": lambda: K.card(rng) if rng.random() < 0.8 else D.luhn_fail_card(rng),
        "exp": lambda: f"{rng.randint(1, 12):02d}/{rng.randint(25, 30)}",
        "email": lambda: K.email(rng, p), "order": lambda: D.order_no(rng),
        "ssn": lambda: K.ssn(rng) if rng.random() < 0.8 else D.bad_ssn(rng),
        "phone": lambda: K.phone(rng), "date": lambda: D.date(rng),
        "nhs": lambda: K.nhs(rng) if rng.random() < 0.85 else D.bad_nhs(rng),
        "dob": lambda: f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1940, 2010)}",
        "comp": lambda: rng.choice(F.COMPANIES)[0], "iban": lambda: K.iban(rng) if rng.random() < 0.85 else D.bad_iban(rng),
        "price": lambda: D.price(rng), "host": lambda: f"sw-{rng.randint(1, 40):02d}", "ip4": lambda: K.ip4(rng, "p10"),
        "ip6": lambda: K.ip6(rng), "uuid": lambda: D.uuid(rng), "version": lambda: D.version(rng),
        "npi": lambda: K.npi(rng) if rng.random() < 0.85 else D.bad_npi(rng), "neg": lambda: K.negative(rng)[1],
    }[kind]()


def csv_export(rng):
    d = Doc()
    header, kinds = rng.choice(CSV_LAYOUTS)
    sep = rng.choice([",", ",", "\t", ";", "|"])
    rows = []
    for _ in range(rng.randint(3, 10)):
        p = K.who(rng)
        rows.append([_cell(rng, k, p) for k in kinds])
    delimited(d, header, rows, sep=sep, quote_all=sep == "," and rng.random() < 0.3, crlf=rng.random() < 0.2)
    return d


def headerless_rows(rng):
    """Rows where only the shape of a value says what it is."""
    d = Doc()
    shape = rng.sample(["card", "email", "phone", "iban", "ssn", "ip4", "nhs", "npi", "order", "price", "date", "uuid"], 6)
    shape = ["id", "name"] + shape
    sep = rng.choice([",", "\t", ";"])
    rows = [[_cell(rng, k, K.who(rng)) for k in shape] for _ in range(rng.randint(4, 12))]
    delimited(d, None, rows, sep=sep)
    return d


SEPS = [", ", " / ", "; ", ";", " | ", " or ", "\t", ",", " · ", " – "]


def dense_lines(rng):
    """Several values per line, same or mixed types."""
    d = Doc()
    d(rng.choice(["Pasted from the shared sheet (column C was merged):", "DSAR search — raw hits, deduplicate before sending:",
                  "Notes from the call, values as read out:", "grep results, unsorted"]) + "\n\n")
    makers = {"cards": lambda: K.card(rng), "emails": lambda: K.email(rng), "phones": lambda: K.phone(rng),
              "ips": lambda: K.ip4(rng), "v6": lambda: K.ip6(rng), "ibans": lambda: K.iban(rng),
              "nhs": lambda: K.nhs(rng), "npi": lambda: K.npi(rng), "ssn": lambda: K.ssn(rng),
              "keys": lambda: K.aws(rng), "tokens": lambda: K.gh(rng)}
    for _ in range(rng.randint(4, 8)):
        sep = rng.choice(SEPS)
        if rng.random() < 0.5:                    # one type repeated
            name = rng.choice(list(makers))
            vals = [makers[name]() for _ in range(rng.randint(2, 5))]
            if name == "v6" and sep in (",", ", "):
                sep = " | "
            d(f"{name}: ")
        else:                                     # mixed types
            names = rng.sample(list(makers), rng.randint(2, 4))
            vals = [makers[n]() for n in names]
            d(rng.choice(["row: ", "- ", "", "» "]))
        if rng.random() < 0.3:
            vals.insert(rng.randint(0, len(vals)), K.negative(rng)[1])
        for i, v in enumerate(vals):
            if i:
                d(sep)
            d(v)
        d("\n")
    return d
