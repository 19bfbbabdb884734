//! Composite join keys probed by per-part dictionaries in generated code
//! (`willump-jit/src/join.rs`, `PartDicts`; `codegen/join_probe.rs`, `emit_parts`): each key
//! part's value gets a dense id, the side row is read from a dense array over the combinations.
//! Compiled equals the interpreter bit for bit with part values absent from the side table, null
//! parts, non-ASCII and NUL-containing parts, strings of every length up to three packed words
//! (and longer than every side value), keys whose parts each exist but whose combination does
//! not, i64 parts over a small range (dense ids) and over a wide one (hashed), three parts, and
//! a side table whose part values repeat (so the per-part cache of the last value is exercised
//! both ways).

mod jit_common;

use willump::Pipeline;
use willump::ir::Type;
use willump::ir::params::table::Scalar;
use willump::runtime::rng::Rng;
use willump::runtime::value::{BoolColumn, Column, F64Column, I64Column, StringColumn, Table, Value};

/// `(k0, k1, ...) -> side table -> (v, w)` as a dense block; the side table holds the key
/// columns `keys` and two value columns (`v` with holes, `w` the side row).
fn pipeline(keys: Vec<Column>) -> Pipeline {
    let n = keys[0].len();
    let v: Vec<Option<i64>> = (0..n as i64).map(|i| if i % 5 == 4 { None } else { Some(i * 3 - 7) }).collect();
    let names: Vec<String> = (0..keys.len()).map(|i| format!("k{i}")).collect();
    let types: Vec<Type> =
        keys.iter().map(|c| if matches!(c, Column::Str(_)) { Type::STR } else { Type::I64 }).collect();
    let mut cols: Vec<(String, Column)> = names.iter().cloned().zip(keys).collect();
    cols.push(("v".into(), Column::I64(I64Column::from_options(&v))));
    cols.push(("w".into(), Column::I64(I64Column::new((0..n as i64).collect()))));
    let side = Table::try_new(cols).unwrap();
    let key_names: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    jit_common::join_pipeline(&side, &key_names, &types, &[("v", Scalar::Missing), ("w", Scalar::I64(-1))])
}

fn strs(v: &[Option<&str>]) -> Column {
    Column::Str(StringColumn::from_options(v))
}

fn ints(v: &[Option<i64>]) -> Column {
    Column::I64(I64Column::from_options(v))
}

fn check(p: &Pipeline, probes: Vec<Column>) {
    let c = willump::jit::compile(p, &willump::jit::CompileOptions::default()).unwrap();
    assert!(c.report().callback_nodes.is_empty(), "{}", c.report());
    let inputs: Vec<Value> = probes.into_iter().map(Value::Column).collect();
    jit_common::check_with(p, &inputs, &jit_common::option_sets()[..2]);
}

/// Distinct strings (`i` written in base 6 over a non-ASCII alphabet with NUL, then padded with
/// `-`), of every length from 0 to 25 bytes (one to four packed words).
fn word(i: usize) -> String {
    let alphabet = ['a', 'Z', 'é', '\0', '7', '東'];
    let mut s = String::new();
    let mut k = i;
    while k > 0 {
        s.push(alphabet[k % alphabet.len()]);
        k /= alphabet.len();
    }
    while s.len() < i % 24 {
        s.push('-');
    }
    s
}

#[test]
fn two_str_parts() {
    // three origins (one non-ASCII, one empty) x 40 stamps of every length, with holes: every
    // stamp and every origin exists, not every combination
    let origins = ["EWR", "Zürich", ""];
    let (mut o, mut t) = (Vec::new(), Vec::new());
    for (i, &org) in origins.iter().enumerate() {
        for h in 0..40 {
            if (h + i) % 7 != 3 {
                o.push(Some(org.to_string()));
                t.push(Some(word(h)));
            }
        }
    }
    // side rows with a null part never match
    o.push(None);
    t.push(Some(word(1)));
    o.push(Some("EWR".into()));
    t.push(None);
    let side = |v: &[Option<String>]| strs(&v.iter().map(|s| s.as_deref()).collect::<Vec<_>>());
    let p = pipeline(vec![side(&o), side(&t)]);
    let mut rng = Rng::new(7);
    let mut pick = |k: usize| (rng.next_f64() * k as f64) as usize;
    let (mut po, mut pt) = (Vec::new(), Vec::new());
    for _ in 0..1500 {
        let org = match pick(12) {
            0 => None,
            1 => Some("JFK".to_string()),     // a value no side row has
            2 => Some("Zürich!".to_string()), // longer than every origin
            k => Some(origins[k % 3].to_string()),
        };
        let stamp = match pick(15) {
            0 => None,
            1 => Some(word(47)),                        // unseen, 23 bytes
            2 => Some("x".repeat(24 + pick(10))),       // longer than every stamp
            3 => Some(format!("{}\0", word(pick(23)))), // a seen stamp with a NUL after it
            _ => Some(word(pick(40))),
        };
        // runs of the same key (the last-value caches hit) and single keys (they miss)
        for _ in 0..=pick(3) {
            po.push(org.clone());
            pt.push(stamp.clone());
        }
    }
    let col = |v: &[Option<String>]| strs(&v.iter().map(|s| s.as_deref()).collect::<Vec<_>>());
    check(&p, vec![col(&po), col(&pt)]);
}

