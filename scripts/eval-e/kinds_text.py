"""Logs, configs, mail, chat exports, tickets, native-language forms,
shipping manifests, incident write-ups and build logs.
"""
import base64
import json

import values as V

E = "en_US"
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
CJK_TAIL = {"ja": ["まで", "までお願いします", "です", "（平日のみ）", "。"], "zh": ["，谢谢", "（工作日）", "。", "找我"]}


def _hms(r):
    return f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}"


def _iso(r):
    return f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T{_hms(r)}.{r.randint(0, 999):03d}Z"


def _host(r):
    return r.choice(["web-01", "web-02", "api-gw", "mx1", "auth-3", "worker-7", "bastion", "pay-svc-5f7c9", "edge-fra1"])


def _ip(c, v6=0.25):
    return c.ipv6() if c.chance(v6) else c.ipv4()


# ------------------------------------------------------------------ syslog

def syslog(c):
    r, d = c.rng, c.doc
    mon, day = r.choice(MONTHS), r.randint(1, 28)
    rfc5424 = c.chance(0.3)
    while not c.full():
        host, pid = _host(r), r.randint(300, 65000)
        if rfc5424:
            pre = f"<{r.choice([13, 30, 34, 38, 86, 134])}>1 {_iso(r)} {host} "
        else:
            pre = f"{mon} {day:2d} {_hms(r)} {host} "
        k = r.randint(0, 10)
        if k == 10:
            d.line(pre, f"billing[{pid}]: charge ok card=", c.card(), f" auth={r.randint(100000, 999999)} user_ip=", c.ipv4())
        elif k == 0:
            d.line(pre, f"sshd[{pid}]: Failed password for invalid user {c.choice(['admin', 'oracle', 'test', 'ubuntu'])} from ",
                   _ip(c), f" port {r.randint(1024, 65535)} ssh2")
        elif k == 1:
            d.line(pre, f"sshd[{pid}]: Accepted publickey for deploy from ", _ip(c),
                   f" port {r.randint(1024, 65535)} ssh2: ED25519 SHA256:{base64.b64encode(r.randbytes(32)).decode().rstrip('=')}")
        elif k == 2:
            d.line(pre, f"postfix/smtpd[{pid}]: {V.hexhash(r, 10).upper()}: client=mail{r.randint(1, 9)}.",
                   c.choice(c.loc.domains), "[", c.ipv4("public"), "], sasl_username=", c.email())
        elif k == 3:
            d.line(pre, f"postfix/smtp[{pid}]: {V.hexhash(r, 10).upper()}: to=<", c.email(),
                   f">, relay=mx.{c.choice(c.loc.domains)}[", c.ipv4("public"), "]:25, delay=0.",
                   str(r.randint(10, 99)), ", status=sent (250 2.0.0 OK)")
        elif k == 4:
            d.line(pre, f"dhcpd[{pid}]: DHCPACK on ", c.ipv4("private"), f" to {V.mac(r)} via eth{r.randint(0, 2)}")
        elif k == 5:
            d.line(pre, f"app[{pid}]: payment declined user=", c.email(), " card=",
                   c.card(layout="compact") if c.chance(0.5) else V.card_masked(r), f" amount={r.randint(1, 999)}.{r.randint(0, 99):02d}",
                   " ip=", _ip(c))
        elif k == 6:
            d.line(pre, f"sms-gw[{pid}]: OTP delivered to ", c.phone(mobile=True), f" msgid={V.uuid(r)}")
        elif k == 7:
            d.line(pre, f"kernel: [{r.randint(1000, 999999)}.{r.randint(0, 999999):06d}] IN=eth0 OUT= MAC={V.mac(r)}:{V.mac(r)}:08:00 SRC=",
                   c.ipv4(), " DST=", c.ipv4("private"), f" LEN={r.randint(40, 1500)} PROTO=TCP SPT={r.randint(1024, 65535)} DPT=22")
        elif k == 8:
            d.line(pre, f"auth[{pid}]: password reset requested for ", c.email(), " from ", _ip(c, 0.5),
                   f" (session {V.uuid(r)})")
        else:
            d.line(pre, f"systemd[1]: Started {c.choice(['nginx', 'postgresql', 'cron', 'node_exporter'])}.service - version ",
                   V.version(r))


# ------------------------------------------------------------ JSON lines

