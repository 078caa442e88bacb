"""Locales: names (native script and a Latin form for e-mail addresses), label
words in the locale's own script, phone numbering plans, e-mail domains,
addresses, dates and a few sentences of filler text.

Phone templates: '#' is a random digit, '%' a digit 2-9, '{x}' a pick from the
template's choice list. Digits are always ASCII.
"""
import re
import unicodedata

import values as V


def fill(rng, tmpl, choices=()):
    out = []
    i = 0
    while i < len(tmpl):
        c = tmpl[i]
        if c == "{":
            j = tmpl.index("}", i)
            out.append(rng.choice(choices))
            i = j + 1
            continue
        out.append(str(rng.randint(0, 9)) if c == "#" else str(rng.randint(2, 9)) if c == "%" else c)
        i += 1
    return "".join(out)


class Locale:
    def __init__(self, code, lang, given, family, *, family_first=False, name_sep=" ", colon=": ",
                 words, domains, phones, cities, streets, filler, ibans, date_fmt, currency="$"):
        self.code, self.lang = code, lang
        self.given = [g if isinstance(g, tuple) else (g, V_ascii(g)) for g in given]
        self.family = [f if isinstance(f, tuple) else (f, V_ascii(f)) for f in family]
        self.family_first, self.name_sep, self.colon = family_first, name_sep, colon
        self.words, self.domains, self.phones = words, domains, phones
        self.cities, self.streets, self.filler = cities, streets, filler
        self.ibans, self.date_fmt, self.currency = ibans, date_fmt, currency

    def person(self, rng):
        g, f = rng.choice(self.given), rng.choice(self.family)
        native = f[0] + self.name_sep + g[0] if self.family_first else g[0] + self.name_sep + f[0]
        latin = f"{g[1]} {f[1]}"
        return {"name": native, "latin": latin, "given": g[1], "family": f[1]}

    def phone(self, rng, mobile=None):
        """A phone number on this locale's numbering plan; never one whose
        digits would also validate as a card, NHS number or NPI."""
        while True:
            pool = [p for p in self.phones if mobile is None or p[2] == mobile]
            tmpl, choices, _ = rng.choice(pool)
            s = fill(rng, tmpl, choices)
            d = re.sub(r"\D", "", s)
            if self.code == "en_US" and d[-7:-4] == "555":
                continue  # keep clear of the fictional 555 exchange
            if V.ambiguous_digits(d) or V.ambiguous_digits(d[-10:]) or d.endswith("0000"):
                continue
            return s

    def email(self, rng, person=None, domain=None):
        person = person or self.person(rng)
        return V.email(rng, person["given"].replace(" ", ""), person["family"].replace(" ", "").replace("'", ""),
                       domain or rng.choice(self.domains))

    def address(self, rng):
        return fill(rng, rng.choice(self.streets), self.cities)

    def date(self, rng):
        y, m, d = rng.randint(2021, 2024), rng.randint(1, 12), rng.randint(1, 28)
        return self.date_fmt.format(y=y, m=m, d=d, y2=y % 100)

    def w(self, key):
        return self.words.get(key) or EN_WORDS[key]

    def label(self, key):
        return self.w(key) + self.colon


def V_ascii(s):
    s = s.replace("ı", "i").replace("İ", "I").replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()


EN_WORDS = dict(phone="Phone", mobile="Mobile", email="Email", name="Name", address="Address",
                card="Card number", account="Account", iban="IBAN", customer="Customer", note="Note",
                date="Date", company="Company", patient="Patient", fax="Fax", id="ID")

NANP_AREAS = ["212", "213", "305", "312", "415", "512", "617", "646", "702", "713", "718", "808", "917",
              "206", "303", "404", "503", "602", "615", "919", "469", "347", "510", "773"]

LOCALES = {}


def add(loc, weight):
    LOCALES[loc.code] = (loc, weight)


