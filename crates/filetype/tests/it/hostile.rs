//! Property tests: the interpreter never panics, never loops, and its range
//! search agrees with an obviously correct reference.

use cordon_filetype::{
    ByteSource, CustomType, Endian, Operand, Origin, Outcome, Program, Step, identify,
    identify_with,
};
use proptest::prelude::*;

fn origin() -> impl Strategy<Value = Origin> {
    prop_oneof![
        Just(Origin::Begin),
        Just(Origin::Current),
        Just(Origin::End)
    ]
}

fn literal() -> impl Strategy<Value = i64> {
    prop_oneof![-70i64..70, Just(i64::MIN), Just(i64::MAX), any::<i64>(),]
}

fn operand(vars: bool) -> BoxedStrategy<Operand> {
    if vars {
        prop_oneof![
            3 => literal().prop_map(Operand::Literal),
            1 => Just(Operand::Variable("@a".into())),
        ]
        .boxed()
    } else {
        literal().prop_map(Operand::Literal).boxed()
    }
}

fn step(vars: bool) -> impl Strategy<Value = Step> {
    prop_oneof![
        (
            operand(vars),
            origin(),
            operand(vars),
            proptest::collection::vec(any::<u8>(), 1..4)
        )
            .prop_map(|(offset, res, range, value)| Step::CheckBlock {
                offset,
                res,
                range,
                value
            }),
        (
            operand(vars),
            origin(),
            prop_oneof![Just(1u8), Just(2), Just(4), Just(8)],
            any::<bool>()
        )
            .prop_map(|(offset, res, len, big)| Step::Variable {
                offset,
                res,
                len,
                endian: if big { Endian::Big } else { Endian::Little },
                name: "@a".into(),
            }),
        (operand(vars), origin()).prop_map(|(offset, res)| Step::Move { offset, res }),
        Just(Step::CheckEof),
    ]
}

fn program() -> impl Strategy<Value = Program> {
    // Define @a first so that later steps may use it.
    (step(false), proptest::collection::vec(step(true), 0..8)).prop_map(|(first, rest)| {
        let mut steps = vec![Step::Variable {
            offset: Operand::Literal(0),
            res: Origin::Begin,
            len: 1,
            endian: Endian::Little,
            name: "@a".into(),
        }];
        steps.push(first);
        steps.extend(rest);
        Program::new(steps).unwrap()
    })
}

/// Reference: does `value` start at some offset in the clipped window?
fn reference_find(data: &[u8], at: i128, range: i128, value: &[u8]) -> Option<usize> {
    let lo = (at + range.min(0)).max(0);
    let hi = at + range.max(0);
    (0..data.len()).find(|&s| {
        (s as i128) >= lo && (s as i128) <= hi && data.get(s..s + value.len()) == Some(value)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_programs_on_random_data_terminate(p in program(), data in proptest::collection::vec(any::<u8>(), 0..300)) {
        let outcome = p.run(&mut &data[..]).unwrap();
        if let Outcome::Mismatch { step } = outcome {
            prop_assert!(step < p.steps().len());
        }
        // Written back and read again, the program behaves the same.
        let again = Program::from_json(&p.to_json()).unwrap();
        prop_assert_eq!(&again, &p);
        prop_assert_eq!(again.run(&mut &data[..]).unwrap(), outcome);
    }

    #[test]
    fn builtin_table_never_fails_on_random_data(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        identify(&mut &data[..]).unwrap();
    }

    #[test]
    fn builtin_table_never_fails_on_mutated_headers(
        magic in prop_oneof![
            Just(b"PK\x03\x04".to_vec()), Just(b"MZ".to_vec()), Just(vec![0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
            Just(vec![0x1a, 0x45, 0xdf, 0xa3]), Just(b"RIFF".to_vec()), Just(b"\0\0\0\x18ftyp".to_vec()),
        ],
        tail in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        let data = [magic, tail].concat();
        identify(&mut &data[..]).unwrap();
    }

    #[test]
    fn range_search_agrees_with_reference(
        data in proptest::collection::vec(0u8..3, 0..200),
        at in 0i64..200,
        range in -250i64..250,
        value in proptest::collection::vec(0u8..3, 1..3),
    ) {
        let p = Program::new(vec![
            Step::CheckBlock { offset: Operand::Literal(at), res: Origin::Begin, range: Operand::Literal(range), value: value.clone() },
            // Position after the match: a Variable that reads nothing would
            // not tell, so compare with a Move of 0 and CheckEOF-free probe.
        ]).unwrap();
        let expect = if at as usize > data.len() { None } else { reference_find(&data, at.into(), range.into(), &value) };
        prop_assert_eq!(p.matches(&mut &data[..]).unwrap(), expect.is_some());
    }

    #[test]
    fn custom_type_json_parser_never_panics(text in "\\PC{0,200}") {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
            let _ = CustomType::from_json(&v);
        }
    }
}

/// A source that lies: claims a huge length and returns garbage counts.
struct Liar;
impl ByteSource for Liar {
    fn len(&mut self) -> std::io::Result<u64> {
        Ok(u64::MAX)
    }
    fn read_at(&mut self, _offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        buf.fill(0x41);
        Ok(buf.len())
    }
}

#[test]
fn a_lying_source_does_not_hang_or_overflow() {
    let p = Program::from_json(&serde_json::json!([
        {"action":"Move","offset":"-1","res":"end"},
        {"action":"Variable","offset":"0","res":"current","len":"8","name":"@x"},
        {"action":"CheckBlock","offset":"0","res":"begin","range":"4096","value":"0x42"},
    ]))
    .unwrap();
    assert!(!p.matches(&mut Liar).unwrap());
    identify(&mut Liar).unwrap();
    identify_with(&[], &mut Liar).unwrap();
}
