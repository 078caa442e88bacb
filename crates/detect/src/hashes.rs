//! Password hashes in the modular crypt format (`$id$…`), as `/etc/shadow`,
//! `.htpasswd` files and database dumps hold them: bcrypt (`$2a$`, `$2b$`,
//! `$2x$`, `$2y$`), SHA-crypt (`$5$`, `$6$`), MD5-crypt (`$1$`, Apache's
//! `$apr1$`), yescrypt (`$y$`), Argon2 (`$argon2id$`, `$argon2i$`,
//! `$argon2d$`), Cisco IOS's types 8 and 9 (`$8$`, `$9$`), the portable
//! PHP hashes of WordPress and phpBB (`$P$`, `$H$`) and Drupal 7's (`$S$`);
//! Django's (`pbkdf2_sha256$<iterations>$…`); and the Kerberos hashes that
//! AS-REP roasting and Kerberoasting print for cracking
//! (`$krb5asrep$23$…`, `$krb5tgs$23$…`). A hash is not the
//! password, but whoever holds it can try passwords against it offline: a
//! leaked one is credential material.
//!
//! No anchor of its own: every scheme's id, or the word after it, is a
//! word with a digit (`2y`, `apr1`, `argon2id`, yescrypt's `j9T`) or a
//! number (`1`, `5`, `6`) between two `$`, which the numeric walk already
//! stops at; it calls [`at_dollar_word`] there. Each scheme's layout is
//! checked whole: the cost, the salt's and the hash's alphabets and exact
//! lengths.

use crate::builtin::D;
use crate::kit::{Sink, at, before, is_word};
use crate::model::Confidence::Medium;

/// crypt(3)'s base-64 alphabet: `./0-9A-Za-z`.
fn c64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'.' || c == b'/'
}

/// Standard base64 without padding, as Argon2's PHC strings write it.
fn b64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'+' || c == b'/'
}

fn count(t: &[u8], i: usize, max: usize, f: fn(u8) -> bool) -> usize {
    t.get(i..)
        .map_or(0, |r| r.iter().take(max + 1).take_while(|&&c| f(c)).count())
}

fn digits(t: &[u8], i: usize) -> usize {
    count(t, i, 10, |c| c.is_ascii_digit())
}

/// The end of a modular-crypt password hash whose first `$` is at `s`, if
/// a whole one starts there and nothing of its alphabet runs on after it.
pub(crate) fn modular_crypt(t: &[u8], s: usize) -> Option<usize> {
    let rest = t.get(s..)?;
    let id_end = s + 1 + rest.get(1..)?.iter().position(|&c| c == b'$')?;
    let id = t.get(s + 1..id_end)?;
    let p = id_end + 1;
    let end = match id {
        b"2a" | b"2b" | b"2x" | b"2y" => {
            // Two-digit cost 04-31, then salt and hash: 53 characters.
            let cost = t.get(p..p + 2)?;
            let c = cost.iter().try_fold(0u32, |v, &d| {
                d.is_ascii_digit().then(|| v * 10 + u32::from(d - b'0'))
            })?;
            if !(4..=31).contains(&c) || at(t, p + 2) != b'$' {
                return None;
            }
            (count(t, p + 3, 53, c64) >= 53).then_some(p + 3 + 53)?
        }
        b"1" | b"apr1" => salt_then(t, p, 8, 22)?,
        // Cisco IOS type 8 (PBKDF2-SHA256) and type 9 (scrypt): a
        // 14-character salt and a 43-character hash.
        b"8" | b"9" => {
            let salt = count(t, p, 14, c64);
            if salt != 14 || at(t, p + 14) != b'$' {
                return None;
            }
            (count(t, p + 15, 43, c64) >= 43).then_some(p + 15 + 43)?
        }
        b"krb5asrep" | b"krb5tgs" => kerberos(t, p)?,
        b"5" | b"6" => {
            let q = optional_param(t, p, b"rounds=")?;
            salt_then(t, q, 16, if id == b"5" { 43 } else { 86 })?
        }
        b"y" => {
            // Parameters, salt, then a 43-character hash.
            let n = count(t, p, 16, c64);
            if n == 0 || at(t, p + n) != b'$' {
                return None;
            }
            salt_then(t, p + n + 1, 86, 43)?
        }
        b"argon2id" | b"argon2i" | b"argon2d" => {
            let q = optional_param(t, p, b"v=")?;
            let q = param(t, q, b"m=", b',')?;
            let q = param(t, q, b"t=", b',')?;
            let q = param(t, q, b"p=", b'$')?;
            let salt = count(t, q, 64, b64);
            if !(8..=64).contains(&salt) || at(t, q + salt) != b'$' {
                return None;
            }
            let h = count(t, q + salt + 1, 128, b64);
            if !(16..=128).contains(&h) {
                return None;
            }
            q + salt + 1 + h
        }
        _ => return None,
    };
    // Nothing of the alphabets runs on: the hash is whole (a full stop
    // ends a sentence, not the hash, when no hash character follows it).
    let nx = at(t, end);
    let runs_on = nx.is_ascii_alphanumeric()
        || matches!(nx, b'/' | b'+' | b'=')
        || nx == b'.' && c64(at(t, end + 1));
    (!runs_on).then_some(end)
}

