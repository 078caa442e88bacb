"""Human documents: support chats, e-mail threads with quoted replies, HR
onboarding forms, medical referral letters, payment disputes, notes in
other languages, and label-free receipts."""
import fake as F
import decoys as D
import kit as K
from kit import say, L, NBSP, NNBSP
from doc import Doc, quoted

# ------------------------------------------------------------ support chat
CUSTOMER_LINES = [
    "hi, i was charged twice for {order}",
    "the email on the account is {email}",
    "it's {email} or maybe the old one {email}",
    "card was {card} exp {exp}",
    "sorry, typed it wrong — it's {card}",
    "you can call me on {phone}",
    "my mobile: {phone} (after 6pm please)",
    "landline {phone}, mobile {phone}",
    "refund to {iban} please, not the card",
    "my bank says the IBAN is {iban} — does that match?",
    "ok the tracking says {tracking} but nothing arrived",
    "it was {price} not {price}",
    "I only have the masked number on the receipt: {masked_card}",
    "the app says card {bad_card} is invalid?? I copied it from the card",
    "do you need my SSN? it's {ssn}",
    "I logged in from {ip4} yesterday, was that flagged?",
    "my wife's number is {phone} if I don't pick up",
    "invoice {invoice}, paid with {card}",
]
AGENT_LINES = [
    "Thanks — I've found the account.",
    "Please don't share full card numbers here; I've masked it in our notes as {masked_card}.",
    "I can see a pending authorisation of {price}.",
    "I've raised ticket {uuid} with billing.",
    "Could you confirm the phone number on file ends in {last4}?",
    "We'll call you back on {phone} within two working days.",
    "For security I've sent a verification link to {email}.",
    "Our records show the refund went to {masked_iban}.",
    "That order ({order}) was split into two shipments.",
    "You can also reach the escalation team at {email} or {phone}.",
    "Billing can be reached directly on {us_phone} ext. {ext} (weekdays).",
    "My direct line is {uk_phone}, extension {ext}.",
]


def support_chat(rng):
    d = Doc()
    comp = rng.choice(F.COMPANIES)
    agent = F.person(rng)[0]
    cust = K.who(rng)
    d(f"Chat transcript — {comp[0]} support\nStarted {D.date(rng)} {rng.randint(7, 21):02d}:{rng.randint(0, 59):02d} · Channel: {rng.choice(['web widget', 'in-app', 'WhatsApp'])}\n\n")
    h, m = rng.randint(8, 20), rng.randint(0, 50)
    for i in range(rng.randint(6, 13)):
        m += rng.randint(0, 3)
        stamp = f"[{h + m // 60:02d}:{m % 60:02d}]"
        if i % 2 == 0 or rng.random() < 0.3:
            d(f"{stamp} {cust['first']}: ")
            say(d, rng, rng.choice(CUSTOMER_LINES), w=0.55)
        else:
            d(f"{stamp} {agent} ({comp[0]}): ")
            say(d, rng, rng.choice(AGENT_LINES), w=0.2)
        d("\n")
    d(f"\n— Chat ended. Rating: {rng.randint(1, 5)}/5. Transcript sent to ", K.email(rng, cust), ".\n")
    return d


# ----------------------------------------------------------- e-mail thread
MAIL_BODIES = [
    "Please update my payout details to {iban} from next month.\nThe old account {bad_iban} was closed.",
    "The card I used was {card}; the statement shows {price} twice.",
    "Best number to reach me is {phone}. My colleague {email} is copied.",
    "Attached is the form. SSN: {ssn_lab}, start date next Monday.",
    "Patient NHS number {nhs} — the letter quoted {bad_nhs}, which our system rejects.",
    "Referring NPI is {npi}; billing NPI {npi}.",
    "Our office IP is {ip4}, please allow-list it. The IPv6 range starts {ip6}.",
    "Can you check {order}? Tracking {tracking} has not moved since Friday.",
    "I rotated the deploy key; the new access key id is {aws} (secret in the vault).",
    "Token for the CI bot: {gh} — delete this mail after copying.",
    "Call me on {phone} or {phone}, whichever is easier.",
]


