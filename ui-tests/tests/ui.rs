//! Compile-fail and compile-pass tests of `#[processor]`, `#[punctuate]`
//! and `#[topology]`. Bless with `TRYBUILD=overwrite` and read every
//! `.stderr`: it is what a user sees.
//!
//! NOT YET BLESSED: the `.stderr` snapshots of the compile-fail cases have
//! not been generated and read (trybuild's own RocksDB build did not finish
//! in the session that wrote the cases). Until they are, these tests are
//! `#[ignore]`d — visibly: `cargo test` reports them as ignored. To bless:
//! `TRYBUILD=overwrite cargo test -p kstreams-ui-tests -- --ignored`, read
//! every `.stderr`, then remove the `#[ignore]`s.

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
#[ignore = "compile-fail .stderr snapshots not blessed yet; see the module docs"]
fn processor() {
    let t = cases();
    t.pass("tests/processor/pass/*.rs");
    t.compile_fail("tests/processor/fail/*.rs");
}

#[test]
#[ignore = "compile-fail .stderr snapshots not blessed yet; see the module docs"]
fn punctuate() {
    let t = cases();
    t.pass("tests/punctuate/pass/*.rs");
    t.compile_fail("tests/punctuate/fail/*.rs");
}

#[test]
#[ignore = "compile-fail .stderr snapshots not blessed yet; see the module docs"]
fn topology() {
    let t = cases();
    t.pass("tests/topology/pass/*.rs");
    t.compile_fail("tests/topology/fail/*.rs");
}
