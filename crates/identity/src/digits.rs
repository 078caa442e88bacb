//! The one rule for codes people type (TOTP and e-mail codes): spaces
//! anywhere are ignored ("123 456" is how authenticator apps show a code),
//! then exactly six ASCII digits, nothing else.

/// Longer input is refused before it is looked at.
const MAX_INPUT: usize = 64;

/// The six digits of a presented code, or `None` if it is not one.
pub(crate) fn six_digits(presented: &str) -> Option<[u8; 6]> {
    if presented.len() > MAX_INPUT {
        return None;
    }
    let mut out = [0u8; 6];
    let mut n = 0;
    for b in presented.trim().bytes().filter(|&b| b != b' ') {
        if !b.is_ascii_digit() {
            return None;
        }
        *out.get_mut(n)? = b;
        n += 1;
    }
    (n == 6).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_six_ascii_digits_pass() {
        let cases: &[(&str, Option<&[u8; 6]>)] = &[
            ("123456", Some(b"123456")),
            (" 123456\n", Some(b"123456")),
            ("123 456", Some(b"123456")),
            ("\t000000 ", Some(b"000000")),
            ("12345", None),
            ("1234567", None),
            ("12345a", None),
            ("", None),
            ("      ", None),
            ("123-456", None),
            ("+12345", None),
            ("１２３４５６", None), // fullwidth digits
            ("١٢٣٤٥٦", None),       // Arabic-Indic digits
            ("12345\u{0}6", None),
        ];
        for (input, want) in cases {
            assert_eq!(six_digits(input).as_ref(), *want, "input {input:?}");
        }
        assert_eq!(six_digits(&format!("123456{}", " ".repeat(100))), None);
    }
}