def _mail_head(d, rng, frm, to, subj, date):
    d(f"From: {frm['name']} <", K.email(rng, frm), ">\nTo: ")
    d(to["name"], " <", K.email(rng, to), ">\n")
    if rng.random() < 0.4:
        d("Cc: ", K.email(rng), "\n")
    d(f"Date: {date}\nSubject: {subj}\n\n")


def email_thread(rng):
    a, b = K.who(rng), K.who(rng)
    subj = rng.choice(["refund to wrong account", "updated contact details", "referral follow-up",
                       "firewall allow-list", "new starter paperwork", "CI credentials"])
    # innermost message first, then wrap it in replies
    msgs = []
    for depth in range(rng.randint(2, 3)):
        frm, to = (a, b) if depth % 2 == 0 else (b, a)
        m = Doc()
        m(f"Hi {to['first']},\n\n")
        for body in rng.sample(MAIL_BODIES, rng.randint(1, 2)):
            say(m, rng, body, w=0.3)
            m("\n\n")
        if rng.random() < 0.2:
            m("Key as requested:\n", K.pkey(rng, max_chars=1800), "\n\n")
        m(f"{rng.choice(['Thanks', 'Best', 'Cheers', 'Kind regards'])},\n{frm['first']}\n")
        if rng.random() < 0.6:
            say(m, rng, "Mobile: {phone}\n", w=0.0)
        msgs.append((frm, to, m))
    out = None
    for i, (frm, to, m) in enumerate(msgs):
        d = Doc()
        _mail_head(d, rng, frm, to, ("Re: " * i) + subj, D.rfc_date(rng))
        d(*m.pieces)
        if out is not None:
            d(f"\nOn {D.rfc_date(rng)[:-6]}, {msgs[i - 1][0]['name']} wrote:\n")
            d(*quoted(out).pieces)
        out = d
    return out


# --------------------------------------------------------- HR onboarding
def _row(d, rng, label, value, dots=True):
    pad = "." * max(2, 24 - len(label)) if dots else ":"
    d(f"  {label} {pad} ")
    d(value)
    d("\n")


def hr_onboarding(rng):
    d = Doc()
    comp = rng.choice(F.COMPANIES)
    p = K.who(rng, company=comp)
    us = rng.random() < 0.5
    dots = rng.random() < 0.6
    d(f"NEW STARTER FORM — {comp[0]}\n{'=' * 44}\n{F.fill(rng, 'hr', 2)}\n\n")
    d("Section 1 · Personal details\n")
    _row(d, rng, "Legal name", p["name"], dots)
    _row(d, rng, "Personal e-mail", K.email(rng, p, rng.choice(F.MAIL_HOSTS)), dots)
    _row(d, rng, "Work e-mail", L("email", K.V.email(rng, p["first"], p["last"], comp[1])), dots)
    _row(d, rng, "Mobile", K.phone(rng, "US" if us else rng.choice(["UK", "UK", "DE", "FR", "IE", "NL"])), dots)
    if us:
        d("  Social Security No. ", K.ssn_any(rng), "   (US payroll only)\n")
        d(f"  Prior employer W-2 ref ... {D.bad_ssn(rng)} (as printed; flagged by payroll)\n" if rng.random() < 0.3 else "")
    else:
        d(f"  National Insurance ...... {rng.choice('ABCEGHJKLMNPRSTWXYZ')}{rng.choice('ABCEGHJKLMNPRSTWXYZ')} "
          f"{rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.choice('ABCD')}\n")
    d("\nSection 2 · Pay\n")
    if us:
        d(f"  Routing no. ............ {rng.choice(['021000021', '011401533', '091000019', '121000248'])}\n")
        d(f"  Account no. ............ {D.safe_number(rng, rng.randint(8, 12))}\n")
        if rng.random() < 0.5:
            d("  Overseas account IBAN .. ", K.iban(rng), "\n")
    else:
        d("  IBAN ", K.wrap(rng, K.iban(rng), p_quote=0.1, p_trail=0.1, p_lead=0.5), "\n")
        d(f"  BIC / SWIFT ............ {rng.choice(['NWBKGB2L', 'COBADEFFXXX', 'INGBNL2A', 'AIBKIE2D', 'BNPAFRPP'])}\n")
    if rng.random() < 0.5:
        d("  Corporate card issued .. ", K.card(rng, brand=rng.choice(["visa", "mastercard", "amex"])),
          f" (limit {D.price(rng)})\n")
    d("\nSection 3 · Emergency contact\n")
    e = K.who(rng)
    d(f"  {e['name']} ({rng.choice(['partner', 'mother', 'brother', 'friend'])}) — ", K.phone(rng))
    d(" / ", K.phone(rng), "\n" if rng.random() < 0.5 else "\n")
    d("\nSection 4 · IT\n")
    d(f"  Laptop asset ........... LT-{rng.randint(10000, 99999)}  (MAC {D.mac(rng)})\n")
    if rng.random() < 0.6:
        d("  VPN static address ..... ", K.ip4(rng, "p10"), "\n")
    if rng.random() < 0.3:
        d("  Temporary GitHub token . ", K.gh(rng, "ghp_"), "  ← revoke after day one\n")
    d(f"\nDeclaration: I confirm the above is correct.  Signed {p['first'][0]}. {p['last']}, {D.date(rng)}\n")
    return d