class _J:
    """JSON line builder that keeps labelled values as Val pieces."""

    def __init__(self):
        self.parts = ["{"]

    def kv(self, k, v, raw=False):
        if len(self.parts) > 1:
            self.parts.append(",")
        self.parts.append(json.dumps(k) + ":")
        if raw:
            self.parts.append(v)
        elif isinstance(v, str):
            self.parts.append(json.dumps(v, ensure_ascii=False))
        else:
            self.parts += ['"', v, '"']
        return self

    def done(self):
        return self.parts + ["}"]


def jsonl_log(c):
    r, d = c.rng, c.doc
    svc = c.choice(["checkout", "auth", "profile-api", "notifications", "kyc"])
    while not c.full():
        j = _J().kv("ts", _iso(r)).kv("level", c.choice(["INFO", "INFO", "WARN", "ERROR", "DEBUG"])).kv("svc", svc)
        j.kv("trace_id", V.hexhash(r, 32))
        k = r.randint(0, 6)
        if k == 6:
            j.kv("msg", "refund").kv("pan", c.card(layout="compact")).kv("iban", c.iban(grouped=False))
        elif k == 0:
            j.kv("msg", "login ok").kv("user", c.email()).kv("client_ip", _ip(c))
        elif k == 1:
            j.kv("msg", "payment authorised").kv("user_id", str(r.randint(1, 10 ** 7)), raw=True)
            if c.chance(0.5):
                j.kv("card", V.card_masked(r))
            else:
                j.kv("card_number", c.card(layout="compact"))
            j.kv("amount", f"{r.randint(1, 9999)}.{r.randint(0, 99):02d}", raw=True)
        elif k == 2:
            p = c.person()
            j.kv("msg", "profile updated").kv("name", p["name"]).kv("phone", c.phone()).kv("email", c.email(p))
        elif k == 3:
            j.kv("msg", "payout created").kv("iban", c.iban(grouped=False)).kv("ref", V.order_no(r))
        elif k == 4:
            j.kv("msg", "upstream timeout").kv("upstream", _ip(c, 0.4)).kv("duration_ms", str(r.randint(1000, 30000)), raw=True)
            j.kv("request_id", V.uuid(r))
        else:
            j.kv("msg", "kyc check").kv("doc_type", c.choice(["passport", "ssn", "national_id"]))
            if c.us(0.3):
                j.kv("ssn", c.ssn())
            else:
                j.kv("national_id", V.safe_digits(r, 11))
            j.kv("result", c.choice(["pass", "refer", "fail"]))
        d.line(*j.done())


# ------------------------------------------------------------- access log

def access_log(c):
    r, d = c.rng, c.doc
    agents = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.112 Safari/537.36",
              "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
              "curl/8.4.0", "python-requests/2.31.0", "Googlebot/2.1 (+http://www.google.com/bot.html)"]
    mon, day = r.choice(MONTHS), r.randint(1, 28)
    while not c.full():
        d.add(_ip(c, 0.3), " - ", c.choice(["-", "-", "-", "alice", "svc_batch"]), f" [{day:02d}/{mon}/2024:{_hms(r)} +0000] \"")
        k = r.randint(0, 6)
        if k == 0:
            d.add("GET /api/v1/users?email=", c.email(), f"&page={r.randint(1, 9)}")
        elif k == 1:
            digits = c.phone(mobile=True)
            if not isinstance(digits, str):
                digits.text = "".join(ch for ch in digits.text if ch.isdigit() or ch == "+").replace("+", "%2B")
                if digits.text.startswith("%2B"):
                    d.add("GET /otp/send?to=%2B")
                    digits.text = digits.text[3:]
                else:
                    d.add("GET /otp/send?to=")
            else:
                d.add("GET /otp/send?to=")
            d.add(digits, "&lang=", c.loc.lang)
        elif k == 2:
            d.add("POST /checkout/confirm?order=", V.order_no(r).replace("#", ""), "&card=", c.card(layout="compact"))
        elif k == 3:
            d.add(f"GET /static/app.{V.hexhash(r, 8)}.js?v=", V.version(r))
        elif k == 4:
            d.add("GET /track?id=", V.tracking(r), f"&ts={V.epoch(r, millis=True)}")
        elif k == 5:
            d.add("GET /admin/export.csv?token=", c.gh() if c.chance(0.3) else V.hexhash(r, 32))
        else:
            d.add(f"GET /healthz")
        status = c.choice([200, 200, 200, 302, 404, 500, 401])
        d.line(f" HTTP/1.1\" {status} {r.randint(0, 50000)} \"-\" \"{c.choice(agents)}\"",
               *((" xff=\"", c.ipv4(), ", ", c.ipv4("private"), "\"") if c.chance(0.2) else ()))


