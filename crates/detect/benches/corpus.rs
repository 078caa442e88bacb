//! Deterministic generated corpora shared by the bench and the throughput example.

#![allow(dead_code)]

/// Tiny deterministic PRNG (xorshift) so the corpus is the same on every
/// run; the examples that include this file use it too.
pub struct Rng(pub u64);
impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next_u64() % xs.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "the", "of", "and", "to", "a", "in", "is", "it", "you", "that", "he", "was", "for", "on",
    "are", "with", "as", "I", "his", "they", "be", "at", "one", "have", "this", "from", "or",
    "had", "by", "hot", "but", "some", "what", "there", "we", "can", "out", "other", "were", "all",
    "your", "when", "up", "use", "word", "how", "said", "an", "each", "she", "which", "do",
    "their", "time", "if", "will", "way", "about", "many", "then", "them", "would", "write",
    "like", "so", "these", "her", "long", "make", "thing", "see", "him", "two", "has", "look",
    "more", "day", "could", "go", "come", "did", "my", "sound", "no", "most", "number", "who",
    "over", "know", "water", "than", "call", "first", "people", "may", "down", "side", "been",
    "now", "find", "any", "new", "work", "part", "take", "get", "place", "made", "live", "where",
    "after", "back", "little", "only", "round", "man", "year", "came", "show", "every", "good",
    "me", "give", "our", "under", "name", "very", "through", "just", "form", "much", "great",
    "think", "say", "help", "low", "line", "before", "turn", "cause", "same", "mean", "differ",
    "move", "right", "boy", "old", "too", "does", "tell", "sentence", "set", "three", "want",
    "air", "well", "also", "play", "small", "end", "put", "home", "read", "hand", "port", "large",
    "spell", "add", "even", "land", "here", "must", "big", "high", "such", "follow", "act", "why",
    "ask", "men", "change", "went", "light", "kind", "off", "need", "house", "picture", "try",
    "us", "again", "animal", "point", "mother", "world", "near", "build", "self", "earth",
    "father", "head", "stand", "own", "page", "should", "country", "found", "answer", "school",
    "grow", "study", "still", "learn", "plant", "cover", "food", "sun", "four", "thought", "let",
    "keep", "eye", "never", "last", "door", "between", "city", "tree", "cross", "since", "hard",
    "start", "might", "story", "saw", "far", "sea", "draw", "left", "late", "run", "while",
    "press", "close", "night", "real", "life", "few", "stop", "open", "seem", "together", "next",
    "white", "children", "begin", "got", "walk", "example", "ease", "paper", "often", "always",
    "music", "those", "both", "mark", "book", "letter", "until", "mile", "river", "car", "feet",
    "care", "second", "group", "carry", "took", "rain", "eat", "room", "friend", "began", "idea",
    "fish", "mountain", "north", "once", "base", "hear", "horse", "cut", "sure", "watch", "color",
    "face", "wood", "main", "enough", "plain", "girl", "usual", "young", "ready", "above", "ever",
    "red", "list", "though", "feel", "talk", "bird", "soon", "body", "dog", "family", "direct",
    "pose", "leave", "song", "measure", "state", "product", "black", "short", "numeral", "class",
    "wind", "question", "happen", "complete", "ship", "area", "half", "rock", "order", "fire",
    "south", "problem", "piece", "told", "knew", "pass", "farm", "top", "whole", "king", "size",
    "heard", "best", "hour", "better", "true", "during", "hundred", "am", "remember", "step",
    "early", "hold", "west", "ground", "interest", "reach", "fast", "five", "sing", "listen",
    "six", "table", "travel", "less", "morning", "ten", "simple", "several", "vowel", "toward",
    "war", "lay", "against", "pattern", "slow", "center", "love", "person", "money", "serve",
    "appear", "road", "map", "science", "rule", "govern", "pull", "cold", "notice", "voice",
    "fall", "power", "town", "fine", "certain", "fly", "unit", "lead", "cry", "dark", "machine",
    "note", "wait", "plan", "figure", "star", "box", "noun", "field", "rest", "correct", "able",
    "pound", "done", "beauty", "drive", "stood", "contain", "front", "teach", "week", "final",
    "gave", "green", "oh", "quick", "develop", "sleep", "warm", "free", "minute", "strong",
    "special", "mind", "behind", "clear", "tail", "produce", "fact", "street", "inch", "lot",
    "nothing", "course", "stay", "wheel", "full", "force", "blue", "object", "decide", "surface",
    "deep", "moon", "island", "foot", "yet", "busy", "test", "record", "boat", "common", "gold",
    "possible", "plane", "age", "dry", "wonder", "laugh", "thousand", "ago", "ran", "check",
    "game", "shape", "yes", "cool", "miss", "brought", "heat", "snow", "bed", "bring", "sit",
    "perhaps", "fill", "east", "weight", "language", "among",
];