# ------------------------------------------------------- medical letters
def referral_uk(rng):
    d = Doc()
    comp = rng.choice([c for c in F.COMPANIES if "Clinic" in c[0] or "Medical" in c[0] or "Health" in c[0] or "Dental" in c[0]])
    doc_from, doc_to, pt = K.who(rng), K.who(rng), K.who(rng)
    d(f"{comp[0]}\n{rng.randint(1, 99)} {rng.choice(F.STREETS)}, {rng.choice(F.CITIES)}\n")
    say(d, rng, "Tel: {t} · Fax: {f} · {e}\n\n", t=K.phone(rng, "UK"), f=K.phone(rng, "UK"), e=K.role_email(rng, comp[1]), w=0)
    d(f"{D.date(rng)}\n\nDear Dr {doc_to['last']},\n\n")
    d(f"Re: {rng.choice(['Mrs', 'Mr', 'Ms', 'Mx'])} {pt['name']}, DOB {rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1935, 2005)}")
    d(rng.choice([", NHS No: ", " — NHS number ", ", NHS\u00a0No.\u00a0", "\nNHS No "]), K.nhs(rng), "\n")
    say(d, rng, "{street}, {city} · Tel. {p}\n\n", p=K.phone(rng, "UK"), w=0.3)
    d(F.fill(rng, "medical", 3) + "\n\n")
    d(f"I would be grateful if you could see them in the {rng.choice(F.SPECIALTIES)} clinic. ")
    if rng.random() < 0.5:
        say(d, rng, "Note the hospital system previously held {bad_nhs}, which fails validation; the correct number is {nhs}.", w=0.5)
    if rng.random() < 0.4:
        say(d, rng, " The patient prefers contact by e-mail ({email}) or on {phone}.", email=K.email(rng, pt), w=0.6)
    d(f"\n\nYours sincerely,\n\nDr {doc_from['name']}\nGMC {rng.randint(1000000, 7999999)}\n")
    say(d, rng, "cc: GP surgery, {p}; patient\n", p=K.phone(rng, "UK"), w=0)
    return d