# ---------------------------------------------------------------- configs

def config(c):
    r, d = c.rng, c.doc
    fmt = c.choice(["yaml", "toml", "properties", "env"])
    env = c.choice(["production", "staging", "prod-eu", "prod-apac"])
    dom = c.choice(c.loc.domains[-2:])

    def kv(key, val, comment=None):
        if fmt == "yaml":
            d.line(f"  {key}: ", *(('"', val, '"') if c.chance(0.4) else (val,)), f"  # {comment}" if comment else "")
        elif fmt == "toml":
            d.line(f"{key} = \"", val, "\"", f"  # {comment}" if comment else "")
        elif fmt == "properties":
            d.line(f"{section}.{key}=", val)
        else:
            d.line(f"{section.upper()}_{key.upper()}=", val)

    sections = ["aws", "github", "database", "mail", "oncall", "tls"]
    r.shuffle(sections)
    if fmt == "yaml":
        d.line(f"# {env} settings - DO NOT COMMIT\nversion: \"{V.version(r)}\"")
    elif fmt == "toml":
        d.line(f"# {env}\ntitle = \"{c.choice(['billing', 'crm', 'gateway'])}\"")
    elif fmt == "properties":
        d.line(f"# generated {c.loc.date(r)}\napp.env={env}")
    else:
        d.line(f"# .env.{env}\nNODE_ENV={env}")
    for section in sections:
        if fmt == "yaml":
            d.line(f"{section}:")
        elif fmt == "toml":
            d.line(f"\n[{section}]")
        if section == "aws":
            if c.chance(0.3):
                kv("example_access_key_id", V.AWS_EXAMPLE, "from the docs")
            kv("access_key_id", c.aws(temp=c.chance(0.2)))
            kv("secret_access_key", V.aws_secret(r))
            kv("region", c.choice(["eu-central-1", "ap-northeast-1", "me-south-1", "sa-east-1", "ap-south-1"]))
        elif section == "github":
            kv("token", c.gh())
            if c.chance(0.4):
                kv("token_template", V.github_placeholder(r))
            kv("org", c.choice(["acme-eng", "huaxin-dev", "gulf-it"]))
        elif section == "database":
            kv("host", _ip(c, 0.15))
            kv("port", str(c.choice([5432, 3306, 1433, 27017])))
            kv("user", "app_rw")
            kv("replica", c.ipv4("private"))
        elif section == "mail":
            kv("smtp_host", "smtp." + dom)
            kv("from", c.role_email(dom))
            kv("admin", c.email(domain=dom))
        elif section == "oncall":
            kv("primary_phone", c.phone(mobile=True))
            if c.chance(0.5):
                kv("escalation_phone", c.phone(mobile=True, loc=c.other_loc()))
            kv("pager_id", V.uuid(r))
        elif section == "tls":
            kv("cert_sha1", V.hexhash(r, 40))
            if fmt == "yaml" and c.chance(0.5):
                key = c.pkey()
                d.line("  private_key: |")
                if isinstance(key, str):
                    d.line("    " + key.replace("\n", "\n    "))
                else:
                    key.text = key.text.replace("\n", "\n    ")
                    d.line("    ", key)
            else:
                kv("key_file", "/etc/ssl/private/server.key")
    if fmt in ("properties", "env") and c.chance(0.5):
        d.line("# rotate before ", c.loc.date(r))


# --------------------------------------------------------------- mail/mbox

def _addr(c, p, loc=None):
    disp = p["name"] if c.chance(0.7) else p["latin"]
    quoted = c.chance(0.5) or not disp.isascii()
    return ('"' + disp + '"' if quoted else disp, " <", c.email(p, loc=loc), ">")


