#!/usr/bin/env python3
"""Held-out labelled corpus generator for twelve sensitive-data types.

usage: python3 gen.py OUT [--n 400] [--seed 20240917]
writes OUT/sample/docs/NNNNN.txt, OUT/sample/labels.jsonl and (outside the
sample format) OUT/meta.jsonl with variant / context / decoy annotations.
Offsets are UTF-8 byte offsets, end exclusive."""
import argparse, json, os, random, re, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import values as V

TYPES = ["credit_card", "email", "us_ssn", "iban", "ipv4", "ipv6", "phone", "aws_access_key", "github_token",
         "private_key", "uk_nhs", "us_npi"]

PEOPLE = ["José Núñez", "Zoë Clarke", "Łukasz Nowak", "Aoife Ní Bhriain", "Priya Raman", "Björn Åkesson",
          "Chidi Okonkwo", "Mei-Ling Chen", "François Lefèvre", "Ahmed El-Sayed", "Sarah O'Connor", "Tomás Ruiz",
          "Hannah Becker", "Kenji Watanabe", "Olivia Brown", "Marcus Johnson", "Nadia Petrova", "Dmitri Volkov"]
COMPANIES = ["Northwind Traders", "Globex GmbH", "Initech LLC", "Umbrella Health NHS Trust", "Contoso Bank plc",
             "Acme Corp.", "Soylent S.A.", "Wayne Enterprises", "Stark Medical Group", "Tyrell Logistics K.K."]
CITIES = ["Leeds", "München", "São Paulo", "Zürich", "Austin", "Lyon", "Osaka", "Bengaluru", "Melbourne", "Dublin"]


class Doc:
    def __init__(self, r):
        self.r = r
        self.parts = []
        self.pos = 0
        self.ents = []
        self.decoys = []

    def t(self, s):
        self.parts.append(s)
        self.pos += len(s.encode("utf-8"))

    def ent(self, typ, value, variant, ctx, suffix=""):
        start = self.pos
        self.t(value)
        self.ents.append({"type": typ, "start": start, "end": self.pos, "value": value, "variant": variant, "ctx": ctx})
        if suffix:
            self.t(suffix)

    def dec(self, kind, value, ctx=""):
        start = self.pos
        self.t(value)
        self.decoys.append({"kind": kind, "start": start, "end": self.pos, "value": value, "ctx": ctx})

    def new(self, typ, ctx, **kw):
        v, var, suf = V.GEN[typ](self.r, **kw)
        self.ent(typ, v, var, ctx, suf)

    def text(self):
        return "".join(self.parts)


PH = re.compile(r"\{([a-z_0-9]+)(?::([a-z_0-9]+))?\}")


def render(doc, tmpl, ctx):
    """Render a template. {type} -> entity, {d:kind} -> decoy, {name}/{company}/{city}/{date}/{n} -> filler."""
    r = doc.r
    i = 0
    for m in PH.finditer(tmpl):
        doc.t(tmpl[i:m.start()])
        key, arg = m.group(1), m.group(2)
        if key in V.GEN:
            doc.new(key, ctx)
        elif key == "private_key":
            lines, kind = V.gen_private_key_lines(r)
            doc.ent("private_key", "\n".join(lines), kind, ctx)
        elif key == "d":
            doc.dec(arg, V.decoy(r, arg), ctx)
        elif key == "name":
            doc.t(r.choice(PEOPLE))
        elif key == "company":
            doc.t(r.choice(COMPANIES))
        elif key == "city":
            doc.t(r.choice(CITIES))
        elif key == "date":
            doc.t(f"{r.randint(1, 28)} {r.choice(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'])} 2024")
        elif key == "n":
            doc.t(str(r.randint(2, 90)))
        else:
            raise KeyError(key)
        i = m.end()
    doc.t(tmpl[i:])


