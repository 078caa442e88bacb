"""Hard negatives: strings that look like a labelled type but are not one.
None of these is ever labelled, so each generator makes sure its output
does not validate as any labelled type by accident."""
import string
import uuid as _uuid

import values as V
from values import digits, pick


def _no_valid_reading(ds):
    return not (V.card_ok(ds) or V.nhs_ok(ds) or V.npi_ok(ds))


def safe_number(rng, n, first=None):
    """n random digits that are not a valid card / NHS / NPI number."""
    while True:
        ds = (first or "") + digits(rng, n - len(first or ""))
        if _no_valid_reading(ds):
            return ds


# ------------------------------------------------------------ business ids
def order_no(rng):
    return pick(rng, [
        (f"ORD-{rng.randint(2019, 2025)}-{safe_number(rng, 6)}", 3),
        (f"#{rng.randint(100, 999)}-{safe_number(rng, 7)}-{safe_number(rng, 7)}", 2),  # marketplace style
        (f"SO{safe_number(rng, 8)}", 1), (f"PO {safe_number(rng, 10, '45')}", 1),
        (f"{rng.choice('ABCDEFGHJK')}{rng.choice('ABCDEFGHJK')}-{safe_number(rng, 5)}", 1),
    ])


def invoice_no(rng):
    return pick(rng, [(f"INV-{safe_number(rng, 6)}", 3), (f"INV/{rng.randint(2020, 2025)}/{safe_number(rng, 5)}", 2),
                      (f"{rng.randint(2020, 2025)}-{safe_number(rng, 4)}-{safe_number(rng, 4)}", 1)])


def tracking_no(rng):
    kind = rng.choice(["ups", "usps", "fedex", "royal", "dhl"])
    if kind == "ups":
        return "1Z" + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(6)) + safe_number(rng, 10)
    if kind == "usps":
        while True:
            ds = "9400" + digits(rng, 18)
            if all(_no_valid_reading(ds[:k]) for k in range(13, 20)):
                return " ".join(ds[i:i + 4] for i in range(0, 22, 4))
    if kind == "fedex":
        return safe_number(rng, 12)
    if kind == "royal":
        return "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2)) + safe_number(rng, 9) + "GB"
    return "JD" + safe_number(rng, 18)


def account_ref(rng):
    return pick(rng, [(f"sort code {digits(rng, 2)}-{digits(rng, 2)}-{digits(rng, 2)}, account {safe_number(rng, 8)}", 2),
                      (f"member no. {safe_number(rng, 9, '7')}", 1), (f"policy TW-{safe_number(rng, 7)}", 1),
                      (f"case {rng.randint(10, 99)}-{safe_number(rng, 6)}", 1)])


# --------------------------------------------------- near-miss PII shapes
def luhn_fail_card(rng, layout=None):
    _, ds = V.card_digits(rng)
    wrong = rng.choice([c for c in string.digits if c != ds[-1]])
    ds = ds[:-1] + wrong
    sizes = V.GROUPS[len(ds)]
    layout = layout or rng.choice(["compact", "space", "dash"])
    return ds if sizes is None or layout == "compact" else V.group(ds, sizes, " " if layout == "space" else "-")


def masked_card(rng):
    last4 = digits(rng, 4)
    return pick(rng, [
        (f"**** **** **** {last4}", 3), (f"XXXX-XXXX-XXXX-{last4}", 2), (f"•••• {last4}", 2),
        (f"4{digits(rng, 3)} •••• •••• {last4}", 1), (f"{rng.choice(['5', '4'])}{digits(rng, 5)}******{last4}", 2),
        (f"37•• •••••• •{digits(rng, 4)}", 1), (f"ending {last4}", 1),
    ])


def bad_ssn(rng):
    """SSN-shaped, dash layout, but impossible: area 000/666/9xx, group 00
    or serial 0000."""
    how = rng.choice(["area0", "666", "9xx", "group", "serial"])
    area = {"area0": "000", "666": "666", "9xx": str(rng.randint(900, 999))}.get(how, f"{rng.randint(1, 665):03d}")
    group = "00" if how == "group" else f"{rng.randint(1, 99):02d}"
    serial = "0000" if how == "serial" else f"{rng.randint(1, 9999):04d}"
    return f"{area}-{group}-{serial}"


def masked_ssn(rng):
    l4 = f"{rng.randint(1, 9999):04d}"
    return rng.choice([f"***-**-{l4}", f"XXX-XX-{l4}", f"•••-••-{l4}", f"xxx-xx-{l4}"])


def bad_nhs(rng, layout=None):
    while True:
        nine = rng.choice("4679") + digits(rng, 8)
        c = V.nhs_check_digit(nine)
        last = rng.choice([d for d in string.digits if c is None or int(d) != c])
        ds = nine + last
        if not V.npi_ok(ds):
            break
    layout = layout or rng.choice(["space", "space", "dash", "compact"])
    return V.nhs_layout(ds, layout)


def bad_npi(rng):
    while True:
        ds = rng.choice("12") + digits(rng, 9)
        if not V.npi_ok(ds) and not V.nhs_ok(ds):
            return ds


def bad_iban(rng, layout=None):
    good = V.iban(rng, layout="compact")
    cd = good[2:4]
    while True:
        wrong = f"{rng.randint(2, 98):02d}"
        if wrong != cd:
            break
    s = good[:2] + wrong + good[4:]
    if (layout or rng.choice(["compact", "groups"])) == "groups":
        s = " ".join(s[i:i + 4] for i in range(0, len(s), 4))
    return s