/// Most bytes of a Kerberos hash's principal and service names.
const KRB_NAMES: usize = 512;

/// The rest of a Kerberos hash as hashcat and John the Ripper write one
/// (what Impacket's `GetNPUsers.py` and `GetUserSPNs.py` print: AS-REP
/// roasting, modes 18200 and 32100; Kerberoasting, 13100, 19600 and
/// 19700), from `p` after `$krb5asrep$` or `$krb5tgs$`: the encryption
/// type (17, 18 or 23) and `$`; optionally the user, realm and service
/// (`user@REALM:`, `*user$REALM$spn*$`, `user$REALM$`); the checksum of
/// 12 or 16 bytes in hex; `$`; and the encrypted part, 32 bytes or more
/// in hex. Its end.
fn kerberos(t: &[u8], p: usize) -> Option<usize> {
    let etype = digits(t, p);
    if !matches!(t.get(p..p + etype)?, b"17" | b"18" | b"23") || at(t, p + etype) != b'$' {
        return None;
    }
    let names = p + etype + 1;
    let hex = |i: usize, max: usize| count(t, i, max, |c| c.is_ascii_hexdigit());
    let mut i = names;
    while i <= names + KRB_NAMES {
        let c = at(t, i);
        if c <= b' ' || matches!(c, b'"' | b'\'' | b'<' | b'>') {
            return None;
        }
        if i == names || matches!(at(t, i - 1), b'$' | b':') {
            let sum = hex(i, 33);
            if matches!(sum, 24 | 32) && at(t, i + sum) == b'$' {
                let body = hex(i + sum + 1, 1 << 16);
                if body >= 64 && body % 2 == 0 {
                    return Some(i + sum + 1 + body);
                }
            }
        }
        i += 1;
    }
    None
}

/// `key`, digits and `sep` at `q` (`m=65536,`, `rounds=5000$`): where
/// what follows starts.
fn param(t: &[u8], q: usize, key: &[u8], sep: u8) -> Option<usize> {
    let v = q + key.len();
    let n = digits(t, v);
    (t.get(q..v) == Some(key) && n > 0 && at(t, v + n) == sep).then_some(v + n + 1)
}

/// [`param`] ending in `$` if `key` is at `q`; `q` if it is not.
fn optional_param(t: &[u8], q: usize, key: &[u8]) -> Option<usize> {
    if t.get(q..q + key.len()) == Some(key) {
        param(t, q, key, b'$')
    } else {
        Some(q)
    }
}

/// A salt of 1 to `max_salt` characters, `$`, and a hash of `hash`
/// characters from `i` (what follows is checked by the caller): the
/// hash's end.
fn salt_then(t: &[u8], i: usize, max_salt: usize, hash: usize) -> Option<usize> {
    let salt = count(t, i, max_salt, c64);
    if salt == 0 || salt > max_salt || at(t, i + salt) != b'$' {
        return None;
    }
    let h = i + salt + 1;
    (count(t, h, hash, c64) >= hash).then_some(h + hash)
}

/// Called for a word or number `t[ws..]` between two `$` (`$2y$`, `$6$`,
/// `$apr1$`, yescrypt's `$y$j9T$`): reports the hash that starts at the
/// `$` before it, or at yescrypt's `$y$`.
#[cold]
#[inline(never)]
pub(crate) fn at_dollar_word(sk: &mut Sink<'_>, ws: usize) {
    if !sk.on(D::PasswordHash) || ws == 0 {
        return;
    }
    let t = sk.t;
    // Django's `pbkdf2_sha256$<iterations>$…`: a name, not a `$`, first.
    if let Some(name) = DJANGO.iter().find(|n| {
        ws > n.len() && t.get(ws - 1 - n.len()..ws - 1) == Some(n) && at(t, ws - 1) == b'$'
    }) {
        let s = ws - 1 - name.len();
        if !is_word(before(t, s))
            && let Some(e) = django(t, ws, name)
        {
            emit(sk, s, e);
        }
        return;
    }
    let s = if ws >= 3 && t.get(ws - 3..ws) == Some(&b"$y$"[..]) {
        ws - 3
    } else {
        ws - 1
    };
    // Not the tail of a longer word (`abc$2y$…` is a Perl or PHP string).
    if s > 0 && c64(at(t, s - 1)) {
        return;
    }
    let Some(e) = modular_crypt(t, s) else { return };
    emit(sk, s, e);
}