# ------------------------------------------------------------------ prose sentences
S = {
    "credit_card": [
        "Please charge the outstanding balance to my card {credit_card}, expiry 09/27.",
        "Customer read out the card number as {credit_card} — I did NOT store the CVV.",
        "Refund issued to card ending in the full PAN {credit_card} (manager approval ref {d:ticket}).",
        "The corporate Amex/Visa on file is {credit_card}; billing address unchanged.",
        "Card: {credit_card}\n",
        "she wrote the card no. on the back of the form: {credit_card}",
        "Chargeback dispute for transaction on {credit_card}, amount €412,50.",
        "Zahlung mit Kreditkarte {credit_card} wurde abgelehnt.",
        "PAN={credit_card} cardholder={name}",
        "The vendor accidentally emailed us the full number ({credit_card}) in plain text.",
    ],
    "email": [
        "You can reach me at {email} any time this week.",
        "Please cc {email} and {email} on the reply.",
        "Forwarded from {name} <{email}>:",
        "mailto:{email}",
        "Login failures for user {email} from several countries.",
        "Escalated to the DPO ({email}) per Art. 33 GDPR.",
        "contact: {email}",
        "Her personal address is {email}, work one is {email}.",
        "Bounce: 550 5.1.1 <{email}>: Recipient address rejected",
    ],
    "us_ssn": [
        "Employee SSN: {us_ssn}",
        "His Social Security number is {us_ssn}, please update the W-4.",
        "SSN {us_ssn} was entered twice in the payroll system.",
        "The applicant's social security no. ({us_ssn}) matched the credit bureau record.",
        "Verified identity with last name, DOB {d:date} and SSN {us_ssn}.",
        "social: {us_ssn}",
        "Tax ID (SSN) {us_ssn} appears on the 1099-MISC.",
    ],
    "iban": [
        "Please wire the deposit to IBAN {iban} (BIC DEUTDEFFXXX).",
        "New beneficiary account: {iban}, holder {name}.",
        "Bankverbindung: IBAN {iban}",
        "Remboursement sur le compte {iban} sous 5 jours.",
        "The supplier changed their bank details to {iban} — verify by phone before paying!",
        "IBAN: {iban}\n",
        "Salary goes to {iban} from next month.",
    ],
    "ipv4": [
        "Multiple failed SSH logins from {ipv4} between 02:00 and 02:15 UTC.",
        "The printer is at http://{ipv4}:631/ but it's flaky.",
        "Allowlisted {ipv4}/32 in the security group.",
        "Connection refused to {ipv4}:5432 (postgres).",
        "Traffic from the {ipv4}/24 subnet is being dropped.",
        "Client IP {ipv4} (X-Forwarded-For: {ipv4}, {ipv4})",
        "ping {ipv4} — 64 bytes, ttl=57, time=12.4 ms",
        "ssh admin@{ipv4} -p 2222",
        "Our VPN gateway is {ipv4}; DNS is {ipv4}.",
    ],
    "ipv6": [
        "The host answered on {ipv6} but not on v4.",
        "curl -g 'http://[{ipv6}]:8080/health' returns 503.",
        "Neighbour discovery shows {ipv6} on the LAN.",
        "Blocked prefix source {ipv6} after the scan.",
        "listen [{ipv6}]:443 ssl;",
        "Peer address: {ipv6}",
        "AAAA record now points to {ipv6} (TTL 300).",
    ],
    "phone": [
        "Call me back on {phone} after 5pm.",
        "Her mobile is {phone}, office {phone}.",
        "Fax the signed form to {phone}.",
        "Tel: {phone}\n",
        "Emergency contact: {name}, {phone}",
        "The caller ({phone}) claimed to be from the bank.",
        "Please ring the ward on {phone} to confirm.",
        "WhatsApp: {phone}",
        "Rückruf unter {phone} erbeten.",
        "Joindre le service client au {phone}.",
    ],
    "aws_access_key": [
        "Someone committed aws_access_key_id = {aws_access_key} to the public repo.",
        "export AWS_ACCESS_KEY_ID={aws_access_key}",
        "The leaked key {aws_access_key} was deactivated in IAM at 14:02.",
        "CloudTrail shows AssumeRole with temporary key {aws_access_key}.",
        "Key ID: {aws_access_key} (secret rotated, do not reuse)",
    ],
    "github_token": [
        "Hard-coded token found: {github_token}",
        "export GITHUB_TOKEN={github_token}",
        "git clone https://x-access-token:{github_token}@github.com/acme/infra.git",
        "The CI log printed Authorization: token {github_token}",
        "Revoke {github_token} immediately, it was pasted in #general.",
        "//npm.pkg.github.com/:_authToken={github_token}",
    ],
    "private_key": [
        "Here is the deploy key you asked for:\n\n{private_key}\n",
        "I pasted the old server key below by mistake, please rotate it.\n{private_key}\n",
        "> {name} wrote:\n> key attached inline\n\n{private_key}\n\n",
    ],
    "uk_nhs": [
        "Patient NHS number {uk_nhs}, DOB {d:date}.",
        "NHS No: {uk_nhs}\n",
        "Referral for {name} (NHS {uk_nhs}) to cardiology.",
        "Discharge summary — NHS number: {uk_nhs}; GP informed.",
        "Please quote NHS no. {uk_nhs} on all correspondence.",
    ],
    "us_npi": [
        "Rendering provider NPI {us_npi}, taxonomy 207Q00000X.",
        "NPI: {us_npi}\n",
        "Dr. {name} (NPI {us_npi}) signed the order.",
        "Billing NPI {us_npi} was rejected by the clearinghouse.",
        "National Provider Identifier: {us_npi}",
        "NM1*82*1*{name}****XX*{us_npi}~",
    ],
}
DECOY_SENT = [
    "Order {d:order16} shipped on {d:date}.",
    "Your confirmation number is {d:card_luhn_fail}.",
    "Tracking no. {d:luhn_bad_iin} (carrier: DHL).",
    "Request ID {d:uuid} took 412 ms.",
    "Commit {d:sha1} fixed the regression.",
    "Checksum (sha256): {d:sha256}",
    "Build {d:version} released at {d:timestamp}.",
    "Event ts={d:epoch} level=info msg=\"heartbeat\"",
    "created_ms={d:epoch_ms}",
    "SNMP OID {d:oid} reports high CPU.",
    "Invalid address {d:bad_ipv4} rejected by parser.",
    "Device MAC {d:mac} joined the network at {d:time}.",
    "Host key fingerprint {d:ssh_fp}.",
    "Stack trace points at {d:cpp_path}.",
    "ISBN {d:isbn}, priced at {d:money}.",
    "Ship to ZIP {d:zip4}.",
    "See {d:ticket} and {d:invoice} for details.",
    "Location {d:lat_long}.",
    "Item {d:sku} is out of stock.",
    "Template: aws_access_key_id = {d:aws_placeholder}",
    "Partial key {d:aws_short} is not a full key id.",
    "Example token format: {d:gh_placeholder}",
    "Test fixture token {d:gh_bad_checksum} (invalid checksum, never issued).",
    "Assets: {d:bad_email}",
    "The SSN field contained {d:ssn_bad}, which is not a valid number.",
    "Rejected IBAN {d:iban_bad} — check digits do not match.",
    "NHS number {d:nhs_bad} failed the modulus-11 check.",
    "NPI {d:npi_bad} is invalid (check digit mismatch).",
    "md5 {d:md5}",
]