add(Locale("en_US", "en",
           ["James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "David", "Linda", "Kevin", "Ashley",
            "Brian", "Megan", "Carlos", "Tanya", "Jamal", "Keisha", "Derek", "Heather"],
           ["Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Rodriguez", "Wilson",
            "Anderson", "Thomas", "Moore", "Jackson", "Nguyen", "Okafor", "Kowalski", "Patel", "Hughes"],
           words={}, domains=["gmail.com", "yahoo.com", "outlook.com", "comcast.net", "icloud.com",
                              "acme-health.org", "northwind.com", "mail.lakeside-clinic.org", "example.com"],
           phones=[("({a}) %##-####", NANP_AREAS, True), ("{a}-%##-####", NANP_AREAS, True),
                   ("{a}.%##.####", NANP_AREAS, False), ("+1 {a} %## ####", NANP_AREAS, True),
                   ("+1-{a}-%##-####", NANP_AREAS, False), ("1 ({a}) %##-####", NANP_AREAS, False)],
           cities=["Austin, TX 78701", "Denver, CO 80202", "Columbus, OH 43215", "Tampa, FL 33602",
                   "Portland, OR 97204", "Raleigh, NC 27601"],
           streets=["#### Maple Ave, {c}", "## W Main St Apt #, {c}", "### Oak Street, {c}"],
           filler=["Please find the details below.", "Let me know if anything looks off.",
                   "The customer called again this morning about the same issue.",
                   "We need this resolved before the end of the quarter.",
                   "Forwarding for your records.", "Thanks for the quick turnaround on this."],
           ibans=["DE", "GB", "FR"], date_fmt="{m:02d}/{d:02d}/{y}"), 22)

add(Locale("en_GB", "en",
           ["Oliver", "Amelia", "Harry", "Isla", "George", "Ava", "Jack", "Emily", "Thomas", "Sophie",
            "Rhys", "Niamh", "Callum", "Priya"],
           ["Taylor", "Evans", "Davies", "Roberts", "Walker", "Wright", "Thompson", "Hughes", "Khan",
            "Murphy", "Campbell", "Edwards"],
           words=dict(phone="Tel", mobile="Mobile", customer="Client"),
           domains=["btinternet.com", "gmail.com", "outlook.co.uk", "nhs.net", "sky.com", "virginmedia.com",
                    "harbourside-surgery.co.uk", "example.co.uk"],
           phones=[("020 7%## ####", (), False), ("+44 20 8%## ####", (), False), ("0161 %## ####", (), False),
                   ("07{m}## ######", ["4", "5", "7", "8", "9"], True),
                   ("+44 7{m}## ######", ["4", "5", "7", "8", "9"], True), ("0113 %## ####", (), False),
                   ("+44 (0)131 %## ####", (), False)],
           cities=["Leeds LS1 4DT", "Bristol BS1 5TR", "Manchester M1 2AB", "Cardiff CF10 1EP", "York YO1 7HH"],
           streets=["## High Street, {c}", "Flat #, ## Victoria Road, {c}", "### London Road, {c}"],
           filler=["Many thanks for your patience.", "I've attached the latest figures for reference.",
                   "Could you double-check these against the ledger?", "Cheers, speak soon.",
                   "Apologies for the delay in getting back to you."],
           ibans=["GB", "IE"], date_fmt="{d:02d}/{m:02d}/{y}", currency="£"), 8)

add(Locale("ja_JP", "ja",
           [("太郎", "taro"), ("花子", "hanako"), ("健太", "kenta"), ("美咲", "misaki"), ("翔", "sho"),
            ("陽菜", "hina"), ("大輔", "daisuke"), ("由美", "yumi"), ("拓也", "takuya"), ("さくら", "sakura")],
           [("山田", "yamada"), ("佐藤", "sato"), ("鈴木", "suzuki"), ("高橋", "takahashi"), ("田中", "tanaka"),
            ("伊藤", "ito"), ("渡辺", "watanabe"), ("中村", "nakamura"), ("小林", "kobayashi")],
           family_first=True, name_sep=" ", colon="：",
           words=dict(phone="電話", mobile="携帯", email="メール", name="氏名", address="住所", card="カード番号",
                      account="口座", iban="IBAN", customer="お客様", note="備考", date="日付", company="会社",
                      patient="患者", fax="FAX", id="ID"),
           domains=["docomo.ne.jp", "ezweb.ne.jp", "yahoo.co.jp", "gmail.com", "sakura-trading.co.jp",
                    "mail.kyoto-seimitsu.co.jp", "nifty.com"],
           phones=[("03-####-####", (), False), ("06-%###-####", (), False), ("045-%##-####", (), False),
                   ("052-%##-####", (), False), ("0{m}0-####-####", ["9", "8", "7"], True),
                   ("+81 3-%###-####", (), False), ("+81 {m}0-####-####", ["9", "8"], True),
                   ("0{m}0 #### ####", ["9", "8"], True)],
           cities=["東京都千代田区", "大阪市北区", "横浜市西区", "名古屋市中区", "京都市下京区"],
           streets=["〒1##-00## {c}丸の内#-#-#", "〒5##-0### {c}梅田#丁目#-##"],
           filler=["いつもお世話になっております。", "ご確認のほどよろしくお願いいたします。",
                   "本件について至急ご連絡ください。", "詳細は以下の通りです。", "引き続きよろしくお願い申し上げます。",
                   "お手数ですが折り返しご連絡をお願いします。"],
           ibans=["DE", "GB"], date_fmt="{y}年{m}月{d}日", currency="¥"), 7)