def referral_us(rng):
    d = Doc()
    comp = rng.choice([c for c in F.COMPANIES if c[1].endswith((".com", ".org"))])
    ref, rec, pt = K.who(rng), K.who(rng), K.who(rng)
    d(f"{comp[0].upper()} — REFERRAL / PRIOR AUTHORIZATION REQUEST\nFax cover: {rng.randint(2, 6)} pages\n\n")
    say(d, rng, "Referring provider: Dr {n}, NPI {npi}\n  Phone {ph}   Fax {fx}\n", n=ref["name"], ph=K.phone(rng, "US"),
        fx=K.phone(rng, "US"), w=0.2)
    say(d, rng, "Receiving provider: Dr {n} ({s}), NPI# {npi}\n", n=rec["name"], s=rng.choice(F.SPECIALTIES), w=0.2)
    if rng.random() < 0.4:
        say(d, rng, "Group NPI: {npi}   Tax ID: {tin}\n", tin=f"{rng.randint(10, 99)}-{D.safe_number(rng, 7)}", w=0)
    d(f"\nPatient: {pt['name']}   DOB {rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(1940, 2010)}\n")
    if rng.random() < 0.5:
        d("SSN: ", K.ssn_any(rng), "\n")
    else:
        d(f"SSN: {D.masked_ssn(rng)} (last four only)\n")
    say(d, rng, "Member ID: {m}   Group: {g}\nPhone: {ph}" + (f" x{rng.randint(100, 999)}" if rng.random() < 0.3 else "") + "\n", m=f"W{D.safe_number(rng, 9)}", g=str(rng.randint(10000, 99999)),
        ph=K.phone(rng, "US"), w=0.2)
    d(f"\nDiagnosis: ICD-10 {rng.choice(['M54.50', 'R51.9', 'G47.33', 'K21.9', 'E11.65'])}; "
      f"requested CPT {rng.choice(['72148', '70551', '95810', '43239'])}\n\n{F.fill(rng, 'medical', 2)}\n")
    if rng.random() < 0.4:
        say(d, rng, "\nNB: the NPI on the previous fax ({bad_npi}) was a typo.\n", w=0)
    say(d, rng, "\nQuestions: {e} or {ph}.\n", e=K.email(rng, ref), ph=K.phone(rng, "US"), w=0.5)
    return d


# -------------------------------------------------------- payment dispute
def dispute_letter(rng):
    d = Doc()
    p = K.who(rng)
    bank = rng.choice(["Pinecrest Credit Union", "Harbour & Vale Bank", "Banque Lumière", "Northgate Savings"])
    d(f"{p['name']}\n{rng.randint(1, 200)} {rng.choice(F.STREETS)}\n{rng.choice(F.CITIES)}\n")
    say(d, rng, "{e} · {ph}\n\n", e=K.email(rng, p), ph=K.phone(rng), w=0.2)
    d(f"{bank} — Card Disputes\n{D.date(rng)}\n\nRe: disputed transaction — card ")
    d(K.wrap(rng, K.card(rng), p_quote=0.5, p_trail=0.1, p_lead=0.3), "\n\n")
    d(F.fill(rng, "letter", 2) + "\n\n")
    for _ in range(rng.randint(1, 3)):
        say(d, rng, rng.choice([
            "• {price} to “{m}” on {date}, reference {order}.\n",
            "• {price} — merchant {m}, auth code {auth}; the receipt shows {masked_card}.\n",
            "• A second attempt of {price} was declined on card {bad_card} (a number I do not recognise).\n",
        ]), m=rng.choice(["QuickPark Ltd", "STREAMFLIX*EU", "Sunrise Travel", "AMZ MKTP", "Café Lumen"]),
            date=D.date(rng), auth=D.safe_number(rng, 6), w=0.3)
    d("\n" + F.fill(rng, "letter", 2) + " ")
    if rng.random() < 0.6:
        say(d, rng, "Please credit the refund to my current account {iban} rather than the card.", w=0.5)
    if rng.random() < 0.3:
        say(d, rng, " My replacement card is {card}; please do not charge the old one.", w=0.4)
    d(f"\n\nYours faithfully,\n{p['name']}\n")
    return d


