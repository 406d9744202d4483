//! Test only (not published): cogen's macros used under a renamed dependency
//! (`renamed = { package = "cogen", .. }`), and cogen re-exported for `tests/reexport.rs`,
//! which uses the macros through that re-export, as a crate built on cogen would offer them.
//!
//! Neither this crate nor its tests can name `::cogen`: an expansion that hard-codes
//! `::cogen::…` does not compile here. The unit tests below use every macro through the
//! renamed path; `tests/reexport.rs` uses every macro through [`reexported`].

/// cogen, re-exported under another name, as a crate that builds on cogen would.
pub use renamed as reexported;

renamed::gen_fn! {
    /// Python: `def countdown(n): for i in range(n, 0, -1): yield i; return "liftoff"`.
    /// Written here through the renamed dependency, used by `tests/reexport.rs`.
    pub fn countdown(n: u32) -> yield u32, return &'static str {
        for i in (1..=n).rev() {
            yield i;
        }
        "liftoff"
    }
}

#[cfg(test)]
mod tests {
    use renamed::{Interrupt, Step};

    // Dummy items that would capture relative paths in the expansions.
    #[allow(dead_code)]
    mod core {}
    #[allow(dead_code)]
    mod cogen {}

    renamed::gen_fn! {
        /// `yield from` a generator (evaluates to its return value), an iterable and a nested
        /// `gen_block!`; returns what `countdown` returned.
        fn delegating() -> yield u32, return &'static str {
            let liftoff = yield from super::countdown(2);
            yield from [10, 20];
            // A nested generator's own `yield from` passes through its front door unchanged.
            yield from renamed::gen_block! { yield from [30, 31]; };
            liftoff
        }

        /// `catch!` and `raise!`, bare and path-qualified (the enclosing `gen_fn!` rewrites
        /// both spellings).
        fn catching() -> yield u32, send (), throw String, return u32 {
            let mut caught = 0;
            loop {
                match catch!(yield 40) {
                    Ok(()) => break,
                    Err(Interrupt::Throw(e)) if e == "again" => caught += 1,
                    Err(other) => renamed::raise!(other),
                }
            }
            match renamed::catch!(yield 50) {
                Ok(()) => caught,
                Err(other) => raise!(other),
            }
        }
    }

    struct Bag(Vec<u32>);

    impl Bag {
        renamed::gen_fn! {
            /// A method: borrows `self` while the generator lives.
            fn doubled(&self) -> yield u32 {
                for x in &self.0 {
                    yield x * 2;
                }
            }
        }
    }

    #[test]
    fn gen_fn_through_the_renamed_dependency() {
        let mut g = renamed::pin!(delegating());
        assert_eq!(g.by_ref().collect::<Vec<_>>(), [2, 1, 10, 20, 30, 31]);
        assert_eq!(g.take_return(), Some("liftoff"));
    }

    #[test]
    fn catch_and_raise_through_the_renamed_dependency() {
        let g = renamed::pin!(catching());
        assert_eq!(g.start(), Step::Yielded(40));
        // `catch!` sees the throw; the loop yields 40 again.
        assert_eq!(g.throw("again".to_string()), Step::Yielded(40));
        assert_eq!(g.resume(), Step::Yielded(50));
        assert_eq!(g.resume(), Step::Complete(1));

        // `raise!` re-raises what `catch!` caught: the resume reports it.
        let g = renamed::pin!(catching());
        assert_eq!(g.start(), Step::Yielded(40));
        assert_eq!(
            g.throw("boom".to_string()),
            Step::Raised("boom".to_string())
        );
        assert_eq!(g.state(), renamed::GenState::Closed);
    }

    #[test]
    fn gen_fn_method_and_gen_block_and_iter() {
        let bag = Bag(vec![1, 2]);
        assert_eq!(bag.doubled().boxed().collect::<Vec<_>>(), [2, 4]);

        let g = renamed::pin!(renamed::gen_block!(move -> yield u32, send u32 {
            let x = yield 1;
            yield x + 1;
        }));
        assert_eq!(g.start(), Step::Yielded(1));
        assert_eq!(g.send(41), Step::Yielded(42));

        let squares: Vec<u32> = renamed::iter!(x * x for x in 0..5 if x % 2 == 0).collect();
        assert_eq!(squares, [0, 4, 16]);
    }

    #[test]
    fn macros_imported_by_name() {
        use renamed::{gen_block, iter};
        let g = renamed::pin!(gen_block! {
            for pair in iter!((x, y) for x in 0..2 for y in 0..x) {
                yield pair;
            }
        });
        assert_eq!(g.collect::<Vec<_>>(), [(1, 0)]);
    }
}
