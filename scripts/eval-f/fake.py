"""People, organisations, places and filler sentences.  Nothing here may
look like a labelled value: no digits runs beyond 4, no '@' signs."""
import unicodedata

FIRST = ["Aisha", "Bram", "Carmen", "Dmitri", "Eleanor", "Femi", "Gwen", "Hiroshi", "Ines", "Jonah",
         "Kalani", "Lucía", "Mateusz", "Nadia", "Oisín", "Priya", "Quentin", "Rosa", "Sven", "Tamsin",
         "Umar", "Valeria", "Wendell", "Ximena", "Yusuf", "Zofia", "Amara", "Bertrand", "Chloé", "Declan",
         "Esther", "Farid", "Greta", "Hamish", "Isla", "Jörg", "Keisha", "Liam", "Marisol", "Nikhil",
         "Olga", "Pádraig", "Rahul", "Saoirse", "Thandiwe", "Ulla", "Viktor", "Wren", "Yara", "Zeynep"]
FIRST_ASCII = [f for f in FIRST if f.isascii()]
LAST = ["Abernathy", "Bianchi", "Castellanos", "Dubois", "Eriksen", "Fitzgerald", "Gallagher", "Hoffmann",
        "Iwasaki", "Jankowski", "Kowalczyk", "Lindqvist", "Mbeki", "Nakamura", "O'Donnell", "Petrovic",
        "Quigley", "Rasmussen", "Szabo", "Thornbury", "Underwood", "Varga", "Whitcombe", "Yilmaz",
        "Zielinski", "Achterberg", "Barros", "Chaudhry", "Delacroix", "Ekwueme", "Fairweather",
        "Grünewald", "Haddad", "Ibarra", "Jovanović", "Kinsella", "Lachance", "Moreau", "Novak", "Okafor",
        "Pereira", "Rahman", "Sørensen", "Takahashi", "Uddin", "Vance", "Wojcik", "Xu", "Young", "Zamora"]

COMPANIES = [("Brightwater Logistics", "brightwater-logistics.com"), ("Kestrel Health", "kestrelhealth.co.uk"),
             ("Northwind Traders", "northwind.example"), ("Orchard Lane Dental", "orchardlanedental.co.uk"),
             ("Pinecrest Credit Union", "pinecrestcu.org"), ("Quillfeather Books", "quillfeather.io"),
             ("Ravenhill Clinic", "ravenhill-clinic.nhs.uk"), ("Saltmarsh Energy", "saltmarsh-energy.de"),
             ("Tidewell Insurance", "tidewell.com"), ("Umbra Analytics", "umbra-analytics.net"),
             ("Vellum & Rye", "vellumrye.fr"), ("Wexford Freight", "wexfordfreight.ie"),
             ("Yarrow Pediatrics", "yarrowpeds.com"), ("Zephyr Cloudworks", "zephyrcloud.dev"),
             ("Alderbank Foods", "alderbank.nl"), ("Copperleaf Payroll", "copperleafpay.com"),
             ("Halden Medical Group", "haldenmg.org"), ("Marlow & Finch Solicitors", "marlowfinch.co.uk"),
             ("Sierra Vista Imaging", "sierravistaimaging.com"), ("Fennec Robotics", "fennec-robotics.com.au")]
MAIL_HOSTS = ["gmail.com", "outlook.com", "yahoo.co.uk", "proton.me", "gmx.de", "web.de", "icloud.com",
              "hotmail.fr", "example.com", "example.org", "example.net", "mail.example.co.uk", "fastmail.fm",
              "btinternet.com", "orange.fr", "libero.it", "t-online.de", "bigpond.com"]

CITIES = ["Leeds", "Bristol", "Cork", "Lyon", "Hamburg", "Rotterdam", "Porto", "Valencia", "Austin",
          "Portland", "Toronto", "Denver", "Osaka", "Melbourne", "Kraków", "Gothenburg", "Zürich", "Durban"]
STREETS = ["Harbour Row", "Kingfisher Way", "Mill Lane", "Rue des Tanneurs", "Lindenstraße", "Calle Mayor",
           "Birch Avenue", "Quayside", "Elm Street", "Chapel Walk", "Station Road", "Oak Terrace"]
PRODUCTS = ["annual plan", "Pro seat bundle", "replacement router", "dental check-up", "gym membership",
            "flight change fee", "ergonomic chair", "storage add-on", "courier upgrade", "conference pass"]
DEPTS = ["Finance", "People Ops", "Platform", "Customer Care", "Clinical Admin", "Security", "Legal", "Facilities"]
SPECIALTIES = ["cardiology", "dermatology", "rheumatology", "ENT", "physiotherapy", "orthopaedics",
               "gastroenterology", "neurology", "sleep medicine", "endocrinology"]

# Filler sentences by register.  Kept free of digits on purpose.
FILL = {
    "support": [
        "Thanks for your patience while we looked into this.",
        "I can see the charge on our side but it has not settled yet.",
        "Could you confirm the details below so I can raise it with the billing team?",
        "Our system shows the order as dispatched, although the tracking page disagrees.",
        "I have added a note to your account so whoever picks this up next has the context.",
        "Apologies for the back and forth — the form keeps timing out on my end.",
        "Please do not send full card details over chat in future; I have redacted what I can.",
        "Let me check with a colleague and come back to you shortly.",
    ],
    "hr": [
        "Please complete every section before your first day.",
        "Payroll uses these details for salary and expense reimbursements only.",
        "If anything changes, update the record in the self-service portal.",
        "Emergency contacts are only used if we cannot reach you directly.",
        "The right-to-work check must be finished before equipment is issued.",
        "Your line manager will receive a copy of this form without the bank section.",
    ],
    "medical": [
        "Thank you for seeing this patient, who has been under our care for some time.",
        "Symptoms have progressed over the last few months despite conservative management.",
        "She is keen to be seen at the earliest available appointment.",
        "Current medication is listed overleaf; there are no known drug allergies.",
        "Please copy any correspondence to the registered practice.",
        "I would be grateful for your opinion regarding further investigation.",
        "He lives alone and may need transport arranged for the appointment.",
    ],
    "ops": [
        "Rotate these before the end of the sprint.",
        "Do not commit this file; it is listed in the ignore file for a reason.",
        "Values below are loaded by the deploy job at start-up.",
        "Staging and production share nothing except the DNS zone.",
        "Traffic from the health checker is excluded from the alerts.",
        "The upstream timed out twice during the window, then recovered.",
    ],
    "letter": [
        "I am writing to formally dispute the transaction described below.",
        "I did not authorise this payment and have never dealt with this merchant.",
        "I have already contacted the merchant, who has not responded.",
        "Please treat this letter as notice under the terms of my cardholder agreement.",
        "I would appreciate written confirmation once the chargeback has been raised.",
        "Copies of my statements are enclosed for your reference.",
    ],
}


def person(rng, ascii_only=False):
    return rng.choice(FIRST_ASCII if ascii_only else FIRST), rng.choice(LAST)


def ascii_fold(s):
    """Name as it would appear in an e-mail local part."""
    s = s.replace("ø", "o").replace("ß", "ss").replace("ł", "l").replace("ı", "i").replace("Ø", "O")
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if not unicodedata.combining(c) and c.isascii())


def domain_for(rng, company=None):
    return company[1] if company else rng.choice(MAIL_HOSTS)


def fill(rng, register, n=1):
    return " ".join(rng.sample(FILL[register], min(n, len(FILL[register]))))