FILLER = {
    "email": ["Hi team,", "Thanks for the quick turnaround.", "Let me know if anything is unclear.", "Best regards,",
              "Apologies for the delay — I was out of office.", "See below for the details we discussed on Monday."],
    "ticket": ["Priority: P2", "Status: Open", "Steps to reproduce: log in, open billing, click 'Update'.",
               "Customer is frustrated; second contact this week.", "Assigned to tier-2."],
    "hr": ["Performance review scheduled for Q3.", "Onboarding checklist is complete.", "Relocation package approved.",
           "Notes are confidential — HR use only."],
    "medical": ["Presenting complaint: chest pain on exertion.", "BP 142/88, HR 76, SpO2 97% on air.",
                "Allergies: penicillin (rash).", "Plan: repeat bloods in 2/52, review in clinic."],
    "chat": ["lol ok", "brb", "can someone check prod?", "👍 done", "that's weird, it worked yesterday"],
    "legal": ["WHEREAS the Parties wish to set out the terms of the engagement;",
              "NOW, THEREFORE, in consideration of the mutual covenants herein, the Parties agree as follows:",
              "This Agreement shall be governed by the laws of England and Wales.",
              "Schedule 2 (Data Processing) forms part of this Agreement."],
    "incident": ["Impact: partial outage of the EU region.", "Root cause under investigation.",
                 "Timeline (UTC) follows.", "Action items are tracked in Jira."],
}


def prose_doc(doc):
    r = doc.r
    reg = r.choice(list(FILLER))
    ctx = "prose/" + reg
    types = r.sample([t for t in S], r.randint(1, 4))
    # header
    if reg == "email":
        doc.t("From: ")
        doc.t(r.choice(PEOPLE) + " <")
        doc.new("email", "header/from")
        doc.t(">\nTo: ")
        doc.new("email", "header/to")
        if r.random() < 0.5:
            doc.t(", ")
            doc.new("email", "header/to")
        doc.t(f"\nSubject: {r.choice(['Re: invoice', 'Fwd: account update', 'Urgent', 'patient transfer', 'creds'])}\n")
        doc.t(f"Date: Tue, {r.randint(1, 28)} May 2024 {V.decoy(r, 'time')} +0100\n")
        doc.t("Message-ID: <")
        doc.dec("uuid", V.decoy(r, "uuid"), "header")
        doc.t("@mail.example.net>\n")
        if r.random() < 0.6:
            doc.t("Received: from mx.partner.example (mx.partner.example [")
            doc.new("ipv4", "header/received")
            doc.t("])\n")
        doc.t("\n")
    elif reg == "ticket":
        doc.t(f"Ticket #{r.randint(10000, 99999)} — opened by {r.choice(PEOPLE)}\n\n")
    elif reg == "hr":
        doc.t(f"HR CASE NOTE — {r.choice(PEOPLE)} ({r.choice(COMPANIES)})\n\n")
    elif reg == "medical":
        doc.t(f"CLINIC LETTER\nRe: {r.choice(PEOPLE)}\n\n")
    elif reg == "legal":
        doc.t(f"SERVICES AGREEMENT between {r.choice(COMPANIES)} and {r.choice(COMPANIES)}\n\n")
    elif reg == "incident":
        doc.t(f"Post-incident review {V.decoy(r, 'ticket')}\n\n")
    sents = []
    for t in types:
        for _ in range(r.randint(1, 2)):
            sents.append(r.choice(S[t]))
    for _ in range(r.randint(1, 3)):
        sents.append(r.choice(DECOY_SENT))
    for _ in range(r.randint(1, 3)):
        sents.append(r.choice(FILLER[reg]))
    r.shuffle(sents)
    for s in sents:
        if reg == "chat":
            doc.t(f"[{V.decoy(r, 'time')}] <{r.choice(V.FIRST)}> ")
            render(doc, s, ctx)
            doc.t("\n")
        else:
            render(doc, s, ctx)
            doc.t("\n" if s.endswith(("\n", ":", ",")) or r.random() < 0.4 else " ")
    if reg in ("email", "ticket") and r.random() < 0.5:
        doc.t(f"\n--\n{r.choice(PEOPLE)}\n{r.choice(COMPANIES)}\nT: ")
        doc.new("phone", "signature")
        doc.t("\n")