add(Locale("zh_CN", "zh",
           [("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("强", "qiang"),
            ("磊", "lei"), ("洋", "yang"), ("婷", "ting"), ("杰", "jie")],
           [("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
            ("赵", "zhao"), ("黄", "huang"), ("周", "zhou")],
           family_first=True, name_sep="", colon="：",
           words=dict(phone="电话", mobile="手机", email="邮箱", name="姓名", address="地址", card="卡号",
                      account="账户", iban="IBAN", customer="客户", note="备注", date="日期", company="公司",
                      patient="患者", fax="传真", id="编号"),
           domains=["qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "huaxin-tech.cn", "mail.szlogistics.com.cn"],
           phones=[("1{m} #### ####", ["38", "39", "58", "86", "88", "35", "50", "77"], True),
                   ("1{m}########", ["38", "39", "58", "86", "35"], True),
                   ("+86 1{m} #### ####", ["38", "39", "58", "86", "88"], True),
                   ("010-%#######", (), False), ("021-%#######", (), False), ("+86 10 %### ####", (), False),
                   ("+86 21 %### ####", (), False), ("0755-%#######", (), False)],
           cities=["北京市朝阳区", "上海市浦东新区", "深圳市南山区", "广州市天河区", "杭州市西湖区"],
           streets=["{c}建国路##号", "{c}科技园#栋###室"],
           filler=["您好，请查收以下信息。", "如有问题请随时联系。", "请尽快处理，谢谢。", "以下是客户的详细资料。",
                   "感谢您的配合。"],
           ibans=["DE", "GB"], date_fmt="{y}年{m}月{d}日", currency="¥"), 6)

add(Locale("ko_KR", "ko",
           [("민준", "minjun"), ("서연", "seoyeon"), ("지훈", "jihoon"), ("수빈", "subin"), ("현우", "hyunwoo"),
            ("지은", "jieun")],
           [("김", "kim"), ("이", "lee"), ("박", "park"), ("최", "choi"), ("정", "jung"), ("강", "kang")],
           family_first=True, name_sep="", colon=": ",
           words=dict(phone="전화", mobile="휴대폰", email="이메일", name="이름", address="주소", card="카드번호",
                      account="계좌", customer="고객", note="비고", date="날짜", company="회사", patient="환자"),
           domains=["naver.com", "daum.net", "gmail.com", "kakao.com", "hanbit-logistics.co.kr"],
           phones=[("010-####-####", (), True), ("+82 10-####-####", (), True), ("02-%##-####", (), False),
                   ("02-%###-####", (), False), ("031-%##-####", (), False), ("+82 2-%###-####", (), False)],
           cities=["서울특별시 강남구", "부산광역시 해운대구", "성남시 분당구"],
           streets=["{c} 테헤란로 ###", "{c} 판교역로 ##"],
           filler=["안녕하세요.", "확인 부탁드립니다.", "자세한 내용은 아래와 같습니다.", "감사합니다."],
           ibans=["DE"], date_fmt="{y}.{m:02d}.{d:02d}", currency="₩"), 4)

add(Locale("hi_IN", "hi",
           [("राहुल", "rahul"), ("प्रिया", "priya"), ("अमित", "amit"), ("नेहा", "neha"), ("विकास", "vikas"),
            ("अंजलि", "anjali"), ("Arjun", "arjun"), ("Kavya", "kavya")],
           [("शर्मा", "sharma"), ("वर्मा", "verma"), ("गुप्ता", "gupta"), ("सिंह", "singh"), ("Iyer", "iyer"),
            ("Reddy", "reddy"), ("Nair", "nair")],
           words=dict(phone="फ़ोन", mobile="मोबाइल", email="ईमेल", name="नाम", address="पता", card="कार्ड नंबर",
                      account="खाता", customer="ग्राहक", note="टिप्पणी", date="तारीख", patient="मरीज़"),
           domains=["gmail.com", "rediffmail.com", "yahoo.co.in", "infosys-partners.in", "outlook.in"],
           phones=[("+91 {m}#### #####", ["98", "99", "97", "91", "88", "70", "63"], True),
                   ("+91-{m}########", ["98", "99", "97", "80"], True), ("0{m}### #####", ["98", "99", "94"], True),
                   ("011-2### ####", (), False), ("+91 22 2### ####", (), False), ("080 4### ####", (), False)],
           cities=["New Delhi 110001", "Mumbai 400001", "Bengaluru 560001", "Chennai 600002"],
           streets=["##, MG Road, {c}", "Flat ###, Sector ##, {c}"],
           filler=["कृपया नीचे दिए गए विवरण देखें।", "धन्यवाद।", "जल्द से जल्द जवाब दें।",
                   "Please update the KYC details at the earliest.", "ग्राहक ने फिर से कॉल किया।"],
           ibans=["GB", "AE"], date_fmt="{d:02d}-{m:02d}-{y}", currency="₹"), 5)

add(Locale("ar_AE", "ar",
           [("محمد", "mohammed"), ("أحمد", "ahmed"), ("فاطمة", "fatima"), ("مريم", "maryam"), ("خالد", "khalid"),
            ("عمر", "omar"), ("نورة", "noura")],
           [("المنصوري", "almansoori"), ("الهاشمي", "alhashimi"), ("الشامسي", "alshamsi"), ("العتيبي", "alotaibi"),
            ("القحطاني", "alqahtani")],
           colon=": ",
           words=dict(phone="هاتف", mobile="جوال", email="البريد الإلكتروني", name="الاسم", address="العنوان",
                      card="رقم البطاقة", account="الحساب", iban="رقم الآيبان", customer="العميل", note="ملاحظة",
                      date="التاريخ", patient="المريض"),
           domains=["gmail.com", "hotmail.com", "emirates.net.ae", "eim.ae", "gulf-trading.ae"],
           phones=[("+971 5{m} ### ####", ["0", "2", "4", "5", "6", "8"], True),
                   ("05{m} ### ####", ["0", "2", "5", "6"], True), ("+971 4 %## ####", (), False),
                   ("04 %## ####", (), False), ("+971-2-%##-####", (), False)],
           cities=["دبي", "أبوظبي", "الشارقة"],
           streets=["شارع الشيخ زايد، {c}", "مبنى ##، {c}"],
           filler=["السلام عليكم،", "يرجى مراجعة البيانات أدناه.", "شكراً لتعاونكم.", "نرجو الرد في أقرب وقت."],
           ibans=["AE", "SA"], date_fmt="{d:02d}/{m:02d}/{y}", currency="AED "), 4)

add(Locale("ar_SA", "ar",
           [("عبدالله", "abdullah"), ("سارة", "sara"), ("فيصل", "faisal"), ("ريم", "reem"), ("سلطان", "sultan")],
           [("الغامدي", "alghamdi"), ("الزهراني", "alzahrani"), ("الدوسري", "aldosari"), ("الحربي", "alharbi")],
           words=LOCALES["ar_AE"][0].words,
           domains=["gmail.com", "hotmail.com", "stc.com.sa", "riyadh-medical.sa"],
           phones=[("+966 5{m} ### ####", ["0", "3", "4", "5", "6"], True), ("05{m} ### ####", ["0", "5", "4"], True),
                   ("+966 11 %## ####", (), False), ("011 %## ####", (), False), ("+966 12 %## ####", (), False)],
           cities=["الرياض", "جدة", "الدمام"],
           streets=["حي العليا، {c}", "طريق الملك فهد، {c}"],
           filler=["السلام عليكم ورحمة الله،", "مرفق لكم التفاصيل.", "مع خالص التحية."],
           ibans=["SA"], date_fmt="{y}/{m:02d}/{d:02d}", currency="SAR "), 3)

add(Locale("he_IL", "he",
           [("נועה", "noa"), ("איתי", "itay"), ("יעל", "yael"), ("דניאל", "daniel"), ("תמר", "tamar")],
           [("כהן", "cohen"), ("לוי", "levi"), ("מזרחי", "mizrahi"), ("פרץ", "peretz"), ("ביטון", "biton")],
           words=dict(phone="טלפון", mobile="נייד", email="אימייל", name="שם", address="כתובת", card="מספר כרטיס",
                      account="חשבון", customer="לקוח", note="הערה", date="תאריך", patient="מטופל"),
           domains=["gmail.com", "walla.co.il", "bezeqint.net", "netvision.net.il", "hi-tech-sol.co.il"],
           phones=[("05{m}-###-####", ["0", "2", "3", "4", "8"], True), ("+972 5{m}-###-####", ["0", "2", "4"], True),
                   ("03-%##-####", (), False), ("+972 3-%##-####", (), False), ("02-%##-####", (), False)],
           cities=["תל אביב", "ירושלים", "חיפה"],
           streets=["רחוב הרצל ##, {c}", "דרך מנחם בגין ###, {c}"],
           filler=["שלום רב,", "מצורפים הפרטים.", "תודה מראש.", "נא לאשר קבלה."],
           ibans=["IL"], date_fmt="{d:02d}.{m:02d}.{y}", currency="₪"), 2)

add(Locale("tr_TR", "tr",
           ["Mehmet", "Ayşe", "Mustafa", "Fatma", "Emre", "Zeynep", "Burak", "Elif"],
           ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın"],
           words=dict(phone="Telefon", mobile="Cep", email="E-posta", name="Ad Soyad", address="Adres",
                      card="Kart No", account="Hesap", customer="Müşteri", note="Not", date="Tarih", patient="Hasta"),
           domains=["gmail.com", "hotmail.com", "yandex.com.tr", "turkcell.com.tr", "anadolu-lojistik.com.tr"],
           phones=[("05{m}# ### ## ##", ["3", "4", "5"], True), ("+90 5{m}# ### ## ##", ["3", "4", "5"], True),
                   ("0212 %## ## ##", (), False), ("+90 216 %## ## ##", (), False), ("0312 %## ## ##", (), False)],
           cities=["Kadıköy/İstanbul", "Çankaya/Ankara", "Konak/İzmir"],
           streets=["Bağdat Cad. No:##, {c}", "Atatürk Bulvarı No:###, {c}"],
           filler=["Merhaba,", "Bilgilerinize sunarım.", "Lütfen en kısa sürede dönüş yapınız.", "Teşekkürler."],
           ibans=["TR"], date_fmt="{d:02d}.{m:02d}.{y}", currency="₺"), 3)

add(Locale("ru_RU", "ru",
           [("Алексей", "aleksey"), ("Елена", "elena"), ("Дмитрий", "dmitry"), ("Ольга", "olga"),
            ("Сергей", "sergey"), ("Наталья", "natalya"), ("Иван", "ivan")],
           [("Иванов", "ivanov"), ("Смирнов", "smirnov"), ("Кузнецов", "kuznetsov"), ("Попов", "popov"),
            ("Соколов", "sokolov"), ("Лебедев", "lebedev")],
           words=dict(phone="Телефон", mobile="Моб.", email="Эл. почта", name="ФИО", address="Адрес",
                      card="Номер карты", account="Счёт", customer="Клиент", note="Примечание", date="Дата",
                      patient="Пациент"),
           domains=["mail.ru", "yandex.ru", "rambler.ru", "gmail.com", "bk.ru", "sibtrans-logistika.ru"],
           phones=[("+7 (495) %##-##-##", (), False), ("+7 (812) %##-##-##", (), False),
                   ("8 (9{m}) ###-##-##", ["12", "16", "03", "26", "85"], True),
                   ("+7 9{m} ###-##-##", ["12", "16", "03", "26"], True), ("+7 9{m} ### ## ##", ["15", "17", "99"], True),
                   ("8 800 %##-##-##", (), False)],
           cities=["г. Москва", "г. Санкт-Петербург", "г. Новосибирск", "г. Казань"],
           streets=["{c}, ул. Ленина, д. ##, кв. ##", "{c}, пр. Мира, д. ###"],
           filler=["Добрый день!", "Прошу проверить данные ниже.", "Спасибо за оперативность.",
                   "С уважением,", "Жду ответа."],
           ibans=["DE"], date_fmt="{d:02d}.{m:02d}.{y}", currency="₽"), 4)

add(Locale("pt_BR", "pt",
           ["João", "Maria", "Lucas", "Ana", "Gabriel", "Juliana", "Rafael", "Beatriz"],
           ["Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa", "Rodrigues", "Almeida"],
           words=dict(phone="Telefone", mobile="Celular", email="E-mail", name="Nome", address="Endereço",
                      card="Cartão", account="Conta", customer="Cliente", note="Observação", date="Data",
                      patient="Paciente"),
           domains=["gmail.com", "uol.com.br", "bol.com.br", "hotmail.com", "terra.com.br", "mercadotech.com.br"],
           phones=[("({a}) 9####-####", ["11", "21", "31", "41", "51", "61", "71", "81"], True),
                   ("+55 {a} 9####-####", ["11", "21", "31", "48"], True), ("({a}) %###-####", ["11", "21", "31"], False),
                   ("+55 ({a}) 9#### ####", ["11", "19"], True)],
           cities=["São Paulo - SP", "Rio de Janeiro - RJ", "Belo Horizonte - MG", "Curitiba - PR"],
           streets=["Rua das Flores, ###, {c}, CEP 0####-###", "Av. Paulista, ####, {c}"],
           filler=["Bom dia,", "Segue abaixo os dados do cliente.", "Qualquer dúvida, estou à disposição.",
                   "Obrigado pela atenção.", "Favor verificar com urgência."],
           ibans=["BR"], date_fmt="{d:02d}/{m:02d}/{y}", currency="R$ "), 5)

add(Locale("es_MX", "es",
           ["José", "Guadalupe", "Luis", "Fernanda", "Miguel", "Daniela", "Alejandro"],
           ["Hernández", "García", "Martínez", "López", "González", "Pérez", "Ramírez"],
           words=dict(phone="Teléfono", mobile="Celular", email="Correo", name="Nombre", address="Dirección",
                      card="Tarjeta", account="Cuenta", customer="Cliente", note="Nota", date="Fecha",
                      patient="Paciente"),
           domains=["gmail.com", "hotmail.com", "prodigy.net.mx", "outlook.com", "grupo-azteca-log.mx"],
           phones=[("+52 55 %### ####", (), True), ("55 %### ####", (), True), ("(33) %###-####", (), False),
                   ("+52 81 %### ####", (), False), ("+52 1 55 %### ####", (), True)],
           cities=["Ciudad de México, CDMX", "Guadalajara, Jal.", "Monterrey, N.L."],
           streets=["Av. Reforma ###, Col. Juárez, {c}", "Calle Hidalgo ##, {c}"],
           filler=["Buen día,", "Adjunto los datos solicitados.", "Quedo atento a sus comentarios.", "Saludos cordiales."],
           ibans=["ES"], date_fmt="{d:02d}/{m:02d}/{y}", currency="MX$"), 3)

add(Locale("es_AR", "es",
           ["Martín", "Sofía", "Santiago", "Valentina", "Facundo", "Camila"],
           ["González", "Rodríguez", "Fernández", "López", "Gómez", "Díaz"],
           words=LOCALES["es_MX"][0].words,
           domains=["gmail.com", "hotmail.com", "fibertel.com.ar", "yahoo.com.ar", "pampa-agro.com.ar"],
           phones=[("+54 9 11 %###-####", (), True), ("011 4###-####", (), False), ("+54 11 4###-####", (), False),
                   ("11 15-%###-####", (), True), ("+54 9 351 %##-####", (), True)],
           cities=["CABA", "Córdoba", "Rosario, Santa Fe"],
           streets=["Av. Corrientes ####, {c}", "Calle San Martín ###, {c}"],
           filler=["Hola,", "Te paso los datos.", "Cualquier cosa avisame.", "Saludos."],
           ibans=["ES"], date_fmt="{d:02d}/{m:02d}/{y}", currency="AR$"), 2)

add(Locale("en_AU", "en",
           ["Jack", "Charlotte", "William", "Olivia", "Lachlan", "Mia", "Cooper", "Matilda"],
           ["Smith", "Jones", "Williams", "Brown", "Wilson", "Nguyen", "Kelly", "Ryan"],
           words={}, domains=["bigpond.com", "optusnet.com.au", "gmail.com", "outlook.com.au", "coastal-freight.com.au"],
           phones=[("04{m}# ### ###", ["0", "1", "2", "3", "5", "6", "7", "8"], True),
                   ("+61 4{m}# ### ###", ["0", "1", "2", "3"], True), ("(02) 9### ####", (), False),
                   ("+61 2 9### ####", (), False), ("03 9### ####", (), False), ("(07) 3### ####", (), False)],
           cities=["Sydney NSW 2000", "Melbourne VIC 3000", "Brisbane QLD 4000", "Perth WA 6000"],
           streets=["## George St, {c}", "Unit #, ## Beach Rd, {c}"],
           filler=["G'day,", "Details below as discussed.", "Cheers,", "Let us know if you need anything else."],
           ibans=["GB"], date_fmt="{d:02d}/{m:02d}/{y}", currency="A$"), 4)

add(Locale("en_ZA", "en",
           ["Thabo", "Lerato", "Sipho", "Naledi", "Pieter", "Anele"],
           ["Nkosi", "Dlamini", "Naidoo", "van der Merwe", "Botha", "Mokoena"],
           words={}, domains=["gmail.com", "mweb.co.za", "telkomsa.net", "vodamail.co.za", "karoo-mining.co.za"],
           phones=[("+27 {m} ### ####", ["82", "83", "84", "72", "73", "76", "79", "61"], True),
                   ("0{m} ### ####", ["82", "83", "72", "76"], True), ("011 %## ####", (), False),
                   ("021 %## ####", (), False), ("+27 31 %## ####", (), False)],
           cities=["Sandton, Johannesburg 2196", "Cape Town 8001", "Durban 4001"],
           streets=["## Rivonia Rd, {c}", "### Long St, {c}"],
           filler=["Hi there,", "Please see the details below.", "Kind regards,", "Shout if anything is unclear."],
           ibans=["GB"], date_fmt="{y}/{m:02d}/{d:02d}", currency="R "), 2)

add(Locale("en_NG", "en",
           ["Chinedu", "Ngozi", "Oluwaseun", "Aisha", "Emeka", "Funmilayo", "Ibrahim"],
           ["Okonkwo", "Adeyemi", "Bello", "Okafor", "Eze", "Abubakar", "Olawale"],
           words={}, domains=["gmail.com", "yahoo.com", "lagos-fintech.ng", "outlook.com"],
           phones=[("+234 {m} ### ####", ["803", "806", "813", "816", "703", "706", "805", "807", "905", "810"], True),
                   ("0{m} ### ####", ["803", "806", "813", "703", "805", "909"], True), ("+234 1 %## ####", (), False)],
           cities=["Victoria Island, Lagos", "Wuse II, Abuja", "GRA, Port Harcourt"],
           streets=["## Adeola Odeku St, {c}", "Plot ###, {c}"],
           filler=["Good morning,", "Kindly find the details below.", "Thanks and regards.", "Please treat as urgent."],
           ibans=["GB"], date_fmt="{d:02d}/{m:02d}/{y}", currency="₦"), 2)

add(Locale("id_ID", "id",
           ["Budi", "Siti", "Agus", "Dewi", "Rizky", "Putri", "Andi"],
           ["Santoso", "Wijaya", "Saputra", "Pratama", "Hidayat", "Kusuma", "Nugroho"],
           words=dict(phone="Telepon", mobile="HP", email="Email", name="Nama", address="Alamat", card="Nomor Kartu",
                      account="Rekening", customer="Pelanggan", note="Catatan", date="Tanggal", patient="Pasien"),
           domains=["gmail.com", "yahoo.co.id", "telkom.net", "maju-jaya.co.id"],
           phones=[("+62 8{m}-####-####", ["12", "13", "21", "52", "57", "78"], True),
                   ("08{m}-####-###", ["11", "12", "21", "52"], True), ("08{m} #### ####", ["12", "13", "57"], True),
                   ("(021) %### ####", (), False), ("+62 21 %### ####", (), False)],
           cities=["Jakarta Selatan", "Bandung", "Surabaya"],
           streets=["Jl. Sudirman No. ##, {c}", "Jl. Gatot Subroto Kav. ##, {c}"],
           filler=["Selamat pagi,", "Berikut data pelanggan.", "Mohon segera ditindaklanjuti.", "Terima kasih."],
           ibans=["DE"], date_fmt="{d:02d}/{m:02d}/{y}", currency="Rp "), 3)

add(Locale("vi_VN", "vi",
           ["Anh", "Hương", "Minh", "Lan", "Tuấn", "Thảo"],
           [("Nguyễn", "nguyen"), ("Trần", "tran"), ("Lê", "le"), ("Phạm", "pham"), ("Hoàng", "hoang")],
           family_first=True,
           words=dict(phone="Điện thoại", mobile="Di động", email="Email", name="Họ tên", address="Địa chỉ",
                      card="Số thẻ", account="Tài khoản", customer="Khách hàng", note="Ghi chú", date="Ngày",
                      patient="Bệnh nhân"),
           domains=["gmail.com", "yahoo.com.vn", "fpt.vn", "vnpt.vn", "saigon-express.vn"],
           phones=[("+84 9{m} ### ####", ["0", "1", "3", "6", "8"], True), ("09{m}# ### ###", ["0", "1", "8"], True),
                   ("03{m}# ### ###", ["2", "5", "8"], True), ("024 3### ####", (), False), ("+84 28 3### ####", (), False)],
           cities=["Quận 1, TP. Hồ Chí Minh", "Ba Đình, Hà Nội", "Hải Châu, Đà Nẵng"],
           streets=["## Lê Lợi, {c}", "### Nguyễn Trãi, {c}"],
           filler=["Xin chào,", "Gửi anh/chị thông tin như sau.", "Cảm ơn.", "Vui lòng phản hồi sớm."],
           ibans=["DE"], date_fmt="{d:02d}/{m:02d}/{y}", currency="₫"), 2)

add(Locale("th_TH", "th",
           [("สมชาย", "somchai"), ("สุดา", "suda"), ("ประเสริฐ", "prasert"), ("มาลี", "malee")],
           [("ใจดี", "jaidee"), ("สุขสวัสดิ์", "suksawat"), ("วงศ์ใหญ่", "wongyai"), ("ศรีสุข", "srisuk")],
           words=dict(phone="โทรศัพท์", mobile="มือถือ", email="อีเมล", name="ชื่อ", address="ที่อยู่",
                      card="หมายเลขบัตร", account="บัญชี", customer="ลูกค้า", note="หมายเหตุ", date="วันที่",
                      patient="ผู้ป่วย"),
           domains=["gmail.com", "hotmail.co.th", "siam-logistics.co.th", "true.th"],
           phones=[("+66 {m} ### ####", ["81", "82", "86", "89", "91", "92", "61"], True),
                   ("0{m}-###-####", ["81", "86", "89", "95"], True), ("02-%##-####", (), False),
                   ("+66 2 %## ####", (), False)],
           cities=["กรุงเทพฯ 10110", "เชียงใหม่ 50200"],
           streets=["## ถนนสุขุมวิท {c}", "### ถนนสีลม {c}"],
           filler=["เรียน ลูกค้า", "รายละเอียดตามด้านล่าง", "ขอบคุณครับ", "กรุณาติดต่อกลับ"],
           ibans=["DE"], date_fmt="{d:02d}/{m:02d}/{y}", currency="฿"), 2)

ENGLISH = {"en_US", "en_GB", "en_AU", "en_ZA", "en_NG"}


def pick(rng, english=None):
    pairs = [(loc, w) for code, (loc, w) in LOCALES.items()
             if english is None or (code in ENGLISH) == english]
    return V.pick_weighted(rng, pairs)


def get(code):
    return LOCALES[code][0]