/// Reports the hash at `s..e` unless it is a placeholder: its last
/// characters all the same (`$2y$10$xxxxxxxx…`) or a documented value.
fn emit(sk: &mut Sink<'_>, s: usize, e: usize) {
    let body = sk.t.get(s..e).unwrap_or_default();
    let tail = body
        .get(body.len().saturating_sub(22)..)
        .unwrap_or_default();
    if tail.iter().all(|&c| Some(&c) == tail.first()) || crate::placeholder::documented(body) {
        return;
    }
    sk.emit_fixed(D::PasswordHash, s, e, Medium);
}

/// Called for a word after `$P$`, `$H$` or `$S$` (the word starts at `ws`):
/// a portable PHP hash (phpass: WordPress's and phpBB's `user_pass`, 34
/// characters) or Drupal 7's SHA-512 one (55): the cost's character, an
/// 8-character salt and the hash, all of crypt's base-64 alphabet.
#[cold]
#[inline(never)]
pub(crate) fn phpass(sk: &mut Sink<'_>, ws: usize) {
    if !sk.on(D::PasswordHash) || ws < 3 {
        return;
    }
    let t = sk.t;
    let s = ws - 3;
    let body = match t.get(s..ws) {
        Some(b"$P$" | b"$H$") => 31,
        Some(b"$S$") => 52,
        _ => return,
    };
    if (s > 0 && c64(at(t, s - 1))) || count(t, ws, body, c64) != body {
        return;
    }
    let e = ws + body;
    let nx = at(t, e);
    if nx.is_ascii_alphanumeric()
        || matches!(nx, b'/' | b'+' | b'=')
        || nx == b'.' && c64(at(t, e + 1))
    {
        return;
    }
    emit(sk, s, e);
}

/// The password hashers of Django whose hashes read `<name>$<iterations>$…`.
const DJANGO: &[&[u8]] = &[b"pbkdf2_sha256", b"pbkdf2_sha1"];