# ------------------------------------------------------------------ tabular
HEADERS = {
    "credit_card": ["card number", "cc_num", "CardNo", "Credit Card", "PAN", "card_number", "CC#", "Kartennummer", "payment_card"],
    "email": ["email", "E-mail", "email_address", "Mail", "contact_email", "EmailAddr", "courriel", "e_mail"],
    "us_ssn": ["SSN", "SSN#", "Social Security No.", "social_security_number", "SocSecNum", "TIN (SSN)", "ss_no", "ssn"],
    "iban": ["IBAN", "iban", "Bank Account (IBAN)", "acct_iban", "IBAN No", "beneficiary_iban", "Konto"],
    "ipv4": ["ip", "ip_addr", "IP Address", "client_ip", "src", "remote_addr", "host_ip", "srcaddr"],
    "ipv6": ["ipv6", "ip6_addr", "IPv6 Address", "client_ip6", "remote_addr", "dst"],
    "phone": ["phone", "Phone1", "mobile", "fax", "contact", "tel", "Telephone", "cell", "phone_number", "Mobile No", "work_phone", "Tel."],
    "aws_access_key": ["aws_access_key_id", "AccessKeyId", "access_key", "Access key ID", "key_id"],
    "github_token": ["token", "gh_token", "GITHUB_TOKEN", "pat", "api_token", "credential"],
    "uk_nhs": ["NHS No", "nhs_number", "NHS Number", "NHSNo", "patient_nhs", "NHS #"],
    "us_npi": ["npi", "NPI", "Provider NPI", "npi_number", "rendering_npi", "billing_npi", "NPI#"],
}
NEUTRAL = {
    "id": lambda r: str(r.randint(1, 99999)),
    "name": lambda r: r.choice(PEOPLE),
    "city": lambda r: r.choice(CITIES),
    "created_at": lambda r: V.decoy(r, "timestamp"),
    "amount": lambda r: f"{r.randint(1, 99999)}.{r.randint(0, 99):02d}",
    "dob": lambda r: V.decoy(r, "date"),
}
DECOY_COLS = {
    "order_no": "order16", "ref": "card_luhn_fail", "uuid": "uuid", "sha1": "sha1", "version": "version",
    "zip": "zip4", "ts": "epoch", "tracking": "luhn_bad_iin", "mac": "mac", "invoice": "invoice",
    "ssn_check_failed": "ssn_bad", "old_iban_invalid": "iban_bad", "nhs_rejected": "nhs_bad", "npi_rejected": "npi_bad",
}

GROUPS = [
    ["email", "phone", "us_ssn", "credit_card"],
    ["email", "phone", "iban"],
    ["uk_nhs", "phone", "email"],
    ["us_npi", "phone", "email"],
    ["ipv4", "ipv6", "email"],
    ["aws_access_key", "github_token", "email"],
    ["credit_card", "email", "ipv4"],
    ["us_ssn", "iban", "phone"],
    ["uk_nhs", "us_npi", "phone"],
    ["phone", "phone", "email"],
]


def make_columns(r):
    sens = list(r.choice(GROUPS))
    if r.random() < 0.5:
        sens = r.sample(sens, max(1, len(sens) - 1))
    cols = []
    for t in sens:
        cols.append(("ent", t, r.choice(HEADERS[t])))
    for k in r.sample(list(NEUTRAL), r.randint(1, 3)):
        cols.append(("neutral", k, k if r.random() < 0.6 else k.upper()))
    for k in r.sample(list(DECOY_COLS), r.randint(1, 2)):
        cols.append(("decoy", k, k))
    r.shuffle(cols)
    # dedupe header names
    seen = set()
    out = []
    for c in cols:
        h = c[2]
        while h in seen:
            h += "2"
        seen.add(h)
        out.append((c[0], c[1], h))
    return out


def cell_fixed_args(r, t):
    """Per-column consistent layout."""
    if t == "credit_card":
        return {"sep": r.choice([" ", "-", ""])}
    if t == "us_ssn":
        return {"sep": r.choice(["-", "", " "])}
    if t == "uk_nhs":
        return {"sep": r.choice([" ", ""])}
    if t == "iban":
        return {"layout": r.choice(["compact", "grouped"])}
    return {}


def write_cell(doc, col, kw, ctx):
    kind, t, h = col
    r = doc.r
    if kind == "ent":
        doc.new(t, f"{ctx}/{h}", **kw.get(h, {}))
    elif kind == "neutral":
        doc.t(NEUTRAL[t](r))
    else:
        doc.dec(DECOY_COLS[t], V.decoy(r, DECOY_COLS[t]), f"{ctx}/{h}")


