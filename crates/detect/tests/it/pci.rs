//! Payment-card data besides the number: magnetic-stripe tracks and
//! security codes, in the layouts card readers and checkout forms write.

use cordon_detect::Detectors;
use cordon_detect::validate as v;
use proptest::prelude::*;

/// `body` completed with its Luhn check digit.
fn luhn_complete(body: &str) -> String {
    (0..10)
        .map(|c| format!("{body}{c}"))
        .find(|s| v::luhn(s.as_bytes()))
        .unwrap()
}

/// The findings of `det` over exactly `value` in `text`.
fn found(det: &Detectors, text: &str, value: &str, id: &str) -> bool {
    let s = text.find(value).unwrap();
    det.scan(text.as_bytes())
        .iter()
        .any(|f| f.detector == id && f.start == s && f.end == s + value.len())
}

proptest! {
    /// A track whose account number passes Luhn with a brand's prefix and
    /// length, whose month is 01-12 and whose service code starts 1, 2,
    /// 5, 6, 7 or 9 is found whole, with or without its sentinels, and as
    /// EMV's track 2 equivalent data; one digit of the account number
    /// changed, it is not.
    #[test]
    fn tracks_are_found_and_a_changed_digit_is_not(
        brand in 0usize..4,
        body in proptest::collection::vec(0u8..10, 14),
        yy in 0u32..100,
        mm in 1u32..=12,
        svc in prop::sample::select(vec![101u32, 120, 121, 201, 221, 501, 601, 701, 901]),
        disc in proptest::collection::vec(0u8..10, 0..12),
        layout in 0usize..5,
        at in 0usize..15,
        delta in 1u8..10,
    ) {
        let head = ["4", "51", "37", "6011"][brand];
        let len = if brand == 2 { 15 } else { 16 };
        let digits: String = body.iter().map(|d| char::from(b'0' + d)).collect();
        let pan = luhn_complete(&format!("{head}{}", &digits[..len - 1 - head.len()]));
        let disc: String = disc.iter().map(|d| char::from(b'0' + d)).collect();
        let track = |pan: &str| {
            let rest = format!("{yy:02}{mm:02}{svc}{disc}");
            match layout {
                0 => format!(";{pan}={rest}?"),
                1 => format!("{pan}={rest}"),
                2 => format!("%B{pan}^DOE/JANE Q^{rest}?"),
                3 => format!("B{pan}^DOE/JANE Q^{rest}"),
                // EMV's tag 57, padded with `F` to whole bytes.
                _ if (pan.len() + 1 + rest.len()) % 2 == 1 => format!("{pan}D{rest}F"),
                _ => format!("{pan}D{rest}"),
            }
        };
        let det = Detectors::new();
        let value = track(&pan);
        let text = format!("swipe: {value}\n");
        prop_assert!(found(&det, &text, &value, "card_track_data"), "{:?}", text);
        // One digit of the account number changed breaks its Luhn check.
        let mut bad = pan.clone().into_bytes();
        let i = at % bad.len();
        bad[i] = b'0' + (bad[i] - b'0' + delta) % 10;
        let bad = String::from_utf8(bad).unwrap();
        let value = track(&bad);
        let text = format!("swipe: {value}\n");
        prop_assert!(!found(&det, &text, &value, "card_track_data"), "{:?}", text);
    }

    /// A security code of three or four digits is found after each of its
    /// labels, written as a form, a key or a JSON member; the same digits
    /// after a label that is not a card's are not.
    #[test]
    fn security_codes_are_found_after_their_labels(
        code in 1u32..10_000,
        label in prop::sample::select(vec![
            "CVV: ", "cvv2=", "CVC ", "\"cvc\": \"", "card_cvv: ", "cardCvc=", "CVN #",
            "Card Verification Value: ", "card security code ", "Card Validation Code - ",
        ]),
        other in prop::sample::select(vec![
            "Room ", "security code: ", "verification code: ", "PIN: ", "page ", "code=",
        ]),
    ) {
        let code = if code < 1000 { format!("{code:03}") } else { code.to_string() };
        prop_assume!(code.bytes().any(|c| c != b'0'));
        let det = Detectors::new();
        let text = format!("{label}{code}\n");
        prop_assert!(found(&det, &text, &code, "card_security_code"), "{:?}", text);
        let text = format!("{other}{code}\n");
        prop_assert!(!found(&det, &text, &code, "card_security_code"), "{:?}", text);
    }
}