def masked_iban(rng):
    good = V.iban(rng, layout="compact")
    return rng.choice([f"{good[:4]} **** **** {good[-4:]}", f"{good[:2]}** {good[4:8]} •••• {good[-3:]}",
                       f"{good[:8]}{'X' * (len(good) - 12)}{good[-4:]}"])


# ----------------------------------------------------- technical strings
def uuid(rng):
    return str(_uuid.UUID(int=rng.getrandbits(128), version=4))


def hexstr(rng, n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def digest(rng):
    return pick(rng, [(f"sha256:{hexstr(rng, 64)}", 3), (hexstr(rng, 40), 2), (hexstr(rng, 32), 1), (hexstr(rng, 7), 1)])


def version(rng):
    """Includes four-part versions that read like IPv4 addresses."""
    r = rng.randint
    return pick(rng, [(f"{r(1, 12)}.{r(0, 9)}.{r(0, 30)}.{r(0, 250)}", 4),
                      (f"10.0.{r(17000, 22999)}.{r(100, 4999)}", 1), (f"{r(1, 4)}.{r(0, 9)}.{r(0, 9)}.{r(0, 9)}.{r(1, 99)}", 1),
                      (f"v{r(0, 5)}.{r(0, 40)}.{r(0, 20)}", 2), (f"{r(1, 3)}.{r(0, 30)}.{r(0, 9)}-rc.{r(1, 4)}+build.{r(100, 9999)}", 1)])


def oid(rng):
    return rng.choice(["1.2.840.113549.1.1.11", "1.2.840.10045.4.3.2", "2.5.29.17", "1.3.6.1.5.5.7.3.1",
                       "1.3.6.1.4.1.311.21.7", "2.16.840.1.101.3.4.2.1", "1.3.6.1.4.1.11129.2.4.2",
                       f"1.3.6.1.4.1.{rng.randint(1000, 60000)}.{rng.randint(1, 9)}.{rng.randint(1, 99)}"])


def timestamp(rng):
    y, mo, dd = rng.randint(2022, 2025), rng.randint(1, 12), rng.randint(1, 28)
    h, mi, s = rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
    return pick(rng, [(f"{y}-{mo:02d}-{dd:02d}T{h:02d}:{mi:02d}:{s:02d}Z", 3),
                      (f"{y}-{mo:02d}-{dd:02d} {h:02d}:{mi:02d}:{s:02d}.{rng.randint(0, 999):03d}", 2),
                      (epoch(rng), 2), (f"{epoch(rng)}{rng.randint(0, 999):03d}", 1)])


def epoch(rng):
    while True:
        e = str(rng.randint(1640995200, 1767225599))
        if _no_valid_reading(e):
            return e


def price(rng):
    v = rng.randint(3, 4999)
    c = rng.randint(0, 99)
    return pick(rng, [(f"£{v:,}.{c:02d}", 2), (f"${v:,}.{c:02d}", 2), (f"€{v:,}.{c:02d}".replace(",", "."), 1),
                      (f"{v},{c:02d} €", 1), (f"USD {v}.{c:02d}", 1)])


def isbn(rng):
    body = "978" + digits(rng, 9)
    chk = (10 - sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body)) % 10) % 10
    ds = body + str(chk)
    return f"ISBN {ds[:3]}-{ds[3]}-{ds[4:8]}-{ds[8:12]}-{ds[12]}"


def mac(rng):
    return ":".join(f"{rng.randint(0, 255):02x}" for _ in range(6))


def not_ip(rng):
    r = rng.randint
    return rng.choice([f"{r(256, 999)}.{r(0, 255)}.{r(0, 255)}.{r(0, 255)}", f"{r(1, 255)}.{r(0, 255)}.{r(0, 255)}",
                       f"{r(1, 9)}.{r(0, 9)}.{r(0, 9)}.{r(0, 9)}.{r(0, 9)}"])


# ------------------------------------------------------ credential-ish
AWS_EXAMPLE = V.AWS_EXAMPLE


def aws_placeholder(rng):
    return rng.choice([AWS_EXAMPLE, AWS_EXAMPLE, "AKIA************" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(4)),
                       "<AWS_ACCESS_KEY_ID>", "${AWS_ACCESS_KEY_ID}", "AKIA...", "your-access-key-id"])


def github_placeholder(rng):
    return rng.choice(["ghp_" + "x" * 36, "ghp_<your-token>", "ghp_XXXXXXXXXXXXXXXXXXXX", "ghp_...",
                       "${{ secrets.GITHUB_TOKEN }}", "github_pat_<redacted>", "ghp_************************************",
                       "<personal-access-token>", "gho_REDACTED"])


def not_email(rng):
    return rng.choice(["root@localhost", "deploy@build-07", "postgres@db", "admin@intranet",
                       "lodash@4.17.21", "@types/node", "jenkins@ci-runner-3", "user@[internal]",
                       "react-dom@18.2.0", "ubuntu@ip-10-0-3-17"])


def rfc_date(rng):
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return (f"{rng.choice(days)}, {rng.randint(1, 28)} {rng.choice(months)} {rng.randint(2022, 2025)} "
            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d} {rng.choice(['+0000', '+0100', '-0500', '+0200'])}")


def date(rng):
    """A human-written calendar date (never an epoch number)."""
    y, mo, dd = rng.randint(2022, 2025), rng.randint(1, 12), rng.randint(1, 28)
    months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December"]
    return pick(rng, [(f"{y}-{mo:02d}-{dd:02d}", 3), (f"{dd} {months[mo - 1]} {y}", 3), (f"{dd:02d}/{mo:02d}/{y}", 2)])