def table_doc(doc):
    r = doc.r
    fmt = r.choice(["csv", "csv", "tsv", "semicolon", "pipe", "markdown", "html", "xml", "json", "jsonl", "yaml", "sql", "kvlog"])
    cols = make_columns(r)
    kw = {c[2]: cell_fixed_args(r, c[1]) for c in cols if c[0] == "ent"}
    nrows = r.randint(2, 7)
    ctx = "table/" + fmt
    if fmt in ("csv", "tsv", "semicolon", "pipe"):
        sep = {"csv": ",", "tsv": "\t", "semicolon": ";", "pipe": "|"}[fmt]
        quote = fmt == "csv" and r.random() < 0.4
        q = '"' if quote else ""
        if fmt == "semicolon" and r.random() < 0.5:
            doc.t("sep=;\n")
        doc.t(sep.join(q + c[2] + q for c in cols) + ("\r\n" if fmt == "csv" and r.random() < 0.3 else "\n"))
        for _ in range(nrows):
            for i, c in enumerate(cols):
                if i:
                    doc.t(sep)
                doc.t(q)
                write_cell(doc, c, kw, ctx)
                doc.t(q)
            doc.t("\n")
    elif fmt == "markdown":
        doc.t(f"## Export from {r.choice(COMPANIES)}\n\n| " + " | ".join(c[2] for c in cols) + " |\n|" + "|".join("---" for _ in cols) + "|\n")
        for _ in range(nrows):
            doc.t("| ")
            for i, c in enumerate(cols):
                if i:
                    doc.t(" | ")
                write_cell(doc, c, kw, ctx)
            doc.t(" |\n")
    elif fmt == "html":
        doc.t("<html><body>\n<table class=\"export\">\n  <tr>" + "".join(f"<th>{c[2]}</th>" for c in cols) + "</tr>\n")
        for _ in range(nrows):
            doc.t("  <tr>")
            for c in cols:
                doc.t("<td>")
                write_cell(doc, c, kw, ctx)
                doc.t("</td>")
            doc.t("</tr>\n")
        doc.t("</table>\n</body></html>\n")
    elif fmt == "xml":
        tag = lambda h: re.sub(r"[^A-Za-z0-9_]", "_", h).strip("_") or "f"
        doc.t('<?xml version="1.0" encoding="UTF-8"?>\n<records>\n')
        for _ in range(nrows):
            doc.t("  <record>\n")
            for c in cols:
                doc.t(f"    <{tag(c[2])}>")
                write_cell(doc, c, kw, ctx)
                doc.t(f"</{tag(c[2])}>\n")
            doc.t("  </record>\n")
        doc.t("</records>\n")
    elif fmt in ("json", "jsonl"):
        if fmt == "json":
            doc.t('{"exported_at": "2024-05-02T10:00:00Z", "rows": [\n')
        for k in range(nrows):
            doc.t("  {" if fmt == "json" else "{")
            for i, c in enumerate(cols):
                if i:
                    doc.t(", ")
                doc.t(json.dumps(c[2]) + ": ")
                num = c[0] == "neutral" and c[1] == "id"
                doc.t("" if num else '"')
                write_cell(doc, c, kw, ctx)
                doc.t("" if num else '"')
            doc.t("}")
            doc.t((",\n" if k < nrows - 1 else "\n") if fmt == "json" else "\n")
        if fmt == "json":
            doc.t("]}\n")
    elif fmt == "yaml":
        doc.t("---\nrecords:\n")
        for _ in range(nrows):
            for i, c in enumerate(cols):
                doc.t("  - " if i == 0 else "    ")
                key = c[2] if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_ ]*", c[2]) else json.dumps(c[2])
                doc.t(f"{key}: ")
                qq = r.random() < 0.3
                doc.t('"' if qq else "")
                write_cell(doc, c, kw, ctx)
                doc.t('"' if qq else "")
                doc.t("\n")
    elif fmt == "sql":
        tname = r.choice(["customers", "patients", "employees", "payments", "audit_log"])
        ident = lambda h: re.sub(r"[^A-Za-z0-9_]", "_", h).strip("_").lower() or "f"
        doc.t(f"-- dump {V.decoy(r, 'timestamp')}\nINSERT INTO {tname} ({', '.join(ident(c[2]) for c in cols)}) VALUES\n")
        for k in range(nrows):
            doc.t("  (")
            for i, c in enumerate(cols):
                if i:
                    doc.t(", ")
                num = c[0] == "neutral" and c[1] == "id"
                doc.t("" if num else "'")
                write_cell(doc, c, kw, ctx)
                doc.t("" if num else "'")
            doc.t(")" + (",\n" if k < nrows - 1 else ";\n"))
    else:  # kvlog
        for _ in range(nrows):
            doc.t(f"{V.decoy(r, 'timestamp')} INFO svc=checkout ")
            for i, c in enumerate(cols):
                key = re.sub(r"[^A-Za-z0-9_]", "_", c[2]).strip("_").lower() or "f"
                doc.t(f"{key}=")
                write_cell(doc, c, kw, ctx)
                doc.t(" ")
            doc.t("\n")


# ------------------------------------------------------------------ config / code / logs / keys
def key_block(doc, ctx, eol="\n", indent="", kind=None):
    lines, k = V.gen_private_key_lines(doc.r, kind)
    doc.ent("private_key", (eol + indent).join(lines), k, ctx)


