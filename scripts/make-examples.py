#!/usr/bin/env python3
"""Generates examples/: a small, realistic file share for `cordon scan`.

Every sensitive value here is synthetic but valid for its format (Luhn,
mod-97, mod-11 …), so the detectors see what they would see in a real leak.
The output is deterministic (fixed seed, fixed timestamps) and committed, so
the README's first command needs nothing but cargo; re-run this script after
changing it:  python3 scripts/make-examples.py
"""

import base64
import binascii
import gzip
import io
import os
import random
import shutil
import tarfile
import zipfile
from email.message import EmailMessage
from email.utils import format_datetime
from datetime import datetime, timezone

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples")
RNG = random.Random(20261124)
GENERATED = ["engineering", "finance", "health", "hr", "legal", "mail", "marketing"]
FIXED_ZIP_TIME = (2026, 11, 2, 9, 30, 0)
FIXED_EPOCH = 1793611800  # 2026-11-02


# ---- valid synthetic values -------------------------------------------------

def luhn_complete(prefix, length):
    digits = prefix + "".join(str(RNG.randrange(10)) for _ in range(length - len(prefix) - 1))
    for check in range(10):
        cand = digits + str(check)
        total = 0
        for i, ch in enumerate(reversed(cand)):
            d = int(ch)
            if i % 2 == 1:
                d *= 2
                if d > 9:
                    d -= 9
            total += d
        if total % 10 == 0:
            return cand
    raise AssertionError


def card(prefix, length=16):
    return luhn_complete(prefix, length)


def rib_key(bban):
    """A French BBAN with its last two digits set to the RIB key, as a bank
    issues it: 97 - (89 x bank + 15 x branch + 3 x account) mod 97."""
    key = 97 - (89 * int(bban[:5]) + 15 * int(bban[5:10]) + 3 * int(bban[10:21])) % 97
    return f"{bban[:21]}{key:02d}"


def iban(country, bban):
    rearranged = bban + country + "00"
    num = "".join(str(int(c, 36)) for c in rearranged)
    check = 98 - int(num) % 97
    return f"{country}{check:02d}{bban}"


def group4(s):
    return " ".join(s[i:i + 4] for i in range(0, len(s), 4))


def nhs():
    while True:
        base = [RNG.randrange(10) for _ in range(9)]
        total = sum(d * (10 - i) for i, d in enumerate(base))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check == 10:
            continue
        s = "".join(map(str, base)) + str(check)
        return f"{s[:3]} {s[3:6]} {s[6:]}"


def npi():
    while True:
        base = "1" + "".join(str(RNG.randrange(10)) for _ in range(8))
        full = luhn_complete("80840" + base, 15)
        return base + full[-1]


def ssn():
    area = RNG.choice([x for x in range(1, 900) if x != 666])
    return f"{area:03d}-{RNG.randrange(1, 100):02d}-{RNG.randrange(1, 10000):04d}"


B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def github_token():
    body = "".join(RNG.choice(B62) for _ in range(30))
    crc = binascii.crc32(body.encode())
    enc = ""
    while crc:
        crc, r = divmod(crc, 62)
        enc = B62[r] + enc
    return "ghp_" + body + enc.rjust(6, "0")


def aws_key():
    return "AKIA" + "".join(RNG.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))


def aws_secret():
    return "".join(RNG.choice(B62 + "/+") for _ in range(40))


# ---- writers ----------------------------------------------------------------

