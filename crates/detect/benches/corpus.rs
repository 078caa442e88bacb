//! Deterministic generated corpora shared by the bench and the throughput example.

#![allow(dead_code)]

/// Tiny deterministic PRNG so the corpus is the same on every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "that",
    "for",
    "it",
    "as",
    "was",
    "with",
    "be",
    "by",
    "on",
    "not",
    "he",
    "this",
    "are",
    "or",
    "his",
    "from",
    "at",
    "which",
    "but",
    "have",
    "an",
    "had",
    "they",
    "you",
    "were",
    "their",
    "one",
    "all",
    "we",
    "can",
    "her",
    "has",
    "there",
    "been",
    "if",
    "more",
    "when",
    "will",
    "would",
    "who",
    "so",
    "no",
    "software",
    "license",
    "distribution",
    "permission",
    "warranty",
    "merchantability",
    "copyright",
    "provided",
    "conditions",
    "following",
    "document",
    "quarterly",
    "report",
    "customer",
    "account",
    "payment",
    "number",
    "contact",
    "please",
    "secretary",
    "tokenizer",
    "passage",
    "internal",
    "Monday",
    "2024",
    "version",
    "3.2",
    "section",
    "12",
    "page",
    "We",
    "They",
    "However,",
];

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
        s.push_str(r.pick(WORDS));
        words += 1;
        // roughly one sensitive value per 4 KB
        if r.next() % 700 == 0 {
            s.push(' ');
            s.push_str(r.pick(SENSITIVE));
        }
        s.push(if words % 14 == 0 { '\n' } else { ' ' });
    }
    s.into_bytes()
}

pub fn csv(bytes: usize) -> Vec<u8> {
    let mut r = Rng(0x1234_5678_9abc_def1);
    let mut s = String::from("id,date,amount,quantity,account,order,phone,card\n");
    let mut id = 100_000u64;
    while s.len() < bytes {
        id += 1;
        let x = r.next();
        let card = if x % 50 == 0 {
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