def tech_doc(doc):
    r = doc.r
    kind = r.choice(["dotenv", "aws_credentials", "gcp_json", "k8s_secret_yaml", "pem_file", "pem_in_ticket", "ansible",
                     "nginx_log", "syslog", "python_code", "terraform", "ssh_config", "x12", "shell_history",
                     "cert_bundle", "presigned_url", "npmrc_gitconfig", "firewall"])
    ctx = "tech/" + kind
    if kind == "dotenv":
        doc.t("# .env — DO NOT COMMIT\nNODE_ENV=production\nDATABASE_URL=postgres://app:pw@")
        doc.new("ipv4", ctx)
        doc.t(":5432/app\nAWS_ACCESS_KEY_ID=")
        doc.new("aws_access_key", ctx)
        doc.t("\nAWS_SECRET_ACCESS_KEY=" + "".join(r.choice(V.B62 + "/+") for _ in range(40)) + "\nGITHUB_TOKEN=")
        doc.new("github_token", ctx)
        doc.t("\nSUPPORT_EMAIL=")
        doc.new("email", ctx)
        doc.t(f"\nBUILD_ID={V.decoy(r, 'sha1')}\nAPP_VERSION=")
        doc.dec("version", V.decoy(r, "version"), ctx)
        doc.t("\n")
    elif kind == "aws_credentials":
        for prof in r.sample(["default", "prod", "staging", "ci"], r.randint(1, 3)):
            doc.t(f"[{prof}]\naws_access_key_id = ")
            doc.new("aws_access_key", ctx)
            doc.t("\naws_secret_access_key = " + "".join(r.choice(V.B62 + "/+") for _ in range(40)) + "\nregion = eu-west-2\n\n")
        doc.t("Access key ID,Secret access key\n")
        doc.new("aws_access_key", ctx + "/csv")
        doc.t("," + "".join(r.choice(V.B62 + "/+") for _ in range(40)) + "\n")
    elif kind == "gcp_json":
        doc.t('{\n  "type": "service_account",\n  "project_id": "acme-prod-4411",\n  "private_key_id": "')
        doc.dec("sha1", V.decoy(r, "sha1"), ctx)
        doc.t('",\n  "private_key": "')
        key_block(doc, ctx, eol="\\n", kind="pkcs8-rsa")
        doc.t('\\n",\n  "client_email": "')
        doc.ent("email", f"deployer@acme-prod-4411.iam.gserviceaccount.com", "service-account", ctx)
        doc.t('",\n  "client_id": "' + V._rand_digits(r, 21) + '"\n}\n')
    elif kind == "k8s_secret_yaml":
        doc.t("apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls-backend\ntype: Opaque\nstringData:\n  tls.key: |\n    ")
        key_block(doc, ctx, indent="    ", kind=r.choice(["ec", "pkcs8-ec", "rsa-pkcs1"]))
        doc.t("\n  admin_email: ")
        doc.new("email", ctx)
        doc.t("\n  github_token: ")
        doc.new("github_token", ctx)
        doc.t("\n")
    elif kind == "pem_file":
        eol = "\r\n" if r.random() < 0.25 else "\n"
        key_block(doc, ctx + ("/crlf" if eol == "\r\n" else ""), eol=eol)
        doc.t(eol)
    elif kind == "pem_in_ticket":
        doc.t(f"Hi {r.choice(PEOPLE)},\n\nHere is the key you asked for, please don't share it:\n\n```\n")
        key_block(doc, ctx)
        doc.t("\n```\n\nand the public half for reference:\n\n")
        doc.t("\n".join(V.pubkey_lines(r)) + "\n\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" +
              "".join(r.choice(V.B62) for _ in range(43)) + " ops@bastion-01\n")
    elif kind == "ansible":
        doc.t("all:\n  hosts:\n")
        for _ in range(r.randint(2, 5)):
            doc.t(f"    web{r.randint(1, 40):02d}:\n      ansible_host: ")
            if r.random() < 0.7:
                doc.new("ipv4", ctx)
            else:
                doc.new("ipv6", ctx)
            doc.t("\n")
        doc.t("  vars:\n    ansible_user: deploy\n    notify_email: ")
        doc.new("email", ctx)
        doc.t("\n")
    elif kind == "nginx_log":
        for _ in range(r.randint(3, 8)):
            if r.random() < 0.75:
                doc.new("ipv4", ctx)
            else:
                doc.new("ipv6", ctx)
            doc.t(f' - - [12/Mar/2024:{V.decoy(r, "time")} +0000] "GET /api/v2/orders/')
            doc.dec("order16", V.decoy(r, "order16"), ctx)
            doc.t(f' HTTP/1.1" 200 {r.randint(100, 9999)} "-" "Mozilla/5.0" rt=0.{r.randint(10, 999)} req_id=')
            doc.dec("uuid", V.decoy(r, "uuid"), ctx)
            doc.t("\n")
    elif kind == "syslog":
        for _ in range(r.randint(3, 7)):
            doc.t(f"May  2 {V.decoy(r, 'time')} gw01 sshd[{r.randint(100, 99999)}]: ")
            c = r.random()
            if c < 0.4:
                doc.t("Failed password for invalid user admin from ")
                doc.new("ipv4", ctx)
                doc.t(f" port {r.randint(1024, 65535)} ssh2\n")
            elif c < 0.6:
                doc.t("Accepted publickey for deploy from ")
                doc.new("ipv6", ctx)
                doc.t(f" port {r.randint(1024, 65535)} ssh2: ED25519 SHA256:{''.join(r.choice(V.B62) for _ in range(43))}\n")
            elif c < 0.8:
                doc.t("kernel: eth0: link up, hwaddr ")
                doc.dec("mac", V.decoy(r, "mac"), ctx)
                doc.t("\n")
            else:
                doc.t("dhcpd: DHCPACK on ")
                doc.new("ipv4", ctx, kind="rfc1918")
                doc.t(" to ")
                doc.dec("mac", V.decoy(r, "mac"), ctx)
                doc.t(" via eth1\n")
    elif kind == "python_code":
        doc.t("import boto3\nimport requests\n\n# TODO: move to vault\n")
        doc.t('session = boto3.Session(aws_access_key_id="')
        doc.new("aws_access_key", ctx)
        doc.t('", aws_secret_access_key="' + "".join(r.choice(V.B62) for _ in range(40)) + '")\n')
        doc.t('HEADERS = {"Authorization": f"Bearer ')
        doc.new("github_token", ctx)
        doc.t('"}\nADMINS = ["')
        doc.new("email", ctx)
        doc.t('", "')
        doc.new("email", ctx)
        doc.t(f'"]\nSCHEMA_VERSION = "{V.decoy(r, "version")}"\nTEST_CARD = "')
        doc.dec("card_luhn_fail", V.decoy(r, "card_luhn_fail"), ctx)
        doc.t('"  # fails Luhn on purpose\n')
    elif kind == "terraform":
        doc.t('resource "aws_security_group_rule" "office" {\n  type        = "ingress"\n  cidr_blocks = ["')
        doc.new("ipv4", ctx)
        doc.t('/32", "')
        doc.new("ipv4", ctx)
        doc.t('/28"]\n  ipv6_cidr_blocks = ["')
        doc.new("ipv6", ctx, kind="global-compressed")
        doc.t('/128"]\n}\n\nprovider "github" {\n  token = "')
        doc.new("github_token", ctx)
        doc.t('"\n}\n\nlocals {\n  tls_key = <<EOT\n')
        key_block(doc, ctx)
        doc.t("\nEOT\n}\n")
    elif kind == "ssh_config":
        for _ in range(r.randint(2, 4)):
            doc.t(f"Host srv-{r.randint(1, 99)}\n    HostName ")
            if r.random() < 0.6:
                doc.new("ipv4", ctx)
            else:
                doc.new("ipv6", ctx)
            doc.t(f"\n    Port {r.randint(22, 2222)}\n    User deploy\n\n")
    elif kind == "x12":
        doc.t(f"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240502*1200*^*00501*{r.randint(100000000, 999999999)}*0*P*:~\n")
        doc.t("NM1*85*2*UMBRELLA CLINIC*****XX*")
        doc.new("us_npi", ctx)
        doc.t("~\nPER*IC*BILLING*TE*")
        ph = V.us_nsn(r)
        doc.ent("phone", ph, "us/x12-compact", ctx)
        doc.t("~\nNM1*82*1*DOE*JANE****XX*")
        doc.new("us_npi", ctx)
        doc.t("~\nREF*EI*")
        doc.dec("npi_bad", V.decoy(r, "npi_bad"), ctx)
        doc.t("~\nNM1*IL*1*SMITH*JOHN****MI*")
        doc.t(V._rand_digits(r, 3) + V.decoy(r, "ticket"))
        doc.t("~\nCLM*" + V.decoy(r, "invoice") + f"*{r.randint(100, 999)}.00***11:B:1~\n")
    elif kind == "shell_history":
        doc.t("  501  ssh -i ~/.ssh/id_ed25519 deploy@")
        doc.new("ipv4", ctx)
        doc.t("\n  502  curl -H 'Authorization: token ")
        doc.new("github_token", ctx)
        doc.t("' https://api.github.com/user\n  503  aws configure set aws_access_key_id ")
        doc.new("aws_access_key", ctx)
        doc.t("\n  504  ping6 ")
        doc.new("ipv6", ctx)
        doc.t("\n  505  git log -1 --format=%H  # ")
        doc.dec("sha1", V.decoy(r, "sha1"), ctx)
        doc.t("\n  506  ip addr add ")
        doc.new("ipv4", ctx, kind="rfc1918")
        doc.t("/24 dev eth0\n")
    elif kind == "cert_bundle":
        doc.t("# fullchain.pem + key\n" + "\n".join(V.cert_lines(r)) + "\n")
        doc.t("\n".join(V.cert_lines(r, "CERTIFICATE REQUEST")) + "\n")
        key_block(doc, ctx)
        doc.t("\n")
    elif kind == "presigned_url":
        doc.t("Download link (expires in 7 days):\nhttps://acme-exports.s3.amazonaws.com/reports/q1.csv?AWSAccessKeyId=")
        doc.new("aws_access_key", ctx, prefix="AKIA")
        doc.t(f"&Expires={V.decoy(r, 'epoch')}&Signature=" + "".join(r.choice(V.B62) for _ in range(27)) + "%3D\n")
        doc.t("X-Amz-Credential=")
        doc.new("aws_access_key", ctx, prefix="ASIA")
        doc.t("%2F20240502%2Feu-west-1%2Fs3%2Faws4_request\n")
    elif kind == "npmrc_gitconfig":
        doc.t("@acme:registry=https://npm.pkg.github.com\n//npm.pkg.github.com/:_authToken=")
        doc.new("github_token", ctx)
        doc.t("\n\n[url \"https://")
        doc.new("github_token", ctx)
        doc.t(":x-oauth-basic@github.com/\"]\n\tinsteadOf = https://github.com/\n[user]\n\temail = ")
        doc.new("email", ctx)
        doc.t("\n")
    else:  # firewall
        doc.t("# iptables-save\n")
        for _ in range(r.randint(3, 6)):
            c = r.random()
            if c < 0.6:
                doc.t("-A INPUT -s ")
                doc.new("ipv4", ctx)
                doc.t(f"/{r.choice([32, 24, 16])} -p tcp --dport {r.choice([22, 443, 3389])} -j ACCEPT\n")
            else:
                doc.t("ip6tables -A INPUT -s ")
                doc.new("ipv6", ctx)
                doc.t(" -j DROP\n")
        doc.t(f"# generated by fw-tool {V.decoy(r, 'version')} at {V.decoy(r, 'timestamp')}\n")
    # occasional decoy sentence appended
    if r.random() < 0.5:
        doc.t("\n")
        render(doc, r.choice(DECOY_SENT), ctx)
        doc.t("\n")


