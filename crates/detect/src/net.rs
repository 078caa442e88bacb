//! E-mail, IPv6 and MAC address detectors, keyed on `@` and `:`.

use crate::builtin::D;
use crate::kit::{Adj, PLAIN, Sink, at, before};
use crate::model::Confidence::{Low, Medium};

/// Byte classes of an e-mail address, a table lookup each: the address
/// walks run over every byte of an address on every row of a customer
/// table, where a chain of range compares per byte cost a third of the
/// e-mail detector.
const LOCAL: u8 = 1;
const LABEL: u8 = 2;

#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time with `i < 256`: an index out of range would fail the build"
)]
static CLASS: [u8; 256] = {
    let mut a = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        if c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-') {
            a[i] |= LOCAL;
        }
        if c.is_ascii_alphanumeric() || c == b'-' {
            a[i] |= LABEL;
        }
        i += 1;
    }
    a
};

/// A byte of an address's local part: `[A-Za-z0-9._%+-]`.
#[inline(always)]
fn local_char(c: u8) -> bool {
    CLASS.get(usize::from(c)).is_some_and(|&k| k & LOCAL != 0)
}

/// A byte of a domain label: `[A-Za-z0-9-]`.
#[inline(always)]
fn label_char(c: u8) -> bool {
    CLASS.get(usize::from(c)).is_some_and(|&k| k & LABEL != 0)
}

/// Reserved and documentation domains (RFC 2606, RFC 6761).
pub(crate) fn example_domain(d: &[u8]) -> bool {
    // Compared in place, case-insensitively: a lower-case copy was an
    // allocation per e-mail address.
    let ends = |s: &[u8]| {
        d.len() >= s.len()
            && d.get(d.len() - s.len()..)
                .is_some_and(|tail| tail.eq_ignore_ascii_case(s))
    };
    let is = |s: &[u8]| d.eq_ignore_ascii_case(s);
    is(b"example.com")
        || is(b"example.org")
        || is(b"example.net")
        || ends(b".example.com")
        || ends(b".example.org")
        || ends(b".example.net")
        || ends(b".example")
        || ends(b".test")
        || ends(b".invalid")
        || ends(b".localhost")
        || is(b"localhost")
}

/// True if `tld`, an address's last label of ASCII letters, is a
/// top-level domain of the root zone (the Public Suffix List's ICANN
/// section, compiled into the `psl` crate) or one that networks use
/// inside (`local`, `lan`, `internal`, `corp`, `home`, `intranet`,
/// `private`). Otherwise the address is no one's mailbox: a systemd
/// unit (`getty@tty2.service`), a gettext variant (`en@boldquot.header`),
/// a string read out of compiled code (`donald@stufft.ioz`). A label
/// with other characters (an internationalised TLD) is taken as one.
pub(crate) fn delegated_tld(tld: &[u8]) -> bool {
    // Most addresses end so: asked before a copy and the list's walk.
    if matches!(
        tld,
        b"com" | b"org" | b"net" | b"de" | b"uk" | b"edu" | b"io"
    ) {
        return true;
    }
    let mut low = [0u8; 24];
    let Some(l) = low.get_mut(..tld.len()) else {
        return true;
    };
    if !tld.iter().all(u8::is_ascii_alphabetic) {
        return true;
    }
    l.copy_from_slice(tld);
    l.make_ascii_lowercase();
    let l: &[u8] = l;
    matches!(
        l,
        b"local" | b"lan" | b"internal" | b"corp" | b"home" | b"intranet" | b"private"
    ) || psl::suffix(l).is_some_and(|s| s.typ() == Some(psl::Type::Icann))
}

/// True if `s` (the bytes before an e-mail's local part) holds a `:`.
/// On x86_64 sixteen bytes a step by one SSE2 mask, inline: the 64 bytes
/// before every address of a customer table were a `memrchr` call each.
#[inline]
fn has_colon(s: &[u8]) -> bool {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        let mut blocks = s.chunks_exact(16);
        for w in &mut blocks {
            // SAFETY: `eq3_mask16` needs only SSE2, which this build
            // enables for every function (the `cfg` above: it is part of
            // the x86_64 baseline), so the CPU running this code has it.
            // Its body reads `w` through safe slice accesses only.
            #[allow(
                unsafe_code,
                reason = "SSE2 is enabled for the whole build (see SAFETY)"
            )]
            let m = unsafe { crate::fastscan::sse2::eq3_mask16(w, b':', b':', b':') };
            if m != 0 {
                return true;
            }
        }
        blocks.remainder().contains(&b':')
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        memchr::memchr(b':', s).is_some()
    }
}

/// How far back an e-mail's local part may be inside URL userinfo.
const LOOKBACK_URL: usize = 64;