# ------------------------------------------------------ other languages
INTL = [
    ("FR", "Client\u00a0: {n} — tél.\u00a0: {ph}\u00a0; courriel\u00a0: «\u00a0{e}\u00a0».\nIBAN pour le remboursement\u00a0: {iban}.\n"),
    ("DE", "Kundin: {n}, Telefon {ph} – E-Mail „{e}“. Bitte Erstattung auf {iban} überweisen…\n"),
    ("JP", "お客様：{n}　電話番号：「{ph}」　メール：「{e}」\nカード番号 {card} にて決済済み。\n"),
    ("ES", "Cliente: {n}; tel.: {ph}; correo: «{e}». Tarjeta terminada en {masked_card}.\n"),
    ("NL", "Klant {n} — mobiel {ph}, e-mail ‘{e}’; rekening {iban}.\n"),
    ("PL", "Pacjent: {n}, tel.{nb}{ph}, e-mail:{nb}{e}…\n"),
    ("IT", "Cliente {n} – cell. {ph} – PEC «{e}» – IBAN{nn}{iban}\n"),
    ("SE", "Kund: {n} · mobil {ph} · e-post ”{e}” · kort {card}\n"),
    ("BR", "Cliente: {n} — celular {ph} — e-mail “{e}”\n"),
]
TITLES = {"FR": "Notes de l'agent", "DE": "Kundennotiz", "JP": "対応メモ", "ES": "Notas del caso", "NL": "Notitie",
          "PL": "Notatka", "IT": "Nota", "SE": "Anteckning", "BR": "Observações"}


def intl_note(rng):
    d = Doc()
    first = rng.choice(INTL)
    d(TITLES[first[0]] + f" — {D.timestamp(rng)}\n\n")
    for i in range(rng.randint(2, 4)):
        country, tmpl = first if i == 0 else rng.choice(INTL)
        p = K.who(rng)
        say(d, rng, tmpl, n=p["name"], e=K.email(rng, p), ph=K.phone(rng, country) if country in K.V.PHONE_BY_COUNTRY
            else K.phone(rng), nb=NBSP, nn=NNBSP, w=0.15)
        if rng.random() < 0.3:
            d(f"Réf. {D.order_no(rng)} · {D.price(rng)}\n")
    return d


# ---------------------------------------------------- label-free prose
def receipt(rng):
    """No labels: order numbers, masked card, tracking, prices, ISBNs."""
    d = Doc()
    comp = rng.choice(F.COMPANIES)
    d(f"{comp[0]} — Receipt\n{'-' * 32}\nOrder {D.order_no(rng)}   {D.timestamp(rng)}\nInvoice {D.invoice_no(rng)}\n\n")
    for _ in range(rng.randint(2, 6)):
        item = rng.choice(F.PRODUCTS + [D.isbn(rng), D.isbn(rng)])
        d(f"  {item:<34} {D.price(rng):>12}\n")
    d(f"\nPaid with {rng.choice(['Visa', 'Mastercard', 'Amex'])} {D.masked_card(rng)}\n")
    d(f"Ships via {rng.choice(['UPS', 'Royal Mail', 'DHL', 'USPS'])}: {D.tracking_no(rng)}\n")
    d(f"Questions? Reply to this message; please quote {D.uuid(rng)}.\n")
    if rng.random() < 0.4:
        d(f"Refund (if any) goes to the original account {D.masked_iban(rng)}.\n")
    return d


def release_notes(rng):
    """No labels: version strings (some read like IPv4), hashes, OIDs."""
    d = Doc()
    d(f"# Release {D.version(rng)}\n\n")
    for _ in range(rng.randint(4, 9)):
        d(rng.choice([f"- Bump agent to {D.version(rng)} (was {D.version(rng)}).\n",
                      f"- Fix crash when the cert extension {D.oid(rng)} is missing.\n",
                      f"- Artifact digest `{D.digest(rng)}`.\n",
                      f"- Migration {D.timestamp(rng)} is now idempotent; see commit {D.hexstr(rng, 12)}.\n",
                      f"- Default user is `{D.not_email(rng)}`, not root.\n",
                      f"- Reject build numbers like {D.not_ip(rng)} in the header.\n",
                      f"- Docs: examples use `{D.aws_placeholder(rng)}` and `{D.github_placeholder(rng)}`.\n"]))
    return d
