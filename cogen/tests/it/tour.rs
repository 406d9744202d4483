//! The tour example prints what CPython prints for the seed (`shared/seed/seed_tour.out`,
//! copied next to this file so the test needs nothing outside the repository).

#[path = "../../examples/tour.rs"]
#[allow(dead_code, unreachable_pub)]
mod tour_example;

const EXPECTED: &str = include_str!("seed_tour.out");

#[test]
#[cfg_attr(miri, ignore)] // runs every section; the sections' behaviour is covered elsewhere
fn tour_prints_what_cpython_prints() {
    let mut out = Vec::new();
    tour_example::run(&mut out).unwrap();
    let printed = String::from_utf8(out).unwrap();
    assert_eq!(printed, EXPECTED);
}

#[test]
#[cfg_attr(miri, ignore)] // reads a file: Miri's isolation forbids it
fn expected_output_is_the_seed() {
    // When the shared folder is beside the repository (as on CI), the copy must not drift.
    let seed = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/seed/seed_tour.out"
    );
    if let Ok(seed) = std::fs::read_to_string(seed) {
        assert_eq!(seed, EXPECTED);
    }
}