/// Start of the run of local-part characters that ends at `p`, walked
/// back at most 65 bytes (one more than a local part may have, so a
/// longer run is seen as such). An iterator over those bytes rather than
/// an indexed loop: no bounds check and one exit test a byte (every row
/// of a customer table has an address).
#[inline]
fn local_start(t: &[u8], p: usize) -> usize {
    let lo = p.saturating_sub(65);
    let mut s = t.get(lo..p).map_or(p, |w| {
        p - w.iter().rev().take_while(|&&c| local_char(c)).count()
    });
    // Internationalised addresses (RFC 6531): Latin, Greek and Cyrillic
    // letters (`josé@…`, `иван@…`), out of line of the ASCII walk; and an
    // apostrophe inside a name (`mary.o'brien@…`, RFC 5322's atext), only
    // between two letters or digits, so a quote before an address
    // (`'joe@…'`) stays out.
    loop {
        let n = letter_before(t, s);
        let step = if n > 0 && s >= lo + n {
            n
        } else if s >= lo + 2
            && at(t, s - 1) == b'\''
            && at(t, s - 2).is_ascii_alphanumeric()
            && at(t, s).is_ascii_alphanumeric()
        {
            1
        } else {
            break;
        };
        s -= step;
        s -= t.get(lo..s).map_or(0, |w| {
            w.iter().rev().take_while(|&&c| local_char(c)).count()
        });
    }
    s
}

/// The character whose UTF-8 form of two or three bytes starts at `t[i]`,
/// and its length.
fn char_at(t: &[u8], i: usize) -> Option<(char, usize)> {
    let n = match at(t, i) {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => return None,
    };
    let c = std::str::from_utf8(t.get(i..i + n)?).ok()?.chars().next()?;
    Some((c, n))
}

/// The character of two or three bytes that ends right before `t[i]`.
fn char_before(t: &[u8], i: usize) -> Option<(char, usize)> {
    [2, 3].into_iter().find_map(|n| {
        let s = i.checked_sub(n)?;
        char_at(t, s).filter(|&(_, m)| m == n)
    })
}

/// Han, kana and hangul: scripts written without spaces, whose words an
/// address's domain may hold (RFC 6531) only where a label byte or a dot
/// follows them (see [`letter_at`]): `…@example.cn请联系` ends at `cn`.
fn cjk(c: char) -> bool {
    matches!(u32::from(c), 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF)
}

/// A letter, digit or combining mark from U+00C0 on of a script that
/// separates words with spaces (Latin, Greek, Cyrillic, Armenian, Hebrew,
/// Arabic, the Indic scripts, Thai …; not `×` or `÷`), as an
/// internationalised address (RFC 6531) holds them: `josé`, `иван`,
/// `أحمد`, `उपयोगकर्ता` (whose virama is a mark, not a letter).
fn spaced_letter(c: char) -> bool {
    let u = u32::from(c);
    u >= 0xC0
        && u != 0xD7
        && u != 0xF7
        && !cjk(c)
        && (c.is_alphanumeric()
            || matches!(
                u,
                0x0300..=0x036F
                    | 0x0483..=0x0489
                    | 0x0591..=0x05C7
                    | 0x0610..=0x061A
                    | 0x064B..=0x065F
                    | 0x0670
                    | 0x06D6..=0x06ED
                    | 0x0900..=0x0963
                    | 0x0966..=0x0DFF
                    | 0x0E31..=0x0E3A
                    | 0x0E47..=0x0E4E
            ))
}

/// Bytes of the internationalised letter that ends right before `t[i]`
/// and belongs to a local part (0: none): a letter of a spaced script
/// only. A CJK character is not walked over: glued to ASCII it is as
/// often the sentence before the address (`Email地址是wang.wei@…`) as
/// part of it.
fn letter_before(t: &[u8], i: usize) -> usize {
    match char_before(t, i) {
        Some((c, n)) if spaced_letter(c) => n,
        _ => 0,
    }
}

/// Bytes of the internationalised letters from `t[i]` that belong to a
/// domain label (0: none): one letter of a spaced script, or a run of
/// CJK characters followed by a label byte or a `.` (`m端ller.com`, `例子
/// .jp`; not `…example.cn请联系` read on into the sentence).
fn letter_at(t: &[u8], i: usize) -> usize {
    match char_at(t, i) {
        Some((c, n)) if spaced_letter(c) => n,
        Some((c, _)) if cjk(c) => {
            let mut k = i;
            while let Some((_, m)) = char_at(t, k).filter(|&(c, _)| cjk(c)) {
                k += m;
            }
            let next = at(t, k);
            if label_char(next) || next == b'.' {
                k - i
            } else {
                0
            }
        }
        _ => 0,
    }
}

