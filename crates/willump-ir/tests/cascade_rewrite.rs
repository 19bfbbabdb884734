//! File tests of the cascade rewrite: each `tests/cascade/*.wir` names its selected groups and
//! threshold in header comments (`; select: 0, 2`, `; threshold: 0.9`); the small part and the
//! full cascade graph are compared with the `.cascade` file. `WILLUMP_BLESS=1` re-blesses.

use std::fs;
use std::path::Path;

use willump_ir::{CascadeSpec, ModelTask, Op, StateDecl, StateKind, cascade_graph, discover, small_graph, text};

fn header<'a>(src: &'a str, key: &str) -> &'a str {
    src.lines()
        .find_map(|l| l.strip_prefix("; ").and_then(|l| l.strip_prefix(key)).and_then(|l| l.strip_prefix(':')))
        .unwrap_or_else(|| panic!("missing `; {key}:` header"))
        .trim()
}

fn rewrite(src: &str) -> String {
    let g = text::parse(src).unwrap();
    let groups = discover(&g).unwrap();
    let selected: Vec<usize> = header(src, "select").split(',').map(|s| s.trim().parse().unwrap()).collect();
    let threshold: f64 = header(src, "threshold").parse().unwrap();
    let Op::Model { state, .. } = g.node(groups.model).op else { panic!() };
    let StateKind::Model { class, task, .. } = g.state(state).kind.clone() else { panic!() };
    let width = selected.iter().map(|&i| groups.groups[i].width().unwrap()).sum();
    let small_model = StateDecl {
        name: "model.small".into(),
        kind: StateKind::Model { class, n_features: width, task },
        fingerprint: 0,
    };
    let spec = CascadeSpec { selected, threshold, small_model };
    let (small, s_nodes) = small_graph(&g, &groups, &spec).unwrap();
    let (cascade, c_nodes) = cascade_graph(&g, &groups, &spec).unwrap();
    // Both round-trip through the text form.
    assert_eq!(text::parse(&text::print(&small)).unwrap(), small);
    assert_eq!(text::parse(&text::print(&cascade)).unwrap(), cascade);
    assert_eq!(s_nodes.small_state, c_nodes.small_state);
    let _ = ModelTask::Binary;
    format!("; small part\n{}; cascade\n{}", text::print(&small), text::print(&cascade))
}

#[test]
fn cascade_rewrites() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cascade");
    let mut paths: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wir"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty());
    let mut failures = Vec::new();
    for path in paths {
        let actual = rewrite(&fs::read_to_string(&path).unwrap());
        let expected_path = path.with_extension("cascade");
        if std::env::var_os("WILLUMP_BLESS").is_some() {
            fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        match fs::read_to_string(&expected_path) {
            Ok(e) if e == actual => {}
            Ok(e) => failures.push(format!("{}:\n--- expected\n{e}\n--- actual\n{actual}", path.display())),
            Err(_) => failures.push(format!("{}: missing (WILLUMP_BLESS=1)\n{actual}", expected_path.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn bad_specs_are_errors() {
    let src = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cascade/text.wir")).unwrap();
    let g = text::parse(&src).unwrap();
    let groups = discover(&g).unwrap();
    let decl = |w| StateDecl {
        name: "small".into(),
        kind: StateKind::Model { class: "gbdt".into(), n_features: w, task: ModelTask::Binary },
        fingerprint: 0,
    };
    for (selected, threshold, want) in [
        (vec![0, 1], 0.6, "at least one selected and one remaining"),
        (vec![], 0.6, "at least one selected"),
        (vec![5], 0.6, "does not exist"),
        (vec![0, 0], 0.6, "twice"),
        (vec![0], f64::NAN, "threshold"),
    ] {
        let spec = CascadeSpec { selected, threshold, small_model: decl(10000) };
        let e = cascade_graph(&g, &groups, &spec).unwrap_err().to_string();
        assert!(e.contains(want), "{e}");
    }
    // A small model whose width does not match the selected columns is a type error.
    let spec = CascadeSpec { selected: vec![0], threshold: 0.6, small_model: decl(7) };
    let e = small_graph(&g, &groups, &spec).unwrap_err().to_string();
    assert!(e.contains("expects 7 features"), "{e}");
}
