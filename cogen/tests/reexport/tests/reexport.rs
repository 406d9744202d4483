//! cogen's macros used through another crate's re-export
//! (`cogen_reexport_test::reexported`, which is `pub use renamed as reexported`): the way a
//! crate built on cogen would hand them to its users. This test crate cannot name `::cogen`.

use cogen_reexport_test::reexported::{self, Interrupt, Step};

// Dummy items that would capture relative paths in the expansions.
#[allow(dead_code)]
mod core {}
#[allow(dead_code)]
mod cogen {}

reexported::gen_fn! {
    /// `yield from` a generator of the re-exporting crate (evaluates to its return value), an
    /// iterable and a nested `gen_block!`.
    fn delegating() -> yield u32, return &'static str {
        let liftoff = yield from cogen_reexport_test::countdown(1);
        yield from 5..7;
        yield from reexported::gen_block! { yield 8; };
        liftoff
    }

    /// `catch!` and `raise!`, path-qualified and bare.
    fn catching() -> yield u32, send (), throw String, return u32 {
        match reexported::catch!(yield 9) {
            Ok(()) => {}
            Err(Interrupt::Throw(e)) if e == "ignored" => yield 10,
            Err(other) => reexported::raise!(other),
        }
        match catch!(yield 11) {
            Ok(()) => 12,
            Err(other) => raise!(other),
        }
    }
}

#[test]
fn gen_fn_through_the_reexport() {
    let mut g = reexported::pin!(delegating());
    assert_eq!(g.by_ref().collect::<Vec<_>>(), [1, 5, 6, 8]);
    assert_eq!(g.take_return(), Some("liftoff"));
}

#[test]
fn catch_and_raise_through_the_reexport() {
    let g = reexported::pin!(catching());
    assert_eq!(g.start(), Step::Yielded(9));
    assert_eq!(g.throw("ignored".to_string()), Step::Yielded(10));
    assert_eq!(g.resume(), Step::Yielded(11));
    assert_eq!(g.resume(), Step::Complete(12));

    let g = reexported::pin!(catching());
    assert_eq!(g.start(), Step::Yielded(9));
    assert_eq!(
        g.throw("boom".to_string()),
        Step::Raised("boom".to_string())
    );
    assert_eq!(g.state(), reexported::GenState::Closed);
}

#[test]
fn gen_block_and_iter_through_the_reexport() {
    use cogen_reexport_test::reexported::{gen_block, iter};

    let g = reexported::pin!(reexported::gen_block!(-> yield u32, send u32 {
        let x = yield 1;
        yield x * 2;
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(g.send(21), Step::Yielded(42));

    let evens: Vec<u32> = reexported::iter!(move x for x in 0..6 if x % 2 == 0).collect();
    assert_eq!(evens, [0, 2, 4]);

    // Imported by name from the re-export.
    let g = reexported::pin!(gen_block! {
        yield from iter!(x + 1 for x in 0..3);
    });
    assert_eq!(g.collect::<Vec<_>>(), [1, 2, 3]);
}