# ------------------------------------------------------------------ form-like documents (label: value)
FORM_LABELS = {
    "credit_card": ["Card Number", "Credit card no.", "Payment card"],
    "us_ssn": ["Social Security Number", "SSN", "Soc. Sec. #"],
    "phone": ["Phone", "Mobile", "Fax", "Home phone", "Work", "Contact number"],
    "email": ["Email", "E-mail address"],
    "iban": ["IBAN", "Account (IBAN)"],
    "uk_nhs": ["NHS Number", "NHS No."],
    "us_npi": ["NPI", "Referring provider NPI"],
    "ipv4": ["Last login IP", "Registered from"],
    "ipv6": ["Last login IPv6"],
}


def form_doc(doc):
    r = doc.r
    title = r.choice(["NEW EMPLOYEE FORM", "PATIENT REGISTRATION", "DIRECT DEBIT MANDATE", "ACCOUNT APPLICATION",
                      "Formulaire d'inscription", "KUNDENSTAMMBLATT"])
    doc.t(f"{title}\n{'=' * len(title)}\n\nName: {r.choice(PEOPLE)}\nDate of birth: {V.decoy(r, 'date')}\n")
    keys = r.sample(list(FORM_LABELS), r.randint(3, 6))
    for t in keys:
        lab = r.choice(FORM_LABELS[t])
        doc.t(f"{lab}{r.choice([':', ':', ' -', ':  ', ' #:'])} ")
        doc.new(t, f"form/{lab}")
        doc.t("\n")
    dk = r.sample(["ssn_bad", "nhs_bad", "npi_bad", "iban_bad", "card_luhn_fail", "order16", "epoch", "zip4"], 2)
    for k in dk:
        lab = {"ssn_bad": "Previous SSN (rejected)", "nhs_bad": "Old NHS ref (invalid)", "npi_bad": "Legacy provider id",
               "iban_bad": "Old IBAN (typo, bounced)", "card_luhn_fail": "Membership no.", "order16": "Application no.",
               "epoch": "Submitted (unix)", "zip4": "ZIP"}[k]
        doc.t(f"{lab}: ")
        doc.dec(k, V.decoy(r, k), "form")
        doc.t("\n")
    doc.t(f"\nSigned: ______________   {V.decoy(r, 'date')}\n")