def eml(c):
    r, d = c.rng, c.doc
    d.crlf = c.chance(0.4)
    msgs = 0
    while not c.full() or msgs == 0:
        sender, to = c.person(), c.person()
        day = r.randint(1, 28)
        mon = r.choice(MONTHS)
        if c.chance(0.5) or msgs:
            d.line(f"From MAILER-DAEMON {r.choice(DAYS)} {mon} {day:2d} {_hms(r)} 2024")
        d.line(f"Received: from mail-{c.choice(['ej1', 'wm1', 'pf1'])}-f{r.randint(10, 99)}.google.com (mail.google.com [",
               c.ipv4("public"), "])\n\tby mx.", c.choice(c.loc.domains), f" with ESMTPS id {V.hexhash(r, 12)}")
        if c.chance(0.4):
            d.line("Received: from [", c.ipv6(c.choice(["compressed", "full"])), "] by smtp.", c.choice(c.loc.domains),
                   " with ESMTPSA")
        d.line("From: ", *_addr(c, sender))
        d.add("To: ", *_addr(c, to))
        if c.chance(0.5):
            d.add(",\n\t", *_addr(c, c.person(c.other_loc()), None))
        d.line()
        if c.chance(0.5):
            d.line("Cc: ", *_addr(c, c.person()))
        if c.chance(0.3):
            d.line("Reply-To: ", c.role_email(c.choice(c.loc.domains)))
        subj = c.choice(["Re: invoice", "Fwd: 注文確認", "Update bank details", "お見積もりの件", "Re: 合同", "Hesap bilgileri",
                         "Dados para pagamento", "Re: Счёт на оплату", "Booking confirmation"])
        if not subj.isascii() and c.chance(0.5):
            subj = "=?UTF-8?B?" + base64.b64encode(subj.encode()).decode() + "?="
        d.line("Subject: ", subj)
        d.line(f"Date: {r.choice(DAYS)}, {day} {mon} 2024 {_hms(r)} {c.choice(['+0900', '+0800', '+0300', '-0300', '+0000', '+0530'])}")
        d.line("MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n")
        d.line(c.filler(2))
        d.line()
        k = r.randint(0, 4)
        if k == 4 and c.us(0.3):
            d.line("W-9 / TIN: SSN ", c.ssn(), " (", sender["latin"], ")")
        elif k == 0:
            d.line(c.loc.label("account"), c.iban())
            d.line(c.loc.label("name"), sender["name"])
        elif k == 1:
            d.line(c.loc.label("card"), c.card(), f" ({c.choice(['exp', '有効期限', 'val.'])} {r.randint(1, 12):02d}/{r.randint(25, 30)})")
        elif k == 2:
            d.line(c.filler(1), " ", c.loc.label("mobile"), c.phone(mobile=True))
        else:
            d.line("> ", c.filler(1))
            d.line("> ", c.loc.label("email"), c.email(to))
        d.line()
        d.line("-- ")
        d.line(sender["name"])
        if c.chance(0.6):
            d.line(c.loc.label("phone"), c.phone(mobile=False))
        if c.chance(0.3):
            d.line(c.loc.label("mobile"), c.phone(mobile=True))
        d.line()
        msgs += 1


# ------------------------------------------------------------- chat export

