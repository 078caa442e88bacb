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
