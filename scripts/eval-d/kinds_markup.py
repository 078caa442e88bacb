"""Markup documents written to .txt files: HTML pages and mail bodies, XML
exports, Markdown.  Labels cover only the value bytes inside tags/attributes."""
import html

import values as val
from common import R, V, cap, chance, digits, fill, pick, weighted
from helpers import Company, Person, ctx, fmt_date, money, neg_value, rand_time
from langdata import EMERGENCY, MAIL_LINK_TEXT, ROLE_COL, P

CC_DIAL = {"de": "49", "fr": "33", "es": "34", "nl": "31", "it": "39", "pt": "351", "pl": "48", "sv": "46",
           "uk": "44", "us": "1", "en": "44"}


def esc(s):
    return html.escape(s, quote=True)


def tel_uri(v, lang):
    """E.164 form for a tel: link, or None if we cannot tell the country."""
    e = val.e164(v)
    if e:
        return e
    digs = "".join(c for c in v.text if c.isdigit())
    cc = CC_DIAL[lang]
    if lang == "it":
        return f"+{cc}{digs}"
    if cc == "1":
        return "+1" + (digs[1:] if digs.startswith("1") else digs)
    return f"+{cc}{digs[1:] if digs.startswith('0') else digs}"


def html_head(d, lang, title, style=None):
    d.line("<!DOCTYPE html>")
    d.line(f"<html lang=\"{lang}\">")
    d.line("<head>")
    d.line("<meta charset=\"utf-8\">")
    d.line("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
    d.line(f"<title>{esc(title)}</title>")
    if style:
        d.line(f"<style>{style}</style>")
    d.line("</head>")


def mailto(d, v, text_repeats=None, query="", lang="en"):
    """<a href="mailto:addr">addr</a>: the address is labelled in both places."""
    if text_repeats is None:
        text_repeats = chance(0.75)
    if text_repeats:
        d.t(f"<a href=\"mailto:⟦a⟧{query}\">⟦b⟧</a>", a=v, b=v)
    else:
        d.t(f"<a href=\"mailto:⟦a⟧{query}\">{esc(MAIL_LINK_TEXT[lang])}</a>", a=v)


def tel_link(d, v, lang):
    uri = tel_uri(v, lang)
    if chance(0.6):
        d.t("<a href=\"tel:⟦a⟧\">⟦b⟧</a>", a=V("phone", uri), b=v)
    else:
        d.val(v)


def html_sentence(d, template, **kw):
    """Write a ⟦⟧ template whose plain parts are HTML-escaped.  kw values may be
    callables (they write their own markup)."""
    import re
    pos = 0
    for m in re.finditer(r"⟦(\w+)⟧", template):
        d.put(esc(template[pos:m.start()]))
        x = kw[m.group(1)]
        if callable(x):
            x()
        elif isinstance(x, V):
            d.val(x)
        else:
            d.put(esc(str(x)))
        pos = m.end()
    d.put(esc(template[pos:]))


# ---------------------------------------------------------------- HTML kinds

def html_newsletter(d, lang, region=None):
    p = P[lang]
    co = Company(lang, region)
    c = ctx(lang, region)
    title = fill(p["news_title"], month=c["month"])
    html_head(d, lang, f"{title} – {co.name}",
              "body{margin:0;font-family:Arial,Helvetica,sans-serif;color:#333}.footer{font-size:12px;color:#888}a{color:#0a6ebd}")
    d.line("<body>")
    d.line("<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\">")
    d.line("<tr><td style=\"padding:24px 32px\">")
    d.line(f"<h1 style=\"font-size:22px;margin:0 0 16px\">{esc(title)}</h1>")
    d.line(f"<p>{esc(p['news'][0])}</p>")
    d.line(f"<p>{esc(fill(p['news'][1], due=c['due']))}</p>")
    d.line(f"<p><a href=\"https://{co.domain}/shop?utm_source=newsletter&amp;utm_medium=email&amp;utm_campaign={val.hexstr(8)}\" "
           f"style=\"background:#0a6ebd;color:#fff;padding:10px 18px;text-decoration:none\">{esc(co.web)} &rarr;</a></p>")
    d.put("<p>")
    html_sentence(d, p["news_contact"], email=lambda: mailto(d, co.email, lang=lang), phone=lambda: tel_link(d, co.phone, lang))
    d.line("</p>")
    d.line("</td></tr>")
    d.line("<tr><td class=\"footer\" style=\"padding:16px 32px;border-top:1px solid #eee\">")
    d.line(f"{esc(co.name)} &middot; {esc(co.street)} &middot; {esc(co.city_line)}<br>")
    lbl = esc(pick(p["phone_lbl"]).strip())
    d.t(f"{lbl}&nbsp;⟦a⟧", a=co.phone)
    if chance(0.5):
        d.t(f" &middot; {esc(pick(p['fax_lbl']).strip())}&nbsp;⟦b⟧", b=co.fax)
    d.line("<br>")
    label, fn = pick(p["tax_ids"])
    d.line(f"{esc(label)} {esc(neg_value(fn))}<br>")
    d.put(f"<a href=\"https://{co.domain}/newsletter/unsubscribe?u={val.uuid4()}\">{esc(p['unsubscribe'])}</a> | ")
    mailto(d, co.email2, query="?subject=unsubscribe", lang=lang)
    d.line("")
    d.line(f"<img src=\"https://t.{co.domain}/o/{val.hexstr(32)}.gif\" width=\"1\" height=\"1\" alt=\"\">")
    d.line("</td></tr>")
    d.line("</table>")
    d.line("</body>")
    d.put("</html>\n")


def html_order(d, lang, region=None):
    p = P[lang]
    co = Company(lang, region)
    cust = Person(lang, region)
    c = ctx(lang, region)
    html_head(d, lang, f"{p['order_title']} {c['order']}")
    d.line("<body style=\"font-family:Verdana,sans-serif;font-size:14px\">")
    d.line("<div class=\"container\">")
    d.line(f"<h2>{esc(p['order_title'])}</h2>")
    d.line(f"<p>{esc(fill(pick(p['dear_name']), first=cust.first, last=cust.last))}</p>")
    thanks = p["order_thanks"] if lang == "de" else cap(p["order_thanks"])
    d.line(f"<p>{esc(thanks)}</p>")
    d.line(f"<p><strong>{esc(p['order_no'])}:</strong> {esc(c['order'])}<br>")
    d.line(f"<strong>{esc(p['date'])}:</strong> {esc(c['date'])} {rand_time()}</p>")
    d.line("<table class=\"items\" cellspacing=\"0\" cellpadding=\"6\" style=\"border-collapse:collapse\">")
    d.line(f"<thead><tr><th align=\"left\">{esc(p['hdr'][1])}</th><th>{esc(p['qty'])}</th><th align=\"right\">{esc(p['price'])}</th></tr></thead>")
    d.line("<tbody>")
    total = 0
    for item in R.sample(p["items"], R.randint(1, 3)):
        q, pr = R.randint(1, 3), R.randint(990, 19900) / 100
        total += q * pr
        d.line(f"<tr><td>{esc(item)}</td><td align=\"center\">{q}</td><td align=\"right\">{esc(money(lang, q * pr, region))}</td></tr>")
    d.line("</tbody>")
    d.line(f"<tfoot><tr><td colspan=\"2\"><b>{esc(p['total'])}</b></td><td align=\"right\"><b>{esc(money(lang, total, region))}</b></td></tr></tfoot>")
    d.line("</table>")
    d.line(f"<h3>{esc(p['payment'])}</h3>")
    if chance(0.6):
        card = val.credit_card()
        d.line(f"<p>{esc(val.card_brand_of(card))}: <span class=\"pan\">⟦v⟧</span> ({val.card_expiry()})</p>", v=card)
    else:
        d.line(f"<p>{pick(['Visa', 'Mastercard'])} {esc(val.masked_card())}</p>")
    d.line(f"<h3>{esc(p['ship_to'])}</h3>")
    d.line(f"<p>{esc(cust.name)}<br>{esc(cust.street)}<br>{esc(cust.city_line)}<br>")
    d.line(f"{esc(pick(p['mobile_lbl']).strip())}&nbsp;⟦v⟧<br>", v=cust.mobile)
    mailto(d, cust.email, text_repeats=True)
    d.line("</p>")
    d.put(f"<p style=\"font-size:11px;color:#777\">{esc(co.name)} &middot; ")
    if chance(0.5):
        mailto(d, co.email, lang=lang)
    else:
        d.t("&lt;⟦v⟧&gt;", v=co.email)
    label, fn = pick(p["tax_ids"])
    d.line(f" &middot; {esc(label)} {esc(neg_value(fn))}</p>")
    d.line("</div>")
    d.put("</body>\n</html>")


def html_invoice(d, lang, region=None):
    p = P[lang]
    co = Company(lang, region)
    cust = Person(lang, region)
    c = ctx(lang, region)
    html_head(d, lang, f"{p['invoice']} {c['inv']}",
              "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}.r{text-align:right}")
    d.line("<body>")
    d.line(f"<div class=\"sender\"><strong>{esc(co.name)}</strong><br>{esc(co.street)}<br>{esc(co.city_line)}<br>")
    d.t(f"{esc(pick(p['phone_lbl']).strip())} ⟦v⟧<br>", v=co.phone)
    d.put("\n")
    mailto(d, co.email, lang=lang)
    d.line("</div>")
    d.line(f"<div class=\"recipient\">{esc(cust.name)}<br>{esc(cust.street)}<br>{esc(cust.city_line)}</div>")
    d.line(f"<h1>{esc(p['invoice'])} {esc(c['inv'])}</h1>")
    d.line(f"<p>{esc(p['date'])}: {esc(c['date'])}</p>")
    d.line("<table>")
    d.line("<tr>" + "".join(f"<th>{esc(h)}</th>" for h in p["hdr"]) + "</tr>")
    net = 0
    for i, item in enumerate(R.sample(p["items"], R.randint(2, 4)), 1):
        q, pr = R.randint(1, 5), R.randint(2000, 30000) / 100
        net += q * pr
        d.line(f"<tr><td>{i}</td><td>{esc(item)}</td><td class=\"r\">{q}</td><td class=\"r\">{esc(money(lang, pr, region))}</td>"
               f"<td class=\"r\">{esc(money(lang, q * pr, region))}</td></tr>")
    vat = net * p["vat_rate"] / 100
    d.line(f"<tr><td colspan=\"4\">{esc(p['subtotal'])}</td><td class=\"r\">{esc(money(lang, net, region))}</td></tr>")
    d.line(f"<tr><td colspan=\"4\">{esc(p['vat'])}</td><td class=\"r\">{esc(money(lang, vat, region))}</td></tr>")
    d.line(f"<tr><td colspan=\"4\"><b>{esc(p['total'])}</b></td><td class=\"r\"><b>{esc(money(lang, net + vat, region))}</b></td></tr>")
    d.line("</table>")
    d.line(f"<p>{esc(fill(p['pay'], **c))}</p>")
    d.line(f"<table class=\"bank\"><caption>{esc(p['bank_hdr'])}</caption>")
    d.line("<tr><th>IBAN</th><td>⟦v⟧</td></tr>", v=co.iban)
    d.line(f"<tr><th>BIC</th><td>{co.bic}</td></tr>")
    if chance(0.3):
        d.line(f"<tr><th>{esc(p['customer_no'])}</th><td>{digits(7, True)}</td></tr>")
    d.line("</table>")
    label, fn = pick(p["tax_ids"])
    d.line(f"<footer>{esc(co.name)} &ndash; {esc(label)}: {esc(neg_value(fn))}</footer>")
    d.line("</body>")
    d.line("</html>")


def html_mail(d, lang, region=None):
    p = P[lang]
    co = Company(lang, region)
    cust = Person(lang, region)
    agent = Person(lang, region, co)
    c = ctx(lang, region, card=val.credit_card(), mobile=cust.mobile, phone=co.phone)
    d.line("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head>")
    d.line("<body>")
    d.line("<div dir=\"ltr\">")
    d.line(f"<p>{esc(fill(pick(p['dear_name']), first=cust.first, last=cust.last))}</p>")
    d.put("<p>")
    html_sentence(d, p["sup_reply"][0])
    d.put("<br>\n")
    html_sentence(d, p["sup_reply"][1], phone=co.phone)
    d.line("</p>")
    d.put(f"<p>{esc(pick(p['closing']))}<br>\n{esc(agent.name)}<br>\n{esc(co.name)}<br>\n")
    d.t(f"{esc(pick(p['phone_lbl']).strip())}&nbsp;⟦v⟧ | ", v=co.phone)
    mailto(d, agent.email, lang=lang)
    d.line("</p>")
    d.line("</div>")
    d.line("<div class=\"gmail_quote\">")
    d.put("<div dir=\"ltr\" class=\"gmail_attr\">")
    d.put(esc(fill(p["wrote"], date=c["date"], time=c["time"], name=cust.name)))
    if chance(0.5):
        d.put(" &lt;")
        mailto(d, cust.email, text_repeats=True)
        d.put("&gt;")
    else:
        d.t(" &lt;⟦v⟧&gt;", v=cust.email)
    d.line(":<br></div>")
    d.line("<blockquote class=\"gmail_quote\" style=\"margin:0 0 0 .8ex;border-left:1px #ccc solid;padding-left:1ex\">")
    d.put("<div>")
    html_sentence(d, p["sup_customer"], **c)
    d.line("</div>")
    d.line(f"<div>{esc(cust.name)}</div>")
    d.line("</blockquote>")
    d.line("</div>")
    d.put("</body></html>\n")


# ---------------------------------------------------------------- XML kinds

def xml_customers(d, lang=None, region=None):
    d.line("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
    d.line(f"<!-- CRM export {fmt_date('sv')} {rand_time()} -->")
    n = R.randint(2, 5)
    d.line(f"<customers exported=\"2024-{R.randint(1, 12):02d}-{R.randint(1, 28):02d}T{rand_time()}:00Z\" count=\"{n}\">")
    attr_style = chance(0.35)
    for i in range(n):
        lg = lang or pick(["de", "fr", "es", "nl", "it", "pt", "pl", "sv"])
        cu = Person(lg)
        d.line(f"  <customer id=\"C-{digits(6, True)}\" lang=\"{lg}\">")
        d.line(f"    <name>{esc(cu.name)}</name>")
        d.line(f"    <address country=\"{ {'sv': 'SE'}.get(lg, lg.upper()) }\"><street>{esc(cu.street)}</street>"
               f"<zip>{esc(cu.postcode)}</zip><city>{esc(cu.city)}</city></address>")
        if attr_style:
            d.line("    <contact email=\"⟦e⟧\" phone=\"⟦p⟧\" mobile=\"⟦m⟧\"/>", e=cu.email, p=cu.phone, m=cu.mobile)
        else:
            d.line("    <contact>")
            d.line("      <email>⟦v⟧</email>", v=cu.email)
            d.line("      <phone type=\"landline\">⟦v⟧</phone>", v=cu.phone)
            if chance(0.7):
                d.line("      <phone type=\"mobile\">⟦v⟧</phone>", v=cu.mobile)
            d.line("    </contact>")
        cc = {"sv": "SE"}.get(lg, lg.upper())
        if chance(0.15):
            d.line(f"    <bank valid=\"false\"><iban>{val.bad_iban(cc, grouped=False)}</iban></bank>")
        else:
            ib = val.iban(cc, grouped=chance(0.25))
            d.line(f"    <bank><iban>⟦v⟧</iban><bic>{val.bic_for_iban(ib)}</bic></bank>", v=ib)
        if chance(0.4):
            d.line(f"    <payment type=\"card\"><number>⟦v⟧</number><expiry>{val.card_expiry()}</expiry></payment>",
                   v=val.credit_card(sep=pick(["", "", " "])))
        elif chance(0.3):
            d.line(f"    <payment type=\"card\"><number>{val.luhn_failing()}</number><status>invalid</status></payment>")
        if chance(0.4):
            d.line(f"    <lastLogin ip=\"⟦v⟧\">2024-{R.randint(1, 12):02d}-{R.randint(1, 28):02d}T{rand_time()}:00Z</lastLogin>",
                   v=val.ipv4() if chance(0.8) else val.ipv6())
        label, fn = pick(P[lg]["person_ids"])
        d.line(f"    <nationalId scheme=\"{esc(label)}\">{esc(neg_value(fn))}</nationalId>")
        d.line("  </customer>")
    d.put("</customers>")


def xml_fhir(d, lang="en", region=None):
    region = region or pick(["uk", "us"])
    d.line("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
    d.line("<Bundle xmlns=\"http://hl7.org/fhir\">")
    d.line(f"  <id value=\"{val.uuid4()}\"/>")
    d.line("  <type value=\"collection\"/>")
    for _ in range(R.randint(1, 3)):
        p = Person("en", region)
        d.line("  <entry>")
        d.line("    <resource>")
        if region == "uk":
            d.line("      <Patient>")
            d.line("        <identifier>")
            d.line("          <system value=\"https://fhir.nhs.uk/Id/nhs-number\"/>")
            d.line("          <value value=\"⟦v⟧\"/>", v=val.uk_nhs(sep=pick(["", "", " "])))
            d.line("        </identifier>")
        else:
            d.line("      <Practitioner>")
            d.line("        <identifier>")
            d.line("          <system value=\"http://hl7.org/fhir/sid/us-npi\"/>")
            d.line("          <value value=\"⟦v⟧\"/>", v=val.us_npi())
            d.line("        </identifier>")
        d.line(f"        <name><family value=\"{esc(p.last)}\"/><given value=\"{esc(p.first)}\"/></name>")
        d.line("        <telecom><system value=\"phone\"/><value value=\"⟦v⟧\"/><use value=\"work\"/></telecom>", v=p.phone)
        if chance(0.6):
            d.line("        <telecom><system value=\"phone\"/><value value=\"⟦v⟧\"/><use value=\"mobile\"/></telecom>", v=p.mobile)
        d.line("        <telecom><system value=\"email\"/><value value=\"⟦v⟧\"/></telecom>", v=p.email)
        d.line(f"        <birthDate value=\"{R.randint(1940, 2004)}-{R.randint(1, 12):02d}-{R.randint(1, 28):02d}\"/>")
        d.line(f"        <address><line value=\"{esc(p.street)}\"/><city value=\"{esc(p.city)}\"/><postalCode value=\"{p.postcode}\"/></address>")
        d.line("      </Patient>" if region == "uk" else "      </Practitioner>")
        d.line("    </resource>")
        d.line("  </entry>")
    d.line("</Bundle>")


# ----------------------------------------------------------- Markdown kinds

def md_readme(d, lang="en", region=None):
    repo = pick(["deploy-tools", "billing-sync", "infra-scripts", "data-pipeline", "ops-handbook"])
    owner = Person("en", "uk")
    d.line(f"# {repo}")
    d.line("")
    d.line(f"Internal tooling for the {pick(['billing', 'platform', 'data', 'payments'])} team. **Do not** make this repository public.")
    d.line("")
    d.line("## Quick start")
    d.line("")
    d.line("```bash")
    d.line("export GITHUB_TOKEN=⟦v⟧", v=val.github_token())
    d.line("export AWS_ACCESS_KEY_ID=⟦v⟧", v=val.aws_key())
    d.line(f"export AWS_SECRET_ACCESS_KEY={val.aws_secret()}")
    d.line("make deploy ENV=staging")
    d.line("```")
    d.line("")
    d.line("> The key `AKIAIOSFODNN7EXAMPLE` in `docs/aws.md` is the AWS documentation example, not a real credential.")
    d.line(f"> Tokens in examples look like `{val.github_placeholder()}`.")
    d.line("")
    d.line("## Hosts")
    d.line("")
    d.line("| Host | IPv4 | IPv6 | Owner |")
    d.line(pick(["|---|---|---|---|", "|------|------|------|-------|", "| :--- | :--- | :--- | :--- |"]))
    for h in R.sample(["db-01", "db-02", "api-gw", "bastion", "worker-3", "grafana"], R.randint(2, 4)):
        o = Person("en", "uk")
        d.line(f"| {h} | ⟦a⟧ | ⟦b⟧ | ⟦c⟧ |", a=val.ipv4("private"), b=val.ipv6(), c=o.email)
    d.line("")
    d.line("## Contacts")
    d.line("")
    d.line("- On-call: ⟦v⟧", v=owner.mobile)
    d.line("- Security: <⟦v⟧>", v=val.email("security", pick(["pinewoodsoftware.io", "kestrelaccounts.co.uk"]), caps=False))
    d.line("- Slack: `#ops-alerts`")
    d.line("")
    d.line("## Changelog")
    d.line("")
    d.line(f"- {val.version()} ({val.hexstr(7)}): bump boto3, fix retry on 503")
    d.line(f"- {val.version()} ({val.hexstr(7)}): first release")
    if chance(0.3):
        d.line("")
        d.line("Expected format of `config/signing.pem` (do not commit the real one):")
        d.line("")
        d.line("```")
        d.line(val.placeholder_pem())
        d.line("```")
    if chance(0.5):
        d.line("")
        d.line("Service account key (rotate after the migration!):")
        d.line("")
        d.line("```")
        d.line("⟦v⟧", v=val.private_key())
        d.line("```")


def md_contacts(d, lang, region=None):
    p = P[lang]
    d.line(f"# {p['contact_title']}")
    d.line("")
    d.line(f"| {p['name_h']} | {ROLE_COL[lang]} | {p['phone_h']} | {p['mobile_h']} | {p['email_h']} |")
    d.line("|---|---|---|---|---|")
    co = Company(lang, region)
    for role in R.sample(p["role"], R.randint(3, 5)):
        x = Person(lang, region, co)
        link = chance(0.4)
        if link:
            d.line(f"| {x.name} | {role} | ⟦a⟧ | ⟦b⟧ | [⟦c⟧](mailto:⟦d⟧) |", a=x.phone, b=x.mobile, c=x.email, d=x.email)
        else:
            d.line(f"| {x.name} | {role} | ⟦a⟧ | ⟦b⟧ | ⟦c⟧ |", a=x.phone, b=x.mobile, c=x.email)
    d.line("")
    d.line("## " + EMERGENCY[lang])
    d.line("")
    for _ in range(R.randint(1, 3)):
        x = Person(lang, region)
        d.line(f"* **{x.name}** – ⟦v⟧", v=x.mobile)
    d.line(f"* {p['order_no']}: {val.phone_like_order(lang)}")
    if chance(0.5):
        d.line("")
        d.line(f"_{fmt_date(lang)}_")


def md_runbook(d, lang="en", region=None):
    day = f"2024-{R.randint(1, 12):02d}-{R.randint(1, 28):02d}"
    d.line(f"# Incident {day}: {pick(['API latency spike', 'leaked credentials in CI logs', 'brute-force on bastion', 'expired TLS cert'])}")
    d.line("")
    d.line("## Timeline (UTC)")
    d.line("")
    ts = sorted(rand_time() for _ in range(4))
    d.line(f"- {ts[0]} – alert fired on `api-gw` (⟦v⟧)", v=val.ipv4("private"))
    d.line(f"- {ts[1]} – traffic from ⟦a⟧ and ⟦b⟧ blocked at the edge", a=val.ipv4("public"), b=val.ipv6())
    d.line(f"- {ts[2]} – leaked token `⟦v⟧` revoked", v=val.github_token())
    d.line(f"- {ts[3]} – postmortem doc created ({val.uuid4()})")
    d.line("")
    d.line("## Log excerpt")
    d.line("")
    d.line("```text")
    up = val.ipv4("private")
    d.line(f"{day}T{rand_time()}:03Z WARN upstream ⟦v⟧:8443 timed out after 30s", v=up)
    d.line(f"{day}T{rand_time()}:07Z INFO client [⟦v⟧]:51512 closed connection", v=val.ipv6())
    d.line(f"{day}T{rand_time()}:09Z INFO build {val.version()} sha={val.hexstr(40)}")
    d.line("```")
    d.line("")
    d.line("## Follow-ups")
    d.line("")
    d.line("- [ ] rotate AWS key ⟦v⟧ (owner: ⟦e⟧)", v=val.aws_key(), e=Person("en", "uk").email)
    d.line(f"- [x] add {val.mac()} to the NAC deny list")
    d.line("- [ ] page ⟦v⟧ if it happens again", v=Person("en", "uk").mobile)
