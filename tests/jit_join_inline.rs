//! Join probes the JIT emits inline (`willump-jit/src/codegen/join_probe.rs`): one i64 key over a
//! small range (a dense array), one i64 key over a wide range, and one str key of at most 7 bytes
//! (one packed word, open addressing). Compiled equals the interpreter bit for bit with missing,
//! unseen, empty, non-ASCII and NUL-containing keys, probe strings longer than every side key,
//! keys at the ends of the i64 range, tables so small that every probe walks a collision chain,
//! and 1,000-key tables probed with 2,000 keys.

mod jit_common;

use willump::Pipeline;
use willump::ir::Type;
use willump::ir::params::table::Scalar;
use willump::runtime::rng::Rng;
use willump::runtime::value::{Column, I64Column, StringColumn, Table, Value};

/// `key -> side table -> (v, w)` as a dense block, the side table keyed by `keys`.
fn pipeline(keys: Column, ty: Type) -> Pipeline {
    let n = keys.len();
    let v: Vec<Option<i64>> = (0..n as i64).map(|i| if i % 5 == 4 { None } else { Some(i * 3 - 7) }).collect();
    let side = Table::try_new(vec![
        ("k".into(), keys),
        ("v".into(), Column::I64(I64Column::from_options(&v))),
        ("w".into(), Column::I64(I64Column::new((0..n as i64).collect()))),
    ])
    .unwrap();
    jit_common::join_pipeline(&side, &["k"], &[ty], &[("v", Scalar::Missing), ("w", Scalar::I64(-1))])
}

fn strs(v: &[Option<&str>]) -> Column {
    Column::Str(StringColumn::from_options(v))
}

fn check(p: &Pipeline, probes: Column) {
    let c = willump::jit::compile(p, &willump::jit::CompileOptions::default()).unwrap();
    assert!(c.report().callback_nodes.is_empty(), "{}", c.report());
    jit_common::check_with(p, &[Value::Column(probes)], &jit_common::option_sets()[..2]);
}

#[test]
fn short_str_keys() {
    let side = [Some("N101"), Some(""), Some("é"), Some("a\0"), Some("abcdefg"), Some("ab"), None, Some("abcd")];
    let p = pipeline(strs(&side), Type::STR);
    let probes = [
        "N101",
        "",
        "é",
        "a\0",
        "a",
        "\0",
        "abcdefg",
        "abcdefgh",
        "abcdefghijklmnop",
        "ab",
        "abc",
        "abcd",
        "abcde",
        "😀",
        "é\0",
        "N10",
        "N1010",
        "N101",
        "e",
    ];
    let mut v: Vec<Option<&str>> = probes.iter().map(|&s| Some(s)).collect();
    v.extend([None, Some("N101"), None]);
    check(&p, strs(&v));
}

#[test]
fn one_key_table_walks_collisions() {
    // four slots, one taken: about a quarter of all probes start on the taken slot and walk on
    let p = pipeline(strs(&[Some("q")]), Type::STR);
    let v: Vec<String> = (0..300).map(|i| format!("{}", i % 120)).chain(["q".into(), "".into()]).collect();
    let v: Vec<Option<&str>> = v.iter().map(|s| Some(s.as_str())).collect();
    check(&p, strs(&v));
    let p = pipeline(Column::I64(I64Column::new(vec![1 << 40])), Type::I64);
    let v: Vec<Option<i64>> = (0..300).map(|i| Some((i % 150) << 36)).chain([None, Some(1 << 40)]).collect();
    check(&p, Column::I64(I64Column::from_options(&v)));
}

#[test]
fn many_keys_and_batches_over_a_thousand_rows() {
    let mut rng = Rng::new(21);
    let word = |rng: &mut Rng| -> String {
        let n = (rng.next_f64() * 8.0) as usize;
        (0..n).map(|_| ['N', '1', '2', 'x', 'é', '\0'][(rng.next_f64() * 6.0) as usize]).collect()
    };
    let mut side: Vec<String> = (0..1000).map(|_| word(&mut rng)).filter(|w| w.len() < 8).collect();
    side.sort();
    side.dedup();
    let sv: Vec<Option<&str>> = side.iter().map(|s| Some(s.as_str())).collect();
    let p = pipeline(strs(&sv), Type::STR);
    let probes: Vec<String> = (0..2000).map(|_| word(&mut rng)).collect();
    let pv: Vec<Option<&str>> =
        probes.iter().enumerate().map(|(i, s)| if i % 17 == 0 { None } else { Some(s.as_str()) }).collect();
    check(&p, strs(&pv));
}

#[test]
fn i64_keys_dense_and_wide() {
    // a small range: the dense layout, probes below, inside and above it
    let side = [Some(5i64), Some(-3), Some(100), None, Some(7)];
    let p = pipeline(Column::I64(I64Column::from_options(&side)), Type::I64);
    let probes: Vec<Option<i64>> =
        [-4i64, -3, 0, 5, 7, 99, 100, 101, i64::MIN, i64::MAX].iter().map(|&v| Some(v)).chain([None]).collect();
    check(&p, Column::I64(I64Column::from_options(&probes)));
    // the ends of the i64 range: packed one-word keys
    let side = [Some(i64::MIN), Some(0), Some(i64::MAX), Some(1 << 40), None];
    let p = pipeline(Column::I64(I64Column::from_options(&side)), Type::I64);
    let probes: Vec<Option<i64>> = [i64::MIN, i64::MIN + 1, 0, 1, -1, i64::MAX, i64::MAX - 1, 1 << 40]
        .iter()
        .map(|&v| Some(v))
        .chain([None])
        .collect();
    check(&p, Column::I64(I64Column::from_options(&probes)));
}
