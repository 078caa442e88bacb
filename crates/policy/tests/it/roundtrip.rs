//! parse ∘ print ∘ parse is the identity on expressions.

use cordon_policy::diag::Span;
use cordon_policy::expr::{CmpOp, Expr, Lit, parse};
use proptest::prelude::*;

fn sp() -> Span {
    Span::default()
}

fn ident() -> impl Strategy<Value = String> {
    "[a-zA-Z][a-zA-Z0-9_]{0,6}"
}

fn lit() -> impl Strategy<Value = Expr> {
    prop_oneof![
        any::<bool>().prop_map(|b| Expr::Lit(Lit::Bool(b), sp())),
        (-1.0e9f64..1.0e9).prop_map(|n| Expr::Lit(Lit::Num(n), sp())),
        (0u32..1000).prop_map(|n| Expr::Lit(Lit::Num(f64::from(n)), sp())),
        "[ -~\u{2019}\u{e9}\n\t]{0,8}".prop_map(|s| Expr::Lit(Lit::Str(s), sp())),
    ]
}

fn op() -> impl Strategy<Value = CmpOp> {
    prop_oneof![
        Just(CmpOp::Eq),
        Just(CmpOp::Ne),
        Just(CmpOp::Gt),
        Just(CmpOp::Lt),
        Just(CmpOp::Ge),
        Just(CmpOp::Le)
    ]
}

fn atom() -> impl Strategy<Value = Expr> {
    prop_oneof![
        lit(),
        (ident(), ident()).prop_map(|(ns, name)| Expr::Var {
            ns,
            name,
            span: sp()
        }),
        (ident(), ident(), prop::collection::vec(lit(), 0..3)).prop_map(|(ns, name, args)| {
            Expr::Call {
                ns,
                name,
                args,
                span: sp(),
            }
        }),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    atom().prop_recursive(5, 40, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| Expr::Not(Box::new(e), sp())),
            prop::collection::vec(inner.clone(), 2..5).prop_map(|t| Expr::And(t, sp())),
            prop::collection::vec(inner.clone(), 2..5).prop_map(|t| Expr::Or(t, sp())),
            (op(), inner.clone(), inner).prop_map(|(o, a, b)| Expr::Cmp(
                o,
                Box::new(a),
                Box::new(b),
                sp()
            )),
            // call arguments may be any expression to the parser
            (ident(), ident(), prop::collection::vec(atom(), 1..3)).prop_map(|(ns, name, args)| {
                Expr::Call {
                    ns,
                    name,
                    args,
                    span: sp(),
                }
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_print_parse_is_identity(e in expr()) {
        let printed = e.to_string();
        let (back, diags) = parse(&printed);
        prop_assert!(diags.is_empty(), "{printed}: {diags:?}");
        prop_assert!(back.same(&e), "{printed}\n{back:?}\n{e:?}");
        // and printing is stable
        prop_assert_eq!(back.to_string(), printed);
    }

    #[test]
    fn the_parser_never_panics(s in "\\PC{0,60}") {
        let _ = parse(&s);
    }

    #[test]
    fn the_loader_never_panics(s in "[a-z:{}\\[\\], \n_'\"0-9.-]{0,120}") {
        let _ = cordon_policy::Loader::new().load(&s);
    }
}

#[test]
fn seed_spellings_print_canonically() {
    let (e, d) = parse(
        "metadata.existsWithCondition(\u{2018}secure.risk_level\u{2019}, \u{2018}>\u{2019}, 3) AND NOT _share.public",
    );
    assert!(d.is_empty());
    assert_eq!(
        e.to_string(),
        "_metadata.existsWithCondition('secure.risk_level', '>', 3) and not _share.public"
    );
}