def write(path, data):
    full = os.path.join(ROOT, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(full, mode) as f:
        f.write(data)


def zip_bytes(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


def docx(paragraphs, header=None):
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    body = "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{p}</w:t></w:r></w:p>" for p in paragraphs)
    parts = [
        ("[Content_Types].xml",
         '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
         '<Default Extension="xml" ContentType="application/xml"/>'
         '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
         + ('<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>' if header else "")
         + '</Types>'),
        ("_rels/.rels",
         '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
         '</Relationships>'),
        ("word/document.xml", f'<?xml version="1.0" encoding="UTF-8"?><w:document {ns}><w:body>{body}</w:body></w:document>'),
    ]
    if header:
        parts.append(("word/header1.xml", f'<?xml version="1.0" encoding="UTF-8"?><w:hdr {ns}><w:p><w:r><w:t>{header}</w:t></w:r></w:p></w:hdr>'))
    return zip_bytes(parts)


def xlsx(rows):
    strings = []
    index = {}

    def sid(s):
        if s not in index:
            index[s] = len(strings)
            strings.append(s)
        return index[s]

    cols = "ABCDEFGH"
    sheet_rows = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(f'<c r="{cols[c]}{r}" t="s"><v>{sid(v)}</v></c>' for c, v in enumerate(row))
        sheet_rows.append(f'<row r="{r}">{cells}</row>')
    sst = "".join(f"<si><t>{s}</t></si>" for s in strings)
    return zip_bytes([
        ("[Content_Types].xml",
         '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
         '<Default Extension="xml" ContentType="application/xml"/>'
         '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
         '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
         '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
         '</Types>'),
        ("_rels/.rels",
         '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
         '</Relationships>'),
        ("xl/workbook.xml",
         '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
         'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Refunds" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        ("xl/sharedStrings.xml",
         f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}">{sst}</sst>'),
        ("xl/worksheets/sheet1.xml",
         '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
         f'<sheetData>{"".join(sheet_rows)}</sheetData></worksheet>'),
    ])


def pdf(lines):
    """A minimal, valid PDF 1.4 with one page of Helvetica text."""
    def esc(s):
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    ops = ["BT", "/F1 11 Tf", "14 TL", "72 740 Td"]
    for line in lines:
        ops.append(f"({esc(line)}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def tar_gz(entries):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in entries:
            data = data.encode() if isinstance(data, str) else data
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = FIXED_EPOCH
            info.mode = 0o644
            t.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def ssh_private_key():
    """A throwaway, never-used OpenSSH-format key block with random key material."""
    material = base64.b64encode(b"openssh-key-v1\x00" + bytes(RNG.randrange(256) for _ in range(380))).decode()
    lines = [material[i:i + 70] for i in range(0, len(material), 70)]
    return "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END OPENSSH PRIVATE KEY-----\n"


# ---- the example share --------------------------------------------------------

def main():
    # Only the folders this script owns: examples/policies is hand-written.
    for sub in GENERATED:
        if os.path.isdir(os.path.join(ROOT, sub)):
            shutil.rmtree(os.path.join(ROOT, sub))

    people = [("Maria Lopez", "maria.lopez@example.com"), ("James O'Neill", "j.oneill@example.org"),
              ("Priya Natarajan", "priya.n@example.net"), ("Tomasz Wrobel", "t.wrobel@example.com")]

    # HR: onboarding notes with SSNs, dates of birth and phone numbers.
    lines = ["New hire onboarding - payroll setup", "Prepared by HR Operations, November 2026", ""]
    for name, mail in people:
        lines += [f"Employee: {name}", f"  Work email: {mail}", f"  SSN: {ssn()}",
                  f"  Date of birth: {RNG.randrange(1960, 2001)}-{RNG.randrange(1, 13):02d}-{RNG.randrange(1, 29):02d}",
                  f"  Mobile: +1 (415) {RNG.randrange(200, 999)}-{RNG.randrange(1000, 9999)}", ""]
    lines.append("Direct deposit forms are filed separately. Questions: hr-ops@example.com")
    write("hr/onboarding-notes.txt", "\n".join(lines) + "\n")

    # Finance: a refunds export (CSV), a spreadsheet and a board memo.
    rows = [["refund_id", "customer", "card_number", "amount_eur", "iban"]]
    for i in range(12):
        prefix = RNG.choice(["4", "51", "55", "37", "6011"])
        length = 15 if prefix == "37" else 16
        rows.append([f"RF-{20261100 + i}", people[i % 4][0], card(prefix, length),
                     f"{RNG.randrange(10, 900)}.{RNG.randrange(100):02d}",
                     iban("DE", "".join(str(RNG.randrange(10)) for _ in range(18)))])
    write("finance/refunds-2026-11.csv", "\n".join(",".join(r) for r in rows) + "\n")
    write("finance/chargebacks.xlsx", xlsx([["Customer", "Card", "Reason"]] + [
        [people[i][0], group4(card("4", 16)), "Disputed charge"] for i in range(4)]))
    write("finance/board-memo-q3.docx", docx([
        "Q3 results and the acquisition of Northwind Ltd.",
        "Do not distribute outside the board until the announcement on 2 December.",
        f"Escrow account: {group4(iban('GB', 'NWBK' + ''.join(str(RNG.randrange(10)) for _ in range(14))))}",
        "Revenue grew 14% quarter on quarter; operating margin 21%.",
    ], header="CONFIDENTIAL"))

    # Health: a discharge summary PDF with NHS number, NPI and ICD-10 codes.
    write("health/discharge-summary.pdf", pdf([
        "St. Anne's Hospital - Discharge Summary",
        f"Patient NHS number: {nhs()}",
        f"Attending physician NPI: {npi()}",
        "Diagnosis: ICD-10 E11.9 type 2 diabetes mellitus without complications",
        "Secondary diagnosis: ICD-10 I10 essential (primary) hypertension",
        "Follow-up with GP in two weeks. Medication: metformin 500 mg twice daily.",
    ]))

    # Engineering: a deploy bundle with credentials in a config and a key.
    key_id = aws_key()
    write("engineering/deploy-bundle.tar.gz", tar_gz([
        ("deploy/README.md", "# Deploy\n\nRun ./deploy.sh staging. Ask #platform for access.\n"),
        ("deploy/.env", f"AWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={aws_secret()}\n"
                        f"GITHUB_TOKEN={github_token()}\nDATABASE_URL=postgres://app:S3cr3t-Pa55@db.internal:5432/app\n"),
        ("deploy/keys/id_ed25519", ssh_private_key()),
    ]))

    # Mail: a message with a zipped spreadsheet attachment.
    msg = EmailMessage()
    msg["From"] = "Maria Lopez <maria.lopez@example.com>"
    msg["To"] = "partner@external-example.net"
    msg["Subject"] = "Fwd: customer list for the migration"
    msg["Date"] = format_datetime(datetime(2026, 11, 3, 16, 4, tzinfo=timezone.utc))
    msg["Message-ID"] = "<migration-20261103@example.com>"
    msg.set_content("Hi,\n\nattached is the customer list you asked for. Internal use only.\n\nMaria\n")
    csv = "name,email,phone\n" + "".join(f"{n},{m},+44 20 7946 {RNG.randrange(1000, 9999)}\n" for n, m in people)
    msg.add_attachment(zip_bytes([("customers/customers.csv", csv)]), maintype="application",
                       subtype="zip", filename="customers.zip")
    msg.set_boundary("=_cordon_example_boundary_1")
    write("mail/fwd-customer-list.eml", msg.as_bytes())

    # Legal: an RTF memo carrying the seed's "Encrypt me" marker.
    write("legal/settlement-memo.rtf",
          "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}\\f0\\fs24 "
          "{\\b Encrypt me}\\par Settlement terms for case 2026-CV-0412.\\par "
          "Payment to claimant account " + iban("FR", rib_key("".join(str(RNG.randrange(10)) for _ in range(23)))) +
          "\\par Privileged and confidential attorney work product.\\par}\n")

    # Marketing: clean content that must produce no findings.
    write("marketing/press-release.html",
          "<!doctype html><html><head><title>Cordon 1.0</title><style>p{color:#333}</style></head><body>"
          "<h1>Northwind launches a new logistics hub</h1><p>The hub opens in March 2027 with 120 new jobs. "
          "Order numbers such as 4111-1111-1111-1112 in our old system have been retired; version 2.10.4 "
          "ships on 2026-12-01.</p><p>Press contact: see our website.</p></body></html>\n")
    write("marketing/notes-utf16.txt", "Campaign notes: launch on Tuesday, budget approved.\n".encode("utf-16"))
    print(f"wrote examples under {os.path.normpath(ROOT)}")


if __name__ == "__main__":
    main()
