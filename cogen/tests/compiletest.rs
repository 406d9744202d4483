//! Error messages of the macros (trybuild). The `.stderr` files were recorded with rustc 1.95;
//! other toolchains word errors differently, so the test only runs there.

#[rustversion::attr(
    not(stable(1.95)),
    ignore = "the .stderr files were recorded with rustc 1.95"
)]
#[cfg_attr(miri, ignore = "trybuild runs cargo")]
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