/// Occasional numbers, as prose has them (years, counts, versions).
const NUMBERS: &[&str] = &["2024", "12", "3.2", "1999", "40", "7", "15%", "10:30"];

const SENSITIVE: &[&str] = &[
    "card 4111 1111 1111 1111",
    "SSN 536-22-8726",
    "jane.doe@corp.example.org",
    "IBAN GB82 WEST 1234 5698 7654 32",
    "+1-415-555-2671",
    "from 203.0.113.42",
    "key AKIAZ5GMHYJ3KDLWQX4T",
    "NHS 943 476 5919",
];

pub fn prose(bytes: usize) -> Vec<u8> {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let mut s = String::with_capacity(bytes + 100);
    let mut words = 0;
    while s.len() < bytes {
        // About 1 word in 100 is a number.
        if r.next_u64().is_multiple_of(100) {
            s.push_str(r.pick(NUMBERS));
        } else {
            s.push_str(r.pick(WORDS));
        }
        words += 1;
        // roughly one sensitive value per 4 KB
        if r.next_u64().is_multiple_of(800) {
            s.push(' ');
            s.push_str(r.pick(SENSITIVE));
        }
        s.push_str(match words % 17 {
            0 => ".\n",
            8 => ", ",
            _ => " ",
        });
    }
    s.into_bytes()
}

pub fn csv(bytes: usize) -> Vec<u8> {
    let mut r = Rng(0x1234_5678_9abc_def1);
    let mut s = String::from("id,date,amount,quantity,account,order,phone,card\n");
    let mut id = 100_000u64;
    while s.len() < bytes {
        id += 1;
        let x = r.next_u64();
        let card = if x.is_multiple_of(50) {
            "4111111111111111".to_string()
        } else {
            format!("{:016}", x % 10_000_000_000_000_000)
        };
        s.push_str(&format!(
            "{id},2024-{:02}-{:02},{}.{:02},{},{:010},{:012},{}-{:03}-{:04},{card}\n",
            x % 12 + 1,
            x % 28 + 1,
            x % 100_000,
            x % 100,
            x % 1000,
            x % 10_000_000_000,
            x % 1_000_000_000_000,
            x % 800 + 200,
            x % 1000,
            x % 10_000,
        ));
    }
    s.into_bytes()
}

const FIRST: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Chris",
    "Karen",
    "Daniel",
    "Lisa",
    "Matthew",
    "Nancy",
    "Anthony",
    "Sandra",
    "Mark",
    "Ashley",
    "Paul",
    "Emily",
    "Steven",
    "Donna",
    "Andrew",
    "Michelle",
    "Joshua",
    "Carol",
    "Kevin",
    "Amanda",
];
const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
];
const DOMAINS: &[&str] = &[
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "icloud.com",
    "acme-corp.com",
    "globex.net",
    "initech.io",
    "umbrella.co.uk",
    "mail.de",
];
const CITIES: &[&str] = &[
    "Springfield",
    "Riverside",
    "Franklin",
    "Greenville",
    "Bristol",
    "Clinton",
    "Fairview",
    "Salem",
    "Madison",
    "Georgetown",
    "Arlington",
    "Ashland",
    "Dover",
    "Oxford",
    "Jackson",
];

/// Digits of `n` below `10^len`, zero-padded.
fn digits_of(r: &mut Rng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(b'0' + r.below(10) as u8))
        .collect()
}

