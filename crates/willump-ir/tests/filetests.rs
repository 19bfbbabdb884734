//! Data-driven file tests for the IR (Cranelift style). Each directory holds `.wir` inputs:
//!
//! - `text/`: valid, canonical text. Parsing then printing must give the file back exactly, and
//!   the parsed graph must survive a second round trip.
//! - `invalid/`: text that must be rejected; the error is compared with the `.err` file.
//! - `groups/`: graphs whose feature groups are compared with the `.groups` file.
//!
//! Run with `WILLUMP_BLESS=1` to rewrite the expected files from the current output.

use std::fs;
use std::path::{Path, PathBuf};

use willump_ir::{discover, text};

fn bless() -> bool {
    std::env::var_os("WILLUMP_BLESS").is_some()
}

fn files(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(dir);
    let mut v: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wir"))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no .wir files in {}", root.display());
    v
}

/// Compares `actual` with the file at `path`, or writes it when blessing.
fn check_expected(path: &Path, actual: &str, failures: &mut Vec<String>) {
    if bless() {
        fs::write(path, actual).unwrap();
        return;
    }
    match fs::read_to_string(path) {
        Ok(expected) if expected == actual => {}
        Ok(expected) => failures.push(format!("{}:\n--- expected\n{expected}\n--- actual\n{actual}", path.display())),
        Err(_) => failures.push(format!("{}: missing (run with WILLUMP_BLESS=1)\n{actual}", path.display())),
    }
}

fn finish(failures: Vec<String>) {
    assert!(failures.is_empty(), "{} file test(s) failed:\n\n{}", failures.len(), failures.join("\n\n"));
}

/// The text without comment lines (canonical files may start with `;` comments).
fn without_comments(s: &str) -> String {
    s.lines().filter(|l| !l.trim_start().starts_with(';')).map(|l| format!("{l}\n")).collect()
}

#[test]
fn text_round_trips() {
    let mut failures = Vec::new();
    for path in files("text") {
        let src = fs::read_to_string(&path).unwrap();
        let g = match text::parse(&src) {
            Ok(g) => g,
            Err(e) => {
                failures.push(format!("{}: {e}", path.display()));
                continue;
            }
        };
        let printed = text::print(&g);
        let again = text::parse(&printed).expect("printed text parses");
        assert_eq!(again, g, "{}: second round trip differs", path.display());
        let comments: String =
            src.lines().take_while(|l| l.trim_start().starts_with(';')).map(|l| format!("{l}\n")).collect();
        if without_comments(&src) != printed || bless() {
            check_expected(&path, &format!("{comments}{printed}"), &mut failures);
        }
    }
    finish(failures);
}

#[test]
fn invalid_text_is_rejected() {
    let mut failures = Vec::new();
    for path in files("invalid") {
        let src = fs::read_to_string(&path).unwrap();
        match text::parse(&src) {
            Ok(g) => failures.push(format!("{}: accepted:\n{g}", path.display())),
            Err(e) => check_expected(&path.with_extension("err"), &format!("{e}\n"), &mut failures),
        }
    }
    finish(failures);
}

#[test]
fn feature_groups() {
    let mut failures = Vec::new();
    for path in files("groups") {
        let g = text::parse(&fs::read_to_string(&path).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let actual = match discover(&g) {
            Ok(groups) => groups.to_text(&g),
            Err(e) => format!("error: {e}\n"),
        };
        check_expected(&path.with_extension("groups"), &actual, &mut failures);
    }
    finish(failures);
}