#[test]
fn int_parts_dense_and_wide_with_a_str_part() {
    // (small-range i64, str): dense ids for the int part
    let mut k0 = Vec::new();
    let mut k1 = Vec::new();
    for a in -3..9i64 {
        for b in 0..5 {
            if (a + b) % 4 != 0 {
                k0.push(Some(a));
                k1.push(Some(word(b as usize * 5)));
            }
        }
    }
    let s1: Vec<Option<&str>> = k1.iter().map(|s| s.as_deref()).collect();
    let p = pipeline(vec![ints(&k0), strs(&s1)]);
    let mut probes0 = Vec::new();
    let mut probes1 = Vec::new();
    for a in [-4i64, -3, 0, 4, 8, 9, i64::MIN, i64::MAX] {
        for b in 0..7 {
            probes0.push(if b == 6 { None } else { Some(a) });
            probes1.push(if b == 5 { None } else { Some(word(b * 5)) });
        }
    }
    let p1: Vec<Option<&str>> = probes1.iter().map(|s| s.as_deref()).collect();
    check(&p, vec![ints(&probes0), strs(&p1)]);

    // (str, wide-range i64): the int part hashed
    let wide = [i64::MIN, -1, 0, 1 << 40, i64::MAX];
    let mut k0 = Vec::new();
    let mut k1 = Vec::new();
    for (i, &w) in wide.iter().enumerate() {
        for s in ["a", "é", ""] {
            if (i + s.len()) % 3 != 1 {
                k0.push(Some(s));
                k1.push(Some(w));
            }
        }
    }
    let p = pipeline(vec![strs(&k0), ints(&k1)]);
    let mut probes0 = Vec::new();
    let mut probes1 = Vec::new();
    for w in wide.iter().copied().chain([2, i64::MIN + 1]) {
        for s in [Some("a"), Some("é"), Some(""), Some("b"), None] {
            probes0.push(s);
            probes1.push(Some(w));
        }
        probes0.push(Some("a"));
        probes1.push(None);
    }
    check(&p, vec![strs(&probes0), ints(&probes1)]);
}

#[test]
fn three_parts() {
    let mut cols: [Vec<Option<String>>; 2] = Default::default();
    let mut mid = Vec::new();
    for a in 0..4 {
        for b in 0..6i64 {
            for c in 0..3 {
                if (a + b as usize + c) % 5 != 2 {
                    cols[0].push(Some(word(a * 7 + 1)));
                    mid.push(Some(b * 10));
                    cols[1].push(Some(word(c * 9 + 2)));
                }
            }
        }
    }
    let s = |v: &[Option<String>]| strs(&v.iter().map(|s| s.as_deref()).collect::<Vec<_>>());
    let p = pipeline(vec![s(&cols[0]), ints(&mid), s(&cols[1])]);
    let mut rng = Rng::new(3);
    let mut pick = |k: usize| (rng.next_f64() * k as f64) as usize;
    let (mut p0, mut p1, mut p2) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..600 {
        p0.push(if pick(20) == 0 { None } else { Some(word(pick(5) * 7 + 1)) });
        p1.push(if pick(20) == 0 { None } else { Some(pick(7) as i64 * 10 - pick(2) as i64) });
        p2.push(if pick(20) == 0 { None } else { Some(word(pick(4) * 9 + 2)) });
    }
    check(&p, vec![s(&p0), ints(&p1), s(&p2)]);
}

#[test]
fn many_value_columns_of_every_type_in_one_record() {
    // 11 value columns (f64, i64, bool; with missing values; defaults missing or given): their
    // validity bytes span two words of a row's record
    let n = 40usize;
    let keys: Vec<Option<String>> = (0..n).map(|i| Some(word(i * 7 + 1))).collect();
    let mut cols: Vec<(String, Column)> =
        vec![("k".into(), strs(&keys.iter().map(|s| s.as_deref()).collect::<Vec<_>>()))];
    let mut values: Vec<(String, Scalar)> = Vec::new();
    for c in 0..11usize {
        let name = format!("c{c}");
        let hole = |i: usize| (i + c).is_multiple_of(3 + c % 4);
        let (col, default) = match c % 3 {
            0 => (
                Column::F64(F64Column::from_options(
                    &(0..n).map(|i| (!hole(i)).then_some(i as f64 * 0.5 - c as f64)).collect::<Vec<_>>(),
                )),
                if c == 3 { Scalar::F64(-2.5) } else { Scalar::Missing },
            ),
            1 => (
                Column::I64(I64Column::from_options(
                    &(0..n).map(|i| (!hole(i)).then_some(i as i64 * 3 - c as i64)).collect::<Vec<_>>(),
                )),
                if c == 4 { Scalar::I64(7) } else { Scalar::Missing },
            ),
            _ => (
                Column::Bool(BoolColumn::from_options(
                    &(0..n).map(|i| (!hole(i)).then_some((i + c) % 2 == 0)).collect::<Vec<_>>(),
                )),
                if c == 5 { Scalar::Bool(true) } else { Scalar::Missing },
            ),
        };
        cols.push((name.clone(), col));
        values.push((name, default));
    }
    let side = Table::try_new(cols).unwrap();
    let vals: Vec<(&str, Scalar)> = values.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
    let p = jit_common::join_pipeline(&side, &["k"], &[Type::STR], &vals);
    let probes: Vec<Option<String>> =
        (0..n + 10).map(|i| if i % 13 == 5 { None } else { Some(word(((i * 11) % (n + 5)) * 7 + 1)) }).collect();
    check(&p, vec![strs(&probes.iter().map(|s| s.as_deref()).collect::<Vec<_>>())]);
}