def build(r):
    doc = Doc(r)
    k = r.random()
    if k < 0.42:
        prose_doc(doc)
    elif k < 0.74:
        table_doc(doc)
    elif k < 0.90:
        tech_doc(doc)
    else:
        form_doc(doc)
    return doc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--seed", type=int, default=20240917)
    a = ap.parse_args()
    r = random.Random(a.seed)
    docs_dir = os.path.join(a.out, "sample", "docs")
    os.makedirs(docs_dir, exist_ok=True)
    with open(os.path.join(a.out, "sample", "labels.jsonl"), "w") as lf, open(os.path.join(a.out, "meta.jsonl"), "w") as mf:
        for i in range(1, a.n + 1):
            doc = build(r)
            text = doc.text()
            raw = text.encode("utf-8")
            for e in doc.ents:  # self-check offsets
                assert raw[e["start"]:e["end"]].decode("utf-8") == e["value"], e
            name = f"docs/{i:05d}.txt"
            with open(os.path.join(a.out, "sample", name), "wb") as f:
                f.write(raw)
            lf.write(json.dumps({"doc": name, "entities": [{"type": e["type"], "start": e["start"], "end": e["end"]}
                                                           for e in doc.ents]}) + "\n")
            mf.write(json.dumps({"doc": name, "entities": doc.ents, "decoys": doc.decoys}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