def chat(c):
    r, d = c.rng, c.doc
    style = c.choice(["whatsapp", "whatsapp", "slack", "teams", "wechat"])
    people = [c.person() for _ in range(r.randint(2, 4))]
    day, mon = r.randint(1, 28), r.randint(1, 12)
    hh, mm = r.randint(7, 20), r.randint(0, 59)
    colon = c.loc.colon
    while not c.full():
        p = r.choice(people)
        mm += r.randint(0, 7)
        hh, mm = (hh + mm // 60) % 24, mm % 60
        if style == "whatsapp":
            d.add(f"[{day:02d}/{mon:02d}/24, {hh:02d}:{mm:02d}:{r.randint(0, 59):02d}] {p['name']}: ")
        elif style == "slack":
            d.add(f"[{hh:02d}:{mm:02d}] {p['latin'].lower().replace(' ', '.')}: ")
        elif style == "teams":
            d.line(f"{p['latin']}  {(hh - 1) % 12 + 1}:{mm:02d} {'AM' if hh < 12 else 'PM'}")
        else:
            d.add(f"2024-{mon:02d}-{day:02d} {hh:02d}:{mm:02d} {p['name']}{colon}")
        k = r.randint(0, 11)
        tight = c.loc.lang in ("ja", "zh") and c.chance(0.5)
        if k == 0:
            if tight:
                d.line(c.loc.w("mobile"), c.phone(mobile=True), c.choice(CJK_TAIL[c.loc.lang]))
            else:
                d.line(c.filler(1), " ", c.loc.label("mobile"), c.phone(mobile=True))
        elif k == 1:
            d.line(c.loc.label("email"), c.email(), " " + c.filler(1) if c.chance(0.5) else "")
        elif k == 2:
            d.line(c.choice(["card: ", "カード ", "卡号", "cartão ", "kart: "]), c.card(), c.choice(["", ".", " exp 09/27", "!"]))
        elif k == 3:
            d.line(c.choice(["IBAN ", "iban: ", c.loc.label("account")]), c.iban(), c.choice(["", ".", " 🙏"]))
        elif k == 4:
            d.line(c.choice(["server is ", "ssh to ", "whitelist ", "IP: "]), _ip(c, 0.3), c.choice(["", ".", " pls", ")"]))
        elif k == 5:
            d.line(c.choice(["here's the token ", "use ", "PAT: "]), c.gh(), c.choice(["", " (expires friday)"]))
        elif k == 6:
            d.line(c.choice(["keys: ", "AWS_ACCESS_KEY_ID=", "key id "]), c.aws(), " / secret ", V.aws_secret(r)[:6], "…")
        elif k == 7:
            d.line(c.choice(["order ", "tracking ", "注文番号 ", "订单号", "pedido "]),
                   c.choice([V.order_no(r), V.tracking(r), V.card_luhn_fail(r)]))
        elif k == 8 and c.us(0.3):
            d.line("ssn for the form is ", c.ssn(), c.choice(["", ".", " thx"]))
        elif k == 9:
            d.line("(", c.phone(mobile=False, loc=c.other_loc()), c.choice([") is the office line", ")"]))
        elif k == 10 and c.chance(0.25):
            d.line(c.choice(["deploy key, don't share:", "秘密鍵です", "私钥如下", "chave:"]))
            d.line(c.pkey())
        else:
            d.line(c.filler(1))
    if c.chance(0.3):
        d.line("<Media omitted>" if style == "whatsapp" else "This message was deleted")


# ----------------------------------------------------------------- tickets

def ticket(c):
    r, d = c.rng, c.doc
    loc = c.loc
    p = c.person()
    d.line(f"Ticket #{V.safe_digits(r, 7)}   Priority: {c.choice(['P1', 'P2', 'P3', 'Normal', 'High'])}   Status: {c.choice(['Open', 'Pending', 'Solved'])}")
    d.line(f"Created: {loc.date(r)} {_hms(r)}   Channel: {c.choice(['Web', 'Email', 'Phone', 'LINE', 'WhatsApp'])}")
    d.line("Requester: ", p["name"], " <", c.email(p), ">")
    if c.chance(0.6):
        d.line(loc.label("phone"), c.phone())
    d.line("Order: ", V.order_no(r), "   Tracking: ", V.tracking(r))
    d.line("-" * 60)
    d.line(c.filler(2))
    k = r.randint(0, 3)
    if k == 0:
        d.line(c.filler(1), " ", loc.label("card"), c.card(), c.choice([".", "", ";"]))
    elif k == 1:
        d.line(loc.label("account"), c.iban(), " ", c.filler(1))
    elif k == 2 and c.us(0.4):
        d.line("Caller verified identity with SSN ", c.ssn(), " and DOB ", loc.date(r), ".")
    else:
        d.line(c.filler(1), " (", c.phone(mobile=True), ")")
    d.line()
    while not c.full():
        agent = c.person(c.other_loc())
        d.line(f"--- {c.choice(['Internal note', 'Public reply', 'Agent'])} by {agent['latin']} ({loc.date(r)} {_hms(r)}) ---")
        k = r.randint(0, 6)
        if k == 0:
            d.line("Customer logged in from ", _ip(c, 0.35), ", previous session from ", _ip(c, 0.2), ".")
        elif k == 1:
            d.line("Card on file: ", V.card_masked(r), "; customer read out ", c.card(), " - refund issued.")
        elif k == 2:
            d.line("Escalated to billing (", c.role_email(c.choice(loc.domains)), "), ref ", V.uuid(r))
        elif k == 3:
            d.line(c.filler(1), " ", loc.label("email"), c.email(p, domain=c.choice(loc.domains)))
        elif k == 4:
            d.line("Not the customer's card - ", V.card_luhn_fail(r), " fails validation; ", V.ssn_invalid(r), " is not a valid SSN either.")
        elif k == 5:
            d.line("Callback number ", c.phone(), " / alt ", c.phone(mobile=True), ".")
        else:
            d.line(c.filler(2))
    d.line("Tags: ", c.choice(["refund billing", "kyc", "account_takeover", "shipping"]))


# --------------------------------------------------- native-language forms

def form(c):
    r, d = c.rng, c.doc
    loc = c.loc
    cj = loc.lang in ("ja", "zh")
    title = {"ja": "【お客様情報】", "zh": "【客户登记表】", "ko": "[고객 정보]", "ar": "بيانات العميل", "he": "פרטי לקוח",
             "ru": "Анкета клиента", "tr": "Müşteri Bilgi Formu", "pt": "Ficha cadastral", "es": "Ficha del cliente",
             "hi": "ग्राहक विवरण", "id": "Formulir Pelanggan", "vi": "Phiếu thông tin khách hàng",
             "th": "แบบฟอร์มข้อมูลลูกค้า"}.get(loc.lang, "CUSTOMER RECORD")
    while not c.full():
        p = c.person()
        d.line(title)
        d.line(loc.label("name"), p["name"])
        if cj and c.chance(0.5):
            d.line(loc.w("phone"), c.phone(mobile=False), c.choice(CJK_TAIL[loc.lang]))
        elif c.chance(0.5):
            d.line(loc.label("phone"), c.phone(mobile=False))
        if c.chance(0.4):
            d.line("（" if cj else "(", loc.label("mobile"), c.phone(mobile=True), "）" if cj else ")")
        if c.chance(0.6):
            d.line(loc.label("email"), c.email(p))
        d.line(loc.label("address"), loc.address(r))
        k = r.randint(0, 4)
        if k in (0, 4):
            d.line(loc.label("card"), c.card())
        if k in (1, 4):
            d.line(loc.label("account"), c.iban())
        elif k == 2:
            d.line(loc.label("card"), V.card_masked(r), "  ", loc.label("note"), V.order_no(r))
        else:
            d.line(loc.label("note"), c.filler(1))
        if c.us(0.15):
            d.line("US SSN" + loc.colon, c.ssn())
        d.line(loc.label("date"), loc.date(r))
        d.line("＿" * 12 if cj else "_" * 24)
        d.line()


# ------------------------------------------------------- shipping manifest

def manifest(c):
    r, d = c.rng, c.doc
    loc = c.loc
    d.line(f"SHIPPING MANIFEST  {c.choice(['DHL', 'FedEx', 'SF Express', 'Yamato', 'Aramex', 'Correios'])}  "
           f"Batch {V.safe_digits(r, 10)}  {loc.date(r)}")
    d.line(f"Origin GPS: {V.gps(r)}   Vehicle: {c.choice(['TRK', 'VAN'])}-{r.randint(100, 999)}")
    d.line()
    n = 0
    while not c.full():
        n += 1
        p = c.person()
        d.line(f"{n:>3}. AWB {V.tracking(r)}  order {V.order_no(r)}  {r.randint(1, 40)}.{r.randint(0, 9)} kg  "
               f"{loc.currency}{r.randint(5, 9000):,}.{r.randint(0, 99):02d}")
        d.line("     consignee: ", p["name"], ", ", loc.address(r))
        if c.chance(0.6):
            d.line("     ", loc.label("phone"), c.phone(mobile=True), *(("  ", c.email(p)) if c.chance(0.4) else ()))
        else:
            d.line(f"     ISBN {V.isbn13(r)}  SKU {V.hexhash(r, 8).upper()}  scanned {V.epoch(r)}")
    d.line()
    d.line(f"Total parcels: {n}   Declared value: {loc.currency}{r.randint(1000, 99999):,}.00")
    d.line(f"Driver device {V.mac(r, '-').upper()}  app {V.version(r)}")


# ------------------------------------------------------ incident write-up

def incident(c):
    r, d = c.rng, c.doc
    d.line(f"SECURITY INCIDENT {c.choice(['SEC', 'IR', 'INC'])}-{r.randint(2022, 2024)}-{r.randint(1, 999):03d}")
    d.line(f"Reported: {c.loc.date(r)} {_hms(r)}  Severity: {c.choice(['High', 'Critical', 'Medium'])}")
    d.line("Reporter: ", c.email(), "  ", c.phone(mobile=True))
    d.line()
    d.line("Summary: credentials were found in a public paste / repository. Values below are copied verbatim for rotation.")
    d.line("Note: AKIAIOSFODNN7EXAMPLE and ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx in the README are documentation placeholders, not leaks.")
    d.line()
    d.line("Leaked AWS key id: ", c.aws(), " (secret ", V.aws_secret(r)[:8], "... rotated)")
    if c.chance(0.5):
        d.line("Temporary credentials: ", c.aws(temp=True), " session token FwoGZXIvYXdzE", V.hexhash(r, 20))
    d.line("GitHub token: ", c.gh(), "; also found ", c.gh())
    d.line("Attacker source addresses: ", c.ipv4("public"), ", ", c.ipv4("public"), ", ", c.ipv6(), ".")
    d.line("Fingerprint of exposed host key: SHA256:", base64.b64encode(r.randbytes(32)).decode().rstrip("="))
    d.line()
    if c.chance(0.7) or not c.full():
        d.line("Pasted key material:")
        d.line(c.pkey())
    if c.chance(0.6):
        d.line()
        d.line("Server certificate (public, no action needed):")
        d.line(V.public_pem(r))
    d.line()
    d.line("Timeline:")
    while not c.full():
        d.line(f"  {_iso(r)}  ", c.choice(["login from ", "API call from ", "blocked "]), _ip(c, 0.3),
               f"  ua={c.choice(['aws-cli/2.15.', 'Boto3/1.34.', 'Go-http-client/'])}{r.randint(1, 40)}  req={V.uuid(r)}")
    d.line("Owner: ", c.email(), "\n")


# -------------------------------------------------------------- build log

def build_log(c):
    r, d = c.rng, c.doc
    d.line(f"Running on runner-{V.hexhash(r, 8)} (linux/amd64) image node:{r.randint(16, 22)}.{r.randint(0, 12)}.{r.randint(0, 9)}-bookworm")
    d.line(f"Checking out {V.hexhash(r, 40)} as detached HEAD")
    d.line(f"$ uname -a\nLinux build 6.1.0-{r.randint(10, 21)}-amd64 #1 SMP PREEMPT_DYNAMIC x86_64 GNU/Linux")
    leaked = False
    while not c.full():
        k = r.randint(0, 7)
        t = f"[{_hms(r)}] "
        if k == 0:
            d.line(t, f"Downloading {c.choice(['lodash', 'react', 'boto3', 'requests', 'serde'])}-{V.version(r)} sha256:{V.hexhash(r, 64)}")
        elif k == 1 and not leaked and c.chance(0.15):
            leaked = True
            d.line(t, "$ cat ~/.ssh/id_deploy")
            d.line(c.pkey(c.choice(["openssh", "rsa"])))
        elif k == 1:
            d.line(t, f"Build {V.uuid(r)} finished in {r.randint(1, 900)}.{r.randint(0, 999)}s at {V.epoch(r, millis=True)}")
        elif k == 2:
            d.line(t, f"Windows SDK {V.version(r)}; target {V.version(r)}; MSVC 19.{r.randint(20, 39)}.{r.randint(30000, 33999)}")
        elif k == 3 and not leaked:
            leaked = True
            d.line(t, "$ env | sort")
            d.line("AWS_ACCESS_KEY_ID=", c.aws())
            d.line("AWS_SECRET_ACCESS_KEY=", V.aws_secret(r))
            d.line("GITHUB_TOKEN=", c.gh())
            d.line(f"HOSTNAME=runner-{V.hexhash(r, 6)}")
        elif k == 4:
            d.line(t, "Uploading artifacts to ", c.ipv4("private"), f":9000 ({r.randint(1, 900)} MB)")
        elif k == 5:
            d.line(t, f"Test suite: {r.randint(100, 3000)} passed, {r.randint(0, 3)} skipped; coverage {r.randint(50, 99)}.{r.randint(0, 9)}%")
        elif k == 6:
            d.line(t, f"Device {V.mac(r)} at {V.gps(r)} reported firmware {V.version(r)}")
        else:
            d.line(t, f"Notifying ", c.role_email(c.choice(c.loc.domains)), " and ", c.email())
    d.line(f"Job succeeded  (ref {V.order_no(r)})")


KINDS = [(syslog, 8), (jsonl_log, 6), (access_log, 7), (config, 7), (eml, 8), (chat, 8), (ticket, 7), (form, 7),
         (manifest, 4), (incident, 4), (build_log, 4)]