/// The end of Django's PBKDF2 hash whose iterations start at `i` (after
/// `name$`): the iterations, `$`, a salt of letters and digits, `$`, and
/// the derived key in base64 (32 bytes for SHA-256, 20 for SHA-1).
fn django(t: &[u8], i: usize, name: &[u8]) -> Option<usize> {
    let n = digits(t, i);
    if !(3..=8).contains(&n) || at(t, i + n) != b'$' {
        return None;
    }
    let salt = i + n + 1;
    let sl = count(t, salt, 64, |c| c.is_ascii_alphanumeric());
    if !(8..=64).contains(&sl) || at(t, salt + sl) != b'$' {
        return None;
    }
    let h = salt + sl + 1;
    let len = if name == b"pbkdf2_sha256" { 44 } else { 28 };
    let body = count(t, h, len, b64);
    let e = h + len;
    (body == len - 1 && at(t, e - 1) == b'=' && !b64(at(t, e)) && at(t, e) != b'=').then_some(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_hashes_of_every_scheme_are_read() {
        let ok: &[&str] = &[
            "$2y$12$s.YfVZdfvAuO/Iz6fte5iO..ZbbEgreZnDcYOGvX4NGJskYQIstcG",
            "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
            "$1$O3JMY.Tw$AdLnLjQ/5jXF9.MTp3gHv/",
            "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/",
            "$5$rounds=5000$toolongsaltstrin$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5",
            "$6$rounds=10000$saltsaltsaltsalt$P9hmBCJ4rJx6yNTMDPO8DsoyIbmh9tAZIvHrKeGAhHWMYUvuTRW.fD23gaf4bEKq5Vqa4HgACF82dfnw4d0cf.",
            "$6$salt$IxDD3jeSOb5eB1CX5LBsqZFVkJdido3OUILO5Ifz5iwMuTS4XMS130MTSuDDl3aCI6WouIL9AjRbLCelDCy.g.",
            "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7",
            "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
            "$8$dHm47Ai5P29rp6$S9q5DQ5m4Q3FZpGDbLBMjA65OzqcvuiaTLT8azftY7D",
            "$9$pJfHyp37cfgzu6$9Ww65btYlg0vhJCz5PYETmmz8JtnXFrXphkRH8KHRR/",
            "$krb5asrep$23$jdoe@CORP.EXAMPLE:f58904dba41ecccc3fc1626e53a13043$b026c48bbf33feff9243a8f506b40928b5b7a767c76fb008f86bebb2737f6a6f0fb23c6f5da2cec255404e4fb440034d6608697a8d41bed440e50454f31af3176813e02ea68ef786e4d3cea27d26934b484e73cf575dcad6ba2b",
            "$krb5asrep$23$f58904dba41ecccc3fc1626e53a13043$b026c48bbf33feff9243a8f506b40928b5b7a767c76fb008f86bebb2737f6a6f0fb23c6f5da2cec255",
            "$krb5tgs$23$*svc_sql$CORP.EXAMPLE$MSSQLSvc/db01.corp.example:1433*$0aee0ca923732881584d8c4fa2815d28$02827283e0ad84173581569969e58b081006f7e3dfc967a64cb14028d512c9791e558e08baa7196b50ac2f86702824c1c099724caf4941d4072014b3ce107f80e222f828767efc2f91624a8940f1f836f99eee3692f09e2e8c662248b483b7ffc050fec9",
            "$krb5tgs$18$svc_web$CORP.EXAMPLE$*HTTP/web01*$4dbca3a0aac36098b2cc2bd8$18319478da6bd0c621de49f145fda9988c79fc35526f7eaed46725a2a7b860dcd6c8a1f8b46287cced9041dff02cee737443e210471948d33296c87009e8a7f770d9106fd287db7f1adbc60926f6967e",
        ];
        for h in ok {
            assert_eq!(modular_crypt(h.as_bytes(), 0), Some(h.len()), "{h}");
            let line = format!("root:{h}:19000:0:99999:7:::");
            assert_eq!(
                modular_crypt(line.as_bytes(), 5),
                Some(5 + h.len()),
                "{line}"
            );
        }
    }

    #[test]
    fn cut_or_overlong_hashes_and_other_dollar_strings_are_not() {
        let bad: &[&str] = &[
            "$2y$12$s.YfVZdfvAuO/Iz6fte5iO..ZbbEgreZnDcYOGvX4NGJskYQIstc", // 52
            "$2y$12$s.YfVZdfvAuO/Iz6fte5iO..ZbbEgreZnDcYOGvX4NGJskYQIstcGx", // 54
            "$2y$99$s.YfVZdfvAuO/Iz6fte5iO..ZbbEgreZnDcYOGvX4NGJskYQIstcG", // cost
            "$1$O3JMY.Tw$AdLnLjQ/5jXF9.MTp3gHv",                           // 21
            "$6$salt$short",
            "$5$rounds=$salt$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5",
            "$argon2id$v=19$m=65536$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
            "$3$abc$def",
            "$PATH$HOME",
            "$8$dHm47Ai5P29rp$S9q5DQ5m4Q3FZpGDbLBMjA65OzqcvuiaTLT8azftY7D", // 13-character salt
            "$9$pJfHyp37cfgzu6$9Ww65btYlg0vhJCz5PYETmmz8JtnXFrXphkRH8KHRR", // 42
            "$krb5asrep$23$f58904dba41ecccc3fc1626e53a1304$b026c48bbf33feff9243a8f506b40928b5b7a767c76fb008f86bebb2737f6a6f0fb23c6f5", // 31-digit checksum
            "$krb5asrep$24$f58904dba41ecccc3fc1626e53a13043$b026c48bbf33feff9243a8f506b40928b5b7a767c76fb008f86bebb2737f6a6f0fb23c6f5da2cec255", // type 24
            "$krb5tgs$23$f58904dba41ecccc3fc1626e53a13043$b026c48bbf33", // 6 bytes
            "$krb5tgs$23$*user realm*$f58904dba41ecccc3fc1626e53a13043$b026c48bbf33feff9243a8f506b40928b5b7a767c76fb008f86bebb2737f6a6f0fb23c6f5da2cec255", // a blank
        ];
        for h in bad {
            assert_eq!(modular_crypt(h.as_bytes(), 0), None, "{h}");
        }
    }
}