/// End of the run of domain-label characters starting at `i` (an
/// internationalised label's letters too: `müller.de`, `пример.рф`).
#[inline]
fn label_end(t: &[u8], i: usize) -> usize {
    let mut e = i + t
        .get(i..)
        .map_or(0, |r| r.iter().take_while(|&&c| label_char(c)).count());
    loop {
        let n = letter_at(t, e);
        if n == 0 {
            break;
        }
        e += n;
        e += t
            .get(e..)
            .map_or(0, |r| r.iter().take_while(|&&c| label_char(c)).count());
    }
    e
}

pub(crate) fn at_sign(sk: &mut Sink<'_>, p: usize) {
    if !sk.on(D::Email) {
        return;
    }
    let t = sk.t;
    // Local part, backwards (at most 64 characters): a quoted string
    // (`"joe smith"@…`) or a dot-atom.
    let s = if at(t, p.wrapping_sub(1)) == b'"' {
        match quoted_start(t, p - 1) {
            Some(s) => s,
            None => return,
        }
    } else {
        let mut s = local_start(t, p);
        if p - s > 64 {
            return;
        }
        while s < p && matches!(at(t, s), b'.' | b'-' | b'+') {
            s += 1;
        }
        if s == p || at(t, p - 1) == b'.' {
            return;
        }
        s
    };
    // "https://user@host" and "https://user:pass@host" are URL userinfo
    // (url_password covers the password), not addresses.
    let lo = s.saturating_sub(LOOKBACK_URL);
    let back = t.get(lo..s).unwrap_or_default();
    // Without a `:` before it (nearly every address), no scheme: the
    // byte-by-byte look back for one is skipped.
    if has_colon(back) {
        let since_break = back
            .iter()
            .rposition(|&c| c.is_ascii_whitespace() || c == b'/' || c == b'\'' || c == b'"')
            .map_or(0, |p| p + 1);
        let in_userinfo =
            since_break >= 3 && back.get(since_break - 3..since_break) == Some(&b"://"[..]);
        if in_userinfo {
            return;
        }
    }
    // A domain literal, `joe@[192.0.2.1]` or `joe@[IPv6:2001:db8::1]`
    // (RFC 5321 4.1.3).
    if at(t, p + 1) == b'[' {
        if let Some(end) = domain_literal(t, p + 2) {
            sk.emit(D::Email, s, end, Medium, PLAIN);
        }
        return;
    }
    // Domain: labels of [A-Za-z0-9-], dot-separated, alphabetic TLD (or
    // an internationalised one in its ASCII form, `xn--p1ai`).
    let mut i = p + 1;
    let mut labels = 0;
    let mut last_start = i;
    let mut end = p + 1;
    // A dot written out to keep the address from harvesters
    // (`john.doe@acme[DOT]com`, `jane@corp (dot) org`).
    let mut obfuscated = false;
    loop {
        let ls = i;
        i = label_end(t, i);
        let ll = i - ls;
        if ll == 0 || ll > 63 || at(t, ls) == b'-' || at(t, i - 1) == b'-' {
            break;
        }
        labels += 1;
        last_start = ls;
        end = i;
        if at(t, i) == b'.' && (at(t, i + 1).is_ascii_alphanumeric() || letter_at(t, i + 1) > 0) {
            i += 1;
        } else if let Some(n) = written_dot(t, i) {
            obfuscated = true;
            i += n;
        } else {
            break;
        }
    }
    if labels < 2 || end - p > 255 {
        return;
    }
    let tld = t.get(last_start..end).unwrap_or_default();
    // Two characters or more (`.क` is one character of three bytes).
    let chars = tld.iter().filter(|&&c| c & 0xC0 != 0x80).count();
    let alphabetic =
        (2..=24).contains(&chars) && tld.iter().all(|c| c.is_ascii_alphabetic() || *c >= 0x80);
    let punycode = tld.len() > 4
        && tld
            .get(..4)
            .is_some_and(|x| x.eq_ignore_ascii_case(b"xn--"))
        && tld.iter().skip(4).all(u8::is_ascii_alphanumeric);
    if !alphabetic && !punycode {
        return;
    }
    let nx = at(t, end);
    if nx == b'_' || nx == b'@' {
        return;
    }
    let domain = t.get(p + 1..end).unwrap_or_default();
    if obfuscated {
        written_out(sk, s, p, end);
        return;
    }
    if (p - s == 36 || before(t, s) == b'<') && message_id(t, s, p)
        || at(t, p + 1).is_ascii_digit() && retina_asset(domain)
    {
        return;
    }
    // An unknown top-level domain is no mailbox even after an e-mail
    // word (`my email is none@none.cob`): `low` whatever stands near.
    let delegated = delegated_tld(tld);
    let nonvalue = example_domain(domain) || !delegated;
    sk.emit(
        D::Email,
        s,
        end,
        if delegated { Medium } else { Low },
        Adj {
            need_ctx: false,
            nonvalue,
        },
    );
}

