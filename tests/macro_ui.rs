//! Compile-fail snapshots: one per construct `#[willump]` cannot lift. Each error is spanned on
//! the offending tokens and says what to write instead. Re-bless with `TRYBUILD=overwrite`.

#[test]
fn rejections() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
