//! Unit tests of the lowering logic, on token streams (no proc-macro glue).

use quote::quote;
use willump_lift::ast::{Arg, Callee, ParamKind};
use willump_lift::parse::{Options, parse_pipeline};

fn parse(item: proc_macro2::TokenStream) -> syn::Result<willump_lift::ast::PipelineFn> {
    parse_pipeline(syn::parse2(item).unwrap(), Options::default())
}

fn err(item: proc_macro2::TokenStream) -> String {
    match parse(item) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn classifies_params_statements_and_arguments() {
    let p = parse(quote! {
        fn p(#[row] texts: &StringColumn, #[row] n: &F64Column, word: &TfidfVectorizer, m: &Model) -> willump::Result<Vec<f64>> {
            let lower = lowercase(texts)?;
            let w = word.transform(&lower)?;
            let z = clip(n, 0.0, MAX)?;
            let x = hstack(&[&w, &z])?;
            let y = consume(x)?;
            m.predict(y.view())
        }
    })
    .unwrap();
    assert_eq!(p.graph_fn.to_string(), "p_graph");
    let kinds: Vec<bool> = p.params.iter().map(|pa| matches!(pa.kind, ParamKind::Row { .. })).collect();
    assert_eq!(kinds, [true, true, false, false]);
    assert_eq!(p.stmts.len(), 5);
    assert!(matches!(&p.stmts[0].call.callee, Callee::Fn { path, .. } if path == "lowercase"));
    assert!(matches!(&p.stmts[0].call.args[0], Arg::Value { row: true, moved: false, .. }));
    match &p.stmts[1].call.callee {
        Callee::Method { recv, method, .. } => {
            assert!(matches!(**recv, Arg::State { .. }));
            assert_eq!(method.to_string(), "transform");
        }
        _ => panic!("a method call"),
    }
    assert!(matches!(&p.stmts[1].call.args[0], Arg::Value { row: false, moved: false, .. }));
    assert!(matches!(&p.stmts[2].call.args[1], Arg::Const { .. }));
    assert!(matches!(&p.stmts[2].call.args[2], Arg::Const { .. }), "a path to a constant is a constant");
    assert!(matches!(&p.stmts[3].call.args[0], Arg::List { items, .. } if items.len() == 2));
    assert!(matches!(&p.stmts[4].call.args[0], Arg::Value { moved: true, .. }), "bare `x` moves a let binding");
    assert!(p.stmts.iter().all(|s| s.fallible));
    assert!(p.tail_fallible);
}

#[test]
fn option_renames_the_graph_function() {
    let opts = willump_lift::parse::parse_options(quote!(graph = my_graph)).unwrap();
    let p = parse_pipeline(
        syn::parse2(quote! {
            fn p(#[row] t: &StringColumn, m: &M) -> Result<Vec<f64>, willump::Error> { m.predict(t.view()) }
        })
        .unwrap(),
        opts,
    )
    .unwrap();
    assert_eq!(p.graph_fn.to_string(), "my_graph");
    assert!(willump_lift::parse::parse_options(quote!(nope = 1)).is_err());
}

#[test]
fn rejections_say_what_to_write() {
    let cases = [
        (quote! { fn p(#[row] t: &S, m: &M) -> Result<X> { for _ in 0..1 {} m.f(t) } }, "loops cannot be lifted"),
        (
            quote! { fn p(#[row] t: &S, m: &M) -> Result<X> { let x = if true { f(t)? } else { g(t)? }; m.f(x.view()) } },
            "branches",
        ),
        (quote! { fn p(#[row] t: &S, m: &M) -> Result<X> { return m.f(t); } }, "early `return`"),
        (quote! { fn p(#[row] t: &S, m: &M) -> Result<X> { let mut a = f(t)?; m.f(a.view()) } }, "immutable"),
        (
            quote! { fn p(#[row] t: &S, m: &M) -> Result<X> { let a = f(t)?; dbg!(a); m.f(a.view()) } },
            "unknown macro `dbg!`",
        ),
        (
            quote! { fn p(#[row] t: &S, m: &M) -> Result<X> { let a = f(t)?; Ok(a) } },
            "must end in the final model call",
        ),
        (quote! { fn p(#[row] t: &S, m: &M) -> X { m.f(t) } }, "returns `Result"),
        (quote! { fn p(t: &S, m: &M) -> Result<X> { m.f(t) } }, "at least one per-row input"),
        (quote! { fn p(#[row] t: S, m: &M) -> Result<X> { m.f(t) } }, "borrowed columns"),
        (
            quote! { fn p(#[row] t: &S, m: &M) -> Result<X> { let a = f(t, t.len())?; m.f(a.view()) } },
            "computes with `t`",
        ),
        (
            quote! { fn p(#[row] t: &S, m: &M) -> Result<X> { let (a, b) = f(t)?; m.f(a.view()) } },
            "one value per `let`",
        ),
        (quote! { fn p(#[row] t: &S, m: &M) -> Result<X> { let a = f(&mut t.clone())?; m.f(a.view()) } }, "`&mut`"),
        (
            quote! { fn p(#[row] t: &S, m: &M) -> Result<X> { let n = 0; let a = g(t, |x| { n += 1; x })?; m.f(a.view()) } },
            "closures that capture mutable state",
        ),
        (quote! { fn p(#[row] t: &S, m: &M) -> Result<X> { let n = 0; m.f(t) } }, "each `let`"),
        (
            quote! { fn p(#[row] t: &S, m: &M) -> Result<X> { let a = f(t, |x| { COUNT += 1; x })?; m.f(a.view()) } },
            "closures that capture mutable state",
        ),
        (quote! { fn p<T>(#[row] t: &S, m: &T) -> Result<X> { m.f(t) } }, "cannot be generic"),
        (quote! { async fn p(#[row] t: &S, m: &M) -> Result<X> { m.f(t) } }, "cannot be `async`"),
        (quote! { fn p(#[row] t: &S, m: &M) -> Result<X> { f(t)?; m.f(t) } }, "is a `let`"),
        (
            quote! { fn p(#[row] t: &S, m: &M) -> Result<X> { let t2 = { f(t)? }; m.f(t2.view()) } },
            "blocks cannot be lifted",
        ),
    ];
    for (item, want) in cases {
        let e = err(item.clone());
        assert!(e.contains(want), "for `{item}`:\n  expected `{want}`\n  got `{e}`");
    }
}

#[test]
fn closures_without_captured_mutation_are_constants() {
    let p = parse(quote! {
        fn p(#[row] t: &S, m: &M) -> Result<X> {
            let a = apply(t, |s: &str| { let mut k = 0; k += s.len(); k as f64 })?;
            m.f(a.view())
        }
    })
    .unwrap();
    assert!(matches!(&p.stmts[0].call.args[1], Arg::Const { .. }));
}

#[test]
fn expansion_keeps_the_eager_function_and_adds_the_graph_function() {
    let out = willump_lift::lift(
        quote!(),
        quote! {
            pub fn p(#[row] t: &StringColumn, m: &M) -> willump::Result<Vec<f64>> {
                let lower = lowercase(t)?;
                m.predict(lower.view())
            }
        },
    )
    .to_string();
    assert!(out.contains("pub fn p (t : & StringColumn , m : & M)"), "eager fn kept without #[row]: {out}");
    assert!(out.contains("pub fn p_graph (m : & M)"), "graph fn takes the state only: {out}");
    assert!(out.contains(":: willump :: __private :: Tracer :: new (\"p\")"));
    assert!(!out.contains("compile_error"));
    let rejected =
        willump_lift::lift(quote!(), quote! { fn p(#[row] t: &S, m: &M) -> Result<X> { loop {} } }).to_string();
    assert!(rejected.contains("compile_error") && rejected.contains("fn p (t : & S"), "{rejected}");
}
