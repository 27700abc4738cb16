//! Compile-fail and compile-pass tests of `#[processor]`, `#[punctuate]`
//! and `#[topology]`. Bless with
//! `TRYBUILD=overwrite cargo test -p kstreams-ui-tests` and read every
//! `.stderr`: it is what a user sees. A message that shows generated names
//! or a wall of trait-solver output is a bug to fix, not to bless.
//!
//! trybuild builds the cases in a project of its own under
//! `$CARGO_TARGET_DIR/tests/trybuild`. The ui-tests depend on kstreams
//! without its `rocksdb` feature, so that project compiles no C++: a first
//! run builds librdkafka and the Rust dependencies only.

/// trybuild builds the cases in a project of its own, without the
/// workspace's `[profile]`: give it the same settings through the
/// environment, or it rebuilds RocksDB's C++ whenever it switches between
/// `cargo build` (pass cases) and `cargo check` (fail cases).
fn cases() -> trybuild::TestCases {
    std::env::set_var("CARGO_PROFILE_DEV_DEBUG", "1");
    std::env::set_var("CARGO_PROFILE_DEV_BUILD_OVERRIDE_DEBUG", "true");
    trybuild::TestCases::new()
}

#[test]
fn processor() {
    let t = cases();
    t.pass("tests/processor/pass/*.rs");
    t.compile_fail("tests/processor/fail/*.rs");
}

#[test]
fn punctuate() {
    let t = cases();
    t.pass("tests/punctuate/pass/*.rs");
    t.compile_fail("tests/punctuate/fail/*.rs");
}

#[test]
fn topology() {
    let t = cases();
    t.pass("tests/topology/pass/*.rs");
    t.compile_fail("tests/topology/fail/*.rs");
}