/// Length of a dot written out between two labels of a domain at `t[i..]`
/// (`[dot]`, `(dot)`, `{dot}`, `<dot>`, each with or without a space on
/// both sides, or ` dot `; any case), if a label starts after it.
fn written_dot(t: &[u8], i: usize) -> Option<usize> {
    let spaced = at(t, i) == b' ';
    let k = i + usize::from(spaced);
    let open = at(t, k);
    let close = match open {
        b'[' => b']',
        b'(' => b')',
        b'{' => b'}',
        b'<' => b'>',
        b'd' | b'D' if spaced => b' ',
        _ => return None,
    };
    let word = if close == b' ' { k } else { k + 1 };
    if !t.get(word..word + 3)?.eq_ignore_ascii_case(b"dot") {
        return None;
    }
    let mut e = word + 3;
    // The closing bracket, then the space opened with (the bare `dot`
    // is always spaced).
    if close != b' ' {
        if at(t, e) != close {
            return None;
        }
        e += 1;
    }
    if spaced {
        if at(t, e) != b' ' {
            return None;
        }
        e += 1;
    }
    at(t, e).is_ascii_alphanumeric().then_some(e - i)
}

/// An address whose dots are written out (`john.doe@acme[DOT]com`): it is
/// someone's, hidden from harvesters, so reported `low` (a word such as
/// `Email:` raises it); the example domains are no one's.
#[cold]
#[inline(never)]
fn written_out(sk: &mut Sink<'_>, s: usize, p: usize, end: usize) {
    let t = sk.t;
    let mut domain = Vec::with_capacity(end - p);
    let mut i = p + 1;
    while i < end {
        if let Some(n) = written_dot(t, i) {
            domain.push(b'.');
            i += n;
        } else {
            domain.push(at(t, i));
            i += 1;
        }
    }
    sk.emit(
        D::Email,
        s,
        end,
        Low,
        Adj {
            need_ctx: false,
            nonvalue: example_domain(&domain),
        },
    );
}

