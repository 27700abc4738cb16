//! Compile-fail and compile-pass tests of `#[processor]`, `#[punctuate]`
//! and `#[topology]`. Bless with `TRYBUILD=overwrite` and read every
//! `.stderr`: it is what a user sees.

#[test]
fn processor() {
    let t = trybuild::TestCases::new();
    t.pass("tests/processor/pass/*.rs");
    t.compile_fail("tests/processor/fail/*.rs");
}

#[test]
fn punctuate() {
    let t = trybuild::TestCases::new();
    t.pass("tests/punctuate/pass/*.rs");
    t.compile_fail("tests/punctuate/fail/*.rs");
}

#[test]
fn topology() {
    let t = trybuild::TestCases::new();
    t.pass("tests/topology/pass/*.rs");
    t.compile_fail("tests/topology/fail/*.rs");
}