/// The Luhn check digit that completes `body`.
fn luhn_complete(body: &str) -> String {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = u32::from(c - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// An IBAN of `cc` with a random BBAN of `len` digits and its check digits.
fn iban(r: &mut Rng, cc: &str, len: usize) -> String {
    let mut bban = digits_of(r, len);
    if cc == "ES" && bban.len() == 20 {
        // A Spanish account number's two check digits (CCC), which every
        // Spanish IBAN carries: bank and branch, then the account, each
        // weighted 1 2 4 8 5 10 9 7 3 6 mod 11.
        let check = |d: &str| {
            let w = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6];
            let x: u32 = d
                .bytes()
                .zip(w)
                .map(|(c, w)| u32::from(c - b'0') * w)
                .sum::<u32>()
                % 11;
            if x < 2 { x } else { 11 - x }
        };
        let first = check(&format!("00{}", &bban[..8]));
        let second = check(&bban[10..]);
        bban = format!("{}{first}{second}{}", &bban[..8], &bban[10..]);
    }
    if cc == "FR" && bban.len() == 23 {
        // The RIB key every French account carries: 97 − (89 × bank +
        // 15 × branch + 3 × account) mod 97.
        let n = |r: &str| r.parse::<u64>().unwrap_or(0);
        let key = 97 - (89 * n(&bban[..5]) + 15 * n(&bban[5..10]) + 3 * n(&bban[10..21])) % 97;
        bban = format!("{}{key:02}", &bban[..21]);
    }
    let mut rem = 0u64;
    let moved = format!("{bban}{cc}00");
    for c in moved.chars() {
        let v = c.to_digit(36).unwrap_or(0) as u64;
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    format!("{cc}{:02}{bban}", 98 - rem)
}

/// A customer table as a CRM or a shop exports it: every row a person
/// with an e-mail, a phone, a card, an IBAN and an SSN (a finding every
/// ~25 bytes), in the layouts such exports use.
pub fn customers(bytes: usize) -> Vec<u8> {
    let mut r = Rng(0x0dd_ba11_cafe_f00d);
    let mut s = String::from("id,first_name,last_name,email,phone,card_number,iban,ssn,city\n");
    let mut id = 1_000u64;
    while s.len() < bytes {
        id += 1;
        let first = r.pick(FIRST);
        let last = r.pick(LAST);
        let email = format!(
            "{}.{}{}@{}",
            first.to_ascii_lowercase(),
            last.to_ascii_lowercase(),
            r.below(100),
            r.pick(DOMAINS)
        );
        let (area, exch, line) = (200 + r.below(780), 200 + r.below(800), r.below(10_000));
        let area = if area % 100 == 11 { area + 1 } else { area };
        let phone = match r.below(3) {
            0 => format!("({area}) {exch}-{line:04}"),
            1 => format!("{area}-{exch}-{line:04}"),
            _ => format!("+1 {area} {exch} {line:04}"),
        };
        let card = match r.below(4) {
            0 => luhn_complete(&format!("4{}", digits_of(&mut r, 14))),
            1 => luhn_complete(&format!("5{}{}", 1 + r.below(5), digits_of(&mut r, 13))),
            2 => luhn_complete(&format!("37{}", digits_of(&mut r, 12))),
            _ => luhn_complete(&format!("6011{}", digits_of(&mut r, 11))),
        };
        let card = if r.below(2) == 0 && card.len() == 16 {
            format!(
                "{} {} {} {}",
                &card[..4],
                &card[4..8],
                &card[8..12],
                &card[12..]
            )
        } else {
            card
        };
        let iban = match r.below(3) {
            0 => iban(&mut r, "DE", 18),
            1 => iban(&mut r, "FR", 23),
            _ => iban(&mut r, "ES", 20),
        };
        let ssn = format!(
            "{:03}-{:02}-{:04}",
            1 + r.below(665),
            1 + r.below(99),
            1 + r.below(9999)
        );
        s.push_str(&format!(
            "{id},{first},{last},{email},{phone},{card},{iban},{ssn},{}\n",
            r.pick(CITIES)
        ));
    }
    s.into_bytes()
}