/// True if the `local@…` at `s` (its `@` at `p`) names a message, not a
/// mailbox: a UUID before the `@` (`<ee813415-b2dd-4f71-9c99-f2d98e7cef0b@
/// mail.example.net>`), or `<…>` on a `Message-ID:`, `In-Reply-To:`,
/// `References:` or `Content-ID:` header line.
#[cold]
#[inline(never)]
fn message_id(t: &[u8], s: usize, p: usize) -> bool {
    let local = t.get(s..p).unwrap_or_default();
    let uuid = local.len() == 36
        && local.iter().enumerate().all(|(k, &c)| {
            if matches!(k, 8 | 13 | 18 | 23) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    if uuid {
        return true;
    }
    let line = crate::kit::line_before(t, s, 512);
    [
        &b"message-id:"[..],
        b"in-reply-to:",
        b"references:",
        b"content-id:",
    ]
    .iter()
    .any(|h| {
        line.get(..h.len())
            .is_some_and(|l| l.eq_ignore_ascii_case(h))
    })
}

/// True if a domain is an image's density suffix and file type
/// (`logo@2x.png`, `icon@3x.webp`: high-resolution assets are named so).
fn retina_asset(domain: &[u8]) -> bool {
    let Some(dot) = domain.iter().position(|&c| c == b'.') else {
        return false;
    };
    let (first, ext) = (
        domain.get(..dot).unwrap_or_default(),
        domain.get(dot + 1..).unwrap_or_default(),
    );
    let density = first.len() >= 2
        && first.last().is_some_and(|&c| c == b'x' || c == b'X')
        && first
            .get(..first.len() - 1)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    density
        && [
            &b"png"[..],
            b"jpg",
            b"jpeg",
            b"gif",
            b"webp",
            b"svg",
            b"avif",
            b"bmp",
            b"ico",
            b"tif",
            b"tiff",
        ]
        .iter()
        .any(|x| ext.eq_ignore_ascii_case(x))
}

/// Start of the quoted local part whose closing quote is at `q`
/// (`"joe.smith"@…`, RFC 5322's quoted-string: printable characters,
/// blanks and `\`-escapes, at most 64 bytes), standing after a blank, a
/// `<`, a `(`, a `:` or a `,` or at the start of the text.
fn quoted_start(t: &[u8], q: usize) -> Option<usize> {
    let lo = q.saturating_sub(65);
    let mut i = q;
    while i > lo {
        i -= 1;
        let c = at(t, i);
        if c == b'"' {
            // An escaped quote (`"john\"doe"`) is part of the string.
            let slashes = t
                .get(..i)
                .map_or(0, |b| b.iter().rev().take_while(|&&c| c == b'\\').count());
            if slashes % 2 == 1 {
                continue;
            }
            let pre = before(t, i);
            let open =
                i == 0 || pre.is_ascii_whitespace() || matches!(pre, b'<' | b'(' | b':' | b',');
            return (open && q - i > 1).then_some(i);
        }
        if c < 0x20 || c == 0x7f {
            return None;
        }
    }
    None
}

/// End of a domain literal whose text starts at `i` (after its `[`): an
/// IPv4 address, or `IPv6:` and an IPv6 address, then `]`.
fn domain_literal(t: &[u8], i: usize) -> Option<usize> {
    let close = if let Some(e) = dotted_quad(t, i) {
        e
    } else {
        let tag = t.get(i..i + 5)?;
        if !tag.eq_ignore_ascii_case(b"IPv6:") {
            return None;
        }
        let a = i + 5;
        let n = t
            .get(a..)?
            .iter()
            .take(46)
            .take_while(|&&c| c.is_ascii_hexdigit() || c == b':' || c == b'.')
            .count();
        let colons = t.get(a..a + n)?.iter().filter(|&&c| c == b':').count();
        if !(2..=7).contains(&colons) {
            return None;
        }
        a + n
    };
    (at(t, close) == b']').then_some(close + 1)
}

/// Called for every `:`; only the first colon of a hex run starts a parse.
pub(crate) fn colon(sk: &mut Sink<'_>, p: usize, from: usize, to: usize) {
    let t = sk.t;
    // A `.pgpass` line's first colon, before its port: `host:5432:…`,
    // or `host:*:…` (any port).
    if (from..to).contains(&p) {
        let n = match at(t, p + 1) {
            b'*' => 1,
            c if c.is_ascii_digit() => t.get(p + 1..).map_or(0, crate::fastscan::digit_run),
            _ => 0,
        };
        if (1..=5).contains(&n) && at(t, p + 1 + n) == b':' {
            crate::authn::pgpass_line(sk, p + 1, p + 1 + n);
        }
    }
    let mut s = p;
    while s > 0 && p - s < 4 && at(t, s - 1).is_ascii_hexdigit() {
        s -= 1;
    }
    let pre = before(t, s);
    // After `name:` whose last letter is no hex digit (`v6.internal:2a00:…`
    // in a hosts list), the colon ends a name, not an address's group.
    let named = pre == b':' && s >= 2 && matches!(at(t, s - 2), b'g'..=b'z' | b'G'..=b'Z');
    if (pre.is_ascii_alphanumeric() || pre == b'_' || pre == b':' || pre == b'.') && !named {
        return;
    }
    if s < from || s >= to {
        return;
    }
    if s == p {
        if at(t, p + 1) == b':' {
            ipv6(sk, s);
        }
        return;
    }
    ipv6(sk, s);
    if p - s == 2 {
        mac(sk, s, b':');
    }
}

fn ipv6(sk: &mut Sink<'_>, s: usize) {
    if !sk.on(D::Ipv6) {
        return;
    }
    let t = sk.t;
    let mut i = s;
    let mut groups = 0usize;
    let mut compressed = false;
    let mut any_digit = false;
    let mut hexchars = 0usize;
    let mut v4_tail = false;
    // Every group two hex digits: an EUI-64 (`00:25:96:FF:FE:12:34:56`),
    // which `mac` reports.
    let mut pairs = true;
    if at(t, i) == b':' && at(t, i + 1) == b':' {
        compressed = true;
        i += 2;
    }
    loop {
        let gs = i;
        while i - gs < 5 && at(t, i).is_ascii_hexdigit() {
            i += 1;
        }
        let gl = i - gs;
        if gl == 0 {
            break;
        }
        if gl > 4 {
            return;
        }
        // Embedded IPv4 tail: "::ffff:192.0.2.1"
        if at(t, i) == b'.' && groups <= 6 {
            if let Some(e) = dotted_quad(t, gs) {
                groups += 2;
                i = e;
                v4_tail = true;
                any_digit = true;
                break;
            }
            // A full stop that ends the sentence ("… 2001:db8::1."), not
            // the start of an IPv4 tail.
            if at(t, i + 1).is_ascii_digit() {
                return;
            }
        }
        groups += 1;
        hexchars += gl;
        pairs &= gl == 2;
        any_digit |= t
            .get(gs..i)
            .is_some_and(|g| g.iter().any(u8::is_ascii_digit));
        if at(t, i) == b':' {
            if at(t, i + 1) == b':' {
                if compressed {
                    return;
                }
                compressed = true;
                i += 2;
                if !at(t, i).is_ascii_hexdigit() {
                    break;
                }
                continue;
            }
            if at(t, i + 1).is_ascii_hexdigit() {
                i += 1;
                continue;
            }
            return;
        }
        break;
    }
    let e = i;
    let nx = at(t, e);
    if nx.is_ascii_alphanumeric() || nx == b'_' || (nx == b':' && at(t, e + 1).is_ascii_hexdigit())
    {
        return;
    }
    // A dot and a digit after the last group continue something else: a
    // ninth group or a fifth octet (`…:7777:1.2.3.4`, `…:6666:1.2.3.4.5`);
    // a third colon after `::` (`1111:2222:::`) is no address either.
    if (nx == b'.' && at(t, e + 1).is_ascii_digit()) || (nx == b':' && at(t, e - 1) == b':') {
        return;
    }
    let ok = if compressed { groups <= 7 } else { groups == 8 };
    if !ok || !any_digit || (pairs && !compressed && !v4_tail) {
        return;
    }
    let raw = t.get(s..e).unwrap_or_default();
    // A network in CIDR notation (`2001:db8::/32`): the prefix length, 0
    // to 128, is part of it, as the `ipv4` detector takes `/24`.
    let digits = t.get(e + 1..).map_or(0, |r| {
        r.iter().take(4).take_while(|c| c.is_ascii_digit()).count()
    });
    let len = t.get(e + 1..e + 1 + digits).map_or(999, |d| {
        d.iter().fold(0u32, |a, &c| a * 10 + u32::from(c - b'0'))
    });
    let after = at(t, e + 1 + digits);
    let e = if nx == b'/'
        && (1..=3).contains(&digits)
        && len <= 128
        && !after.is_ascii_alphanumeric()
        && !matches!(after, b'.' | b'%' | b'_')
    {
        e + 1 + digits
    } else {
        e
    };
    // The unspecified address however spelled (`::0`, `0:0::`).
    let zero = raw.iter().all(|&c| c == b'0' || c == b':');
    if compressed && !v4_tail && (groups < 2 || hexchars < 4) {
        // "::1": loopback.
        if at(t, s) == b':' && groups == 1 && raw == b"::1" {
            sk.emit(D::Ipv6, s, e, Low, PLAIN);
            return;
        }
        // "1::8", "fe80::", "::2:3": in prose as often a scope (`a::b`),
        // a time or a prefix as an address; only after an IP word. (`::0`
        // is the unspecified address, a default in every manual.)
        if !zero {
            sk.emit(
                D::Ipv6,
                s,
                e,
                Medium,
                Adj {
                    need_ctx: true,
                    nonvalue: false,
                },
            );
        }
        return;
    }
    let v = raw.to_ascii_lowercase();
    let nonvalue = v.starts_with(b"2001:db8:") || v.starts_with(b"fe80:") || zero;
    sk.emit(
        D::Ipv6,
        s,
        e,
        Medium,
        Adj {
            need_ctx: false,
            nonvalue,
        },
    );
}

fn dotted_quad(t: &[u8], s: usize) -> Option<usize> {
    let mut i = s;
    for k in 0..4 {
        let gs = i;
        while i - gs < 4 && at(t, i).is_ascii_digit() {
            i += 1;
        }
        let g = t.get(gs..i)?;
        // No leading zero (`254.157.241.086`): RFC 4291's IPv4 tail is
        // decimal, as the `ipv4` detector reads a dotted quad.
        if g.is_empty() || g.len() > 3 || (g.len() > 1 && g.first() == Some(&b'0')) {
            return None;
        }
        let v: u32 = g.iter().fold(0, |a, &c| a * 10 + u32::from(c - b'0'));
        if v > 255 {
            return None;
        }
        if k < 3 {
            if at(t, i) != b'.' {
                return None;
            }
            i += 1;
        }
    }
    Some(i)
}

/// Six hex pairs joined by `sep` starting at `s`.
pub(crate) fn mac(sk: &mut Sink<'_>, s: usize, sep: u8) {
    if !sk.on(D::MacAddress) {
        return;
    }
    let t = sk.t;
    let pre = before(t, s);
    if pre.is_ascii_alphanumeric() || pre == sep || pre == b'_' {
        return;
    }
    let mut bytes = [0u8; 6];
    for (k, byte) in bytes.iter_mut().enumerate() {
        let i = s + k * 3;
        let (a, b) = (at(t, i), at(t, i + 1));
        if !a.is_ascii_hexdigit() || !b.is_ascii_hexdigit() {
            return;
        }
        *byte = hex(a) << 4 | hex(b);
        if k < 5 && at(t, i + 2) != sep {
            return;
        }
    }
    let mut e = s + 17;
    // An EUI-64 (IEEE 802 64-bit identifier: FireWire, ZigBee, IPv6
    // interface ids, `00:25:96:FF:FE:12:34:56`) is two pairs longer.
    let pair = |i: usize| {
        at(t, i) == sep && at(t, i + 1).is_ascii_hexdigit() && at(t, i + 2).is_ascii_hexdigit()
    };
    if pair(e) && pair(e + 3) {
        e += 6;
    }
    let nx = at(t, e);
    if nx.is_ascii_alphanumeric() || nx == sep || nx == b'_' {
        return;
    }
    emit_mac(sk, s, e, bytes, false);
}

/// `0012.3456.789a`: a MAC address as Cisco's IOS prints it, three
/// groups of four hex digits joined by dots. Keyed on a group with a
/// digit at `ws..we` (the word walk's stops), which may be any of the
/// three; groups of letters alone are not visited, so `aabb.ccdd.eeff` is
/// not found.
#[inline(always)]
pub(crate) fn mac_dotted(sk: &mut Sink<'_>, ws: usize, we: usize) {
    let t = sk.t;
    // Every number of dense text comes here: one compare for most.
    if we - ws == 4 && (at(t, we) == b'.' || before(t, ws) == b'.') {
        mac_dotted_at(sk, ws);
    }
}

#[inline(never)]
fn mac_dotted_at(sk: &mut Sink<'_>, ws: usize) {
    let t = sk.t;
    if !sk.on(D::MacAddress) {
        return;
    }
    for back in [0, 5, 10] {
        let Some(s) = ws.checked_sub(back) else {
            return;
        };
        if let Some(bytes) = dotted_at(t, s) {
            // Twelve digits in fours with dots may be any number: only
            // next to a MAC word.
            let digits = t
                .get(s..s + 14)
                .is_some_and(|v| !v.iter().any(u8::is_ascii_alphabetic));
            emit_mac(sk, s, s + 14, bytes, digits);
            return;
        }
    }
}

/// The six bytes of `hhhh.hhhh.hhhh` at `s`, standing alone (a full stop
/// after it ends a sentence).
fn dotted_at(t: &[u8], s: usize) -> Option<[u8; 6]> {
    let pre = before(t, s);
    if pre.is_ascii_alphanumeric() || matches!(pre, b'.' | b'_' | b'-') {
        return None;
    }
    let mut bytes = [0u8; 6];
    for (k, byte) in bytes.iter_mut().enumerate() {
        let i = s + k * 2 + k / 2;
        let (a, b) = (at(t, i), at(t, i + 1));
        if !a.is_ascii_hexdigit() || !b.is_ascii_hexdigit() {
            return None;
        }
        *byte = hex(a) << 4 | hex(b);
        if k % 2 == 1 && k < 5 && at(t, i + 2) != b'.' {
            return None;
        }
    }
    let nx = at(t, s + 14);
    let next = at(t, s + 15);
    let ends = !nx.is_ascii_alphanumeric()
        && nx != b'_'
        && !(matches!(nx, b'.' | b'-') && next.is_ascii_alphanumeric());
    ends.then_some(bytes)
}

/// Reports the MAC address `bytes` written at `s..e` (only next to a MAC
/// word if `need_ctx`): in mixed case (as often an identifier's) only
/// next to a MAC word, and lowered when it is a placeholder or a
/// documentation value.
fn emit_mac(sk: &mut Sink<'_>, s: usize, e: usize, bytes: [u8; 6], need_ctx: bool) {
    let t = sk.t;
    let v = t.get(s..e).unwrap_or_default();
    let mixed_case = v.iter().any(u8::is_ascii_uppercase) && v.iter().any(u8::is_ascii_lowercase);
    let need_ctx = need_ctx || mixed_case;
    let same = bytes.iter().all(|&b| Some(&b) == bytes.first());
    let seq = bytes.windows(2).all(|w| {
        let (a, b) = (
            w.first().copied().unwrap_or(0),
            w.get(1).copied().unwrap_or(0),
        );
        b.wrapping_sub(a) == 0x11 || b.wrapping_sub(a) == 0x22
    });
    let doc = bytes == [0x00, 0x11, 0x22, 0x33, 0x44, 0x55]
        || bytes == [0x01, 0x23, 0x45, 0x67, 0x89, 0xab]
        || bytes == [0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc];
    sk.emit(
        D::MacAddress,
        s,
        e,
        Medium,
        Adj {
            need_ctx,
            nonvalue: same || seq || doc,
        },
    );
}

/// `c810f420297f`: twelve hex digits in one word (how Windows' `getmac
/// /fo csv` without dashes, DHCP leases, switches' tables and many
/// exports write a MAC address), only as the value a MAC word labels:
/// a MAC word within [`crate::kit::LABEL_BEFORE`] bytes before it, the
/// label ending right before the value (a letter, then at most `:`, `=`,
/// `#` or spaces). `t[ws..we]` is a word holding a digit.
#[cold]
#[inline(never)]
pub(crate) fn mac_bare(sk: &mut Sink<'_>, ws: usize, we: usize) {
    let t = sk.t;
    let Some(v) = t.get(ws..we) else { return };
    if !sk.on(D::MacAddress)
        || v.len() != 12
        || !v.iter().all(u8::is_ascii_hexdigit)
        || v.iter().all(u8::is_ascii_digit)
        || matches!(at(t, we), b'-' | b'.' | b':' | b'_')
    {
        return;
    }
    // In a list (`MAC: c810f420297f, 27e61bba3720`) the first address's
    // label serves the ones after it, up to four back.
    let hex12 = |i: usize| {
        t.get(i..i + 12)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
            && !before(t, i).is_ascii_alphanumeric()
    };
    let mut head = ws;
    for _ in 0..4 {
        let j = head - usize::from(at(t, head.wrapping_sub(1)) == b' ');
        if j < 13 || !matches!(at(t, j - 1), b',' | b';') || !hex12(j - 13) {
            break;
        }
        head = j - 13;
    }
    let last = t
        .get(head.saturating_sub(4)..head)
        .unwrap_or_default()
        .iter()
        .rev()
        .find(|&&b| !matches!(b, b' ' | b':' | b'=' | b'#' | b'\t'));
    // The MAC words that name an address (`device` alone, which MAC
    // context also takes, labels device ids of every shape).
    let window = t
        .get(head.saturating_sub(crate::kit::LABEL_BEFORE)..head)
        .unwrap_or_default();
    let line = window.rsplit(|&b| b == b'\n').next().unwrap_or_default();
    let named = line.split(|c| !c.is_ascii_alphanumeric()).any(|w| {
        [
            &b"mac"[..],
            b"hwaddr",
            b"ether",
            b"ethernet",
            b"bssid",
            b"hardware",
        ]
        .iter()
        .any(|x| w.eq_ignore_ascii_case(x))
    });
    if !last.is_some_and(u8::is_ascii_alphabetic)
        || !named
        || !sk
            .ctx
            .mask_within(t, head, head + 12, crate::kit::LABEL_BEFORE, 0)
            .has(D::MacAddress as usize)
    {
        return;
    }
    let mut bytes = [0u8; 6];
    for (k, b) in bytes.iter_mut().enumerate() {
        *b = hex(at(t, ws + 2 * k)) << 4 | hex(at(t, ws + 2 * k + 1));
    }
    emit_mac(sk, ws, we, bytes, false);
}

fn hex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_colon_finds_a_colon_anywhere() {
        for len in 0..70 {
            let mut a = vec![b'a'; len];
            assert!(!has_colon(&a));
            for pos in 0..len {
                a[pos] = b':';
                assert!(has_colon(&a), "at {pos} of {len}");
                a[pos] = b';';
                assert!(!has_colon(&a));
                a[pos] = b'a';
            }
        }
    }

    proptest::proptest! {
        /// The two walks answer as the indexed byte loops they replace,
        /// from any position, past the end included. (The loops did not
        /// know two-byte letters when those joined the walks: a case with
        /// `À` in the regressions file found it.)
        #[test]
        fn walks_match_the_byte_loops(
            t in proptest::collection::vec(proptest::prop_oneof![
                4 => b'a'..=b'z', 2 => b'0'..=b'9', 1 => proptest::strategy::Just(b'.'),
                1 => proptest::strategy::Just(b'-'), 1 => proptest::strategy::Just(b'@'),
                1 => proptest::prelude::any::<u8>()], 0..160),
            p in 0usize..170,
        ) {
            // Two-byte letters (`josé`, `müller`) belong to both runs; an
            // apostrophe between two letters or digits to the local part
            // (`mary.o'brien`: the second regression case, 102 `a`s, `'`
            // and an `a`, found the reference loop without it).
            let lo = p.saturating_sub(65);
            let mut s = p;
            loop {
                if s > lo && local_char(at(&t, s - 1)) {
                    s -= 1;
                } else if letter_before(&t, s) > 0 && s >= lo + letter_before(&t, s) {
                    s -= letter_before(&t, s);
                } else if s >= lo + 2
                    && at(&t, s - 1) == b'\''
                    && at(&t, s - 2).is_ascii_alphanumeric()
                    && at(&t, s).is_ascii_alphanumeric()
                {
                    s -= 1;
                } else {
                    break;
                }
            }
            proptest::prop_assert_eq!(local_start(&t, p), s);
            let mut i = p;
            loop {
                if label_char(at(&t, i)) {
                    i += 1;
                } else if letter_at(&t, i) > 0 {
                    i += letter_at(&t, i);
                } else {
                    break;
                }
            }
            proptest::prop_assert_eq!(label_end(&t, p), i);
        }
    }
}
