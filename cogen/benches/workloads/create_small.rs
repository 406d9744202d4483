//! `create_small`: create a generator, take its single item, drop it. Measures what a
//! generator costs before it does anything: construction, the first resume, and the drop of a
//! suspended generator. Each run creates `n` generators; the item of the `i`-th is `i`.
//!
//! The stackful crates are left out: they map a stack per generator (about 9 µs for
//! corosensei and 12 µs for `generator` in the anchors), a thousand times the others.
//!
//! next-gen is left out too: dropping a suspended next-gen 0.1.1 generator aborts the process
//! ("a `YieldSlot` was about to dangle!") in optimised builds once the drop is inlined into
//! its caller. Its `Drop` reads a flag through a `&mut` borrow taken before dropping the
//! future that sets the flag through a shared borrow, so the optimiser may keep the stale
//! value. A generator run to its end is not affected, so the other workloads keep next-gen.

use std::hint::black_box;

use cogen::{Co, Generator};

use super::Rows;

/// `0 + 1 + … + (n - 1)`.
pub(crate) fn expected(n: u64) -> u64 {
    (0..n).fold(0, u64::wrapping_add)
}

/// Creates `n` generators with `one`, taking the single item of each.
#[inline(always)]
fn each(n: u64, mut one: impl FnMut(u64) -> u64) -> u64 {
    let mut total = 0u64;
    for i in 0..n {
        total = total.wrapping_add(black_box(one(black_box(i))));
    }
    total
}

/// The hand-written one-item iterator.
pub(crate) struct Once {
    item: Option<u64>,
}

impl Iterator for Once {
    type Item = u64;

    #[inline]
    fn next(&mut self) -> Option<u64> {
        self.item.take()
    }
}

/// A cogen generator of one item (it stays suspended after it: taking the item does not end
/// it, so the drop is that of a suspended generator).
#[inline(always)]
pub(crate) fn cogen_one(
    i: u64,
) -> impl Generator<Yield = u64, Resume = (), Return = (), Error = std::convert::Infallible> {
    cogen::generator(async move |mut co: Co<'_, u64>| co.yield_(i).await)
}

/// [`cogen_one`] named by `slot` ([`cogen::generator_in`]): made without a thread-local.
#[inline(always)]
pub(crate) fn cogen_one_in(
    slot: &mut cogen::IdentitySlot,
    i: u64,
) -> impl Generator<Yield = u64, Resume = (), Return = (), Error = std::convert::Infallible> {
    cogen::generator_in(slot, async move |mut co: Co<'_, u64>| co.yield_(i).await)
}

/// Takes the first item of a generator.
#[inline(always)]
fn first(mut iter: impl Iterator<Item = u64>) -> u64 {
    iter.next().expect("the generator yields one item")
}

/// Every implementation of the workload.
pub(crate) fn rows(rows: &mut impl Rows, n: u64) {
    rows.row(
        "baseline/struct",
        || (),
        move |()| each(n, |i| first(Once { item: Some(i) })),
    );
    rows.row(
        "baseline/from_fn",
        || (),
        move |()| {
            each(n, |i| {
                let mut item = Some(i);
                first(std::iter::from_fn(move || item.take()))
            })
        },
    );
    rows.row(
        "cogen/pinned",
        || (),
        move |()| each(n, |i| first(cogen::pin!(cogen_one(i)))),
    );
    rows.row(
        "cogen/pinned (IdentitySlot)",
        || (),
        move |()| {
            each(n, |i| {
                let mut slot = cogen::IdentitySlot::new();
                first(cogen::pin!(cogen_one_in(&mut slot, i)))
            })
        },
    );
    rows.row(
        "cogen/boxed",
        || (),
        move |()| each(n, |i| first(cogen_one(i).boxed())),
    );
    rows.row(
        "cogen/BoxGen (dyn)",
        || (),
        move |()| each(n, |i| first(cogen_one(i).boxed_dyn())),
    );
    rows.row(
        "genawaiter/stack",
        || (),
        move |()| {
            each(n, |i| {
                genawaiter::stack::let_gen_using!(g, move |co| async move {
                    co.yield_(i).await;
                });
                first(g.into_iter())
            })
        },
    );
    rows.row(
        "genawaiter/rc",
        || (),
        move |()| {
            each(n, |i| {
                let g = genawaiter::rc::Gen::new(move |co| async move {
                    co.yield_(i).await;
                });
                first(g.into_iter())
            })
        },
    );
}
