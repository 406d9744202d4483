//! `yield_sum`: yield `0..n` as `u64`, summed by a `for` loop. Measures the cost of one
//! resume/yield round trip with nothing else in it.

use std::convert::Infallible;
use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;

use cogen::Generator;

use super::stream_floor::{AwaitFloor, FloorIter, await_floor_yield};
use super::{Rows, sum, sum_coroutine};

/// `0 + 1 + … + (n - 1)`.
pub(crate) fn expected(n: u64) -> u64 {
    (0..n).fold(0, u64::wrapping_add)
}

/// The hand-written iterator: what a generator should cost at best.
pub(crate) struct Counter {
    next: u64,
    end: u64,
}

impl Counter {
    pub(crate) fn new(n: u64) -> Self {
        Counter { next: 0, end: n }
    }
}

impl Iterator for Counter {
    type Item = u64;

    #[inline]
    fn next(&mut self) -> Option<u64> {
        if self.next < self.end {
            let x = self.next;
            self.next += 1;
            Some(x)
        } else {
            None
        }
    }
}

/// The hand-written iterator made `!Unpin`, as every `async` state machine (and so every
/// generator body) is. Boxed, it shows what that alone costs: rustc gives a `Box<T>` argument
/// LLVM's `noalias` only when `T: Unpin`, and without it the optimiser must assume that opaque
/// code (here `black_box`) may change the iterator, so it cannot keep its fields in registers
/// across items.
pub(crate) struct PinnedCounter {
    counter: Counter,
    _pinned: std::marker::PhantomPinned,
}

impl PinnedCounter {
    pub(crate) fn new(n: u64) -> Self {
        PinnedCounter {
            counter: Counter::new(n),
            _pinned: std::marker::PhantomPinned,
        }
    }
}

impl Iterator for PinnedCounter {
    type Item = u64;

    #[inline]
    fn next(&mut self) -> Option<u64> {
        self.counter.next()
    }
}

/// The counter as a cogen generator. A macro, so that every row (every "program") has its own
/// generator type, as it would in real code: a type resumed from several places gets its body
/// inlined into none of them, like any large `next`.
macro_rules! cogen_counter_body {
    ($n:expr) => {{
        let n: u64 = $n;
        cogen::generator(async move |mut co: cogen::Co<'_, u64>| {
            for i in 0..n {
                co.yield_(i).await;
            }
        })
    }};
}

/// [`cogen_counter_body!`] as a function, for the rows that need a nameable type.
pub(crate) fn cogen_counter(
    n: u64,
) -> impl Generator<Yield = u64, Resume = (), Return = (), Error = Infallible> {
    cogen_counter_body!(n)
}

/// The counter as a genawaiter producer (stack or rc flavour alike).
macro_rules! genawaiter_counter {
    ($n:expr) => {
        move |co| async move {
            for i in 0..$n {
                co.yield_(i).await;
            }
        }
    };
}
pub(crate) use genawaiter_counter;

/// The counter as a corosensei coroutine (the stack is allocated here, outside the timing).
pub(crate) fn corosensei_counter(n: u64) -> corosensei::Coroutine<(), u64, ()> {
    corosensei::Coroutine::new(move |y: &corosensei::Yielder<(), u64>, ()| {
        for i in 0..n {
            y.suspend(i);
        }
    })
}

/// The counter as a `generator` crate generator.
pub(crate) fn generator_counter(n: u64) -> generator::Generator<'static, (), u64> {
    generator::Gn::<()>::new_scoped(move |mut s| {
        for i in 0..n {
            s.yield_(i);
        }
        generator::done!()
    })
}

/// The counter as a next-gen generator function.
#[next_gen::generator(yield(u64))]
pub(crate) fn next_gen_counter(n: u64) {
    for i in 0..n {
        yield_!(i);
    }
}

/// [`sum`] in a function of its own, which receives the boxed iterator as an argument: there
/// the optimiser relies on the argument's `noalias` to keep the iterator's fields in registers,
/// and rustc only gives it to a `Box<T>` with `T: Unpin`.
#[inline(never)]
fn sum_elsewhere<I: Iterator<Item = u64> + ?Sized>(iter: Box<I>) -> u64 {
    sum(iter)
}

/// The boxed await floor summed in a function of its own, as [`sum_elsewhere`] sums the boxed
/// hand-written iterators (inlined where it is made, the optimiser keeps it in registers).
#[inline(never)]
fn sum_floor_elsewhere<F: Future<Output = ()>>(floor: Pin<Box<AwaitFloor<F>>>) -> u64 {
    sum(FloorIter(floor))
}

/// The `cogen/pinned` row (a named function, to find it in a profile).
#[inline(never)]
fn pinned_in_place(n: u64) -> u64 {
    sum(cogen::pin!(cogen_counter_body!(n)))
}

/// Every implementation of the workload.
pub(crate) fn rows(rows: &mut impl Rows, n: u64) {
    rows.row("baseline/struct", move || Counter::new(n), sum);
    rows.row(
        "baseline/from_fn",
        move || {
            let mut i = 0;
            std::iter::from_fn(move || {
                (i < n).then(|| {
                    i += 1;
                    i - 1
                })
            })
        },
        sum,
    );
    // The hand-written iterator boxed and summed in a function of its own (as a boxed
    // generator is made in one place and consumed in another), as is and `!Unpin`: the limit
    // for the boxed rows below.
    rows.row(
        "baseline/struct (boxed)",
        move || Box::new(Counter::new(n)),
        sum_elsewhere,
    );
    rows.row(
        "baseline/struct, !Unpin (boxed)",
        move || Box::new(PinnedCounter::new(n)),
        sum_elsewhere,
    );
    // Type-erased behind `black_box`, as the `BoxGen (dyn)` row below: the limit for it, a
    // dynamic call per item.
    rows.row(
        "baseline/struct (Box<dyn Iterator>)",
        move || black_box(Box::new(Counter::new(n)) as Box<dyn Iterator<Item = u64>>),
        sum,
    );
    // Made where it is pinned, as `for x in cogen::pin!(counter(n))` is written (its creation
    // is inside the timing): the compiler sees the whole generator and keeps it in registers.
    rows.row("cogen/pinned", move || n, pinned_in_place);
    // Made elsewhere and moved in (through the harness): its state is not known where it is
    // resumed, so the optimiser peels the first resume off the loop, after which the loop is
    // the pinned one.
    rows.row(
        "cogen/pinned (moved in)",
        move || cogen_counter_body!(n),
        |g| sum(cogen::pin!(g)),
    );
    // The same with a body that catches at its yields (`.catch()`, as it would to handle a
    // throw): such a body keeps the delegation walk in its resume, and moved in, every item
    // dispatches on its state. An analysis row (what the peeling above is worth).
    rows.row(
        "cogen/pinned (moved in, body catches)",
        move || {
            cogen::generator(async move |mut co: cogen::Co<'_, u64>| {
                for i in 0..n {
                    if co.yield_(i).catch().await.is_err() {
                        return;
                    }
                }
            })
        },
        |g| sum(cogen::pin!(g)),
    );
    rows.row("cogen/boxed", move || cogen_counter_body!(n).boxed(), sum);
    // The least a boxed generator built on `.await` can cost: yields that pass their value
    // through the waker, with no protocol at all (no states, checks, send, throw or close).
    rows.row(
        "reference/await floor, no protocol (boxed)",
        move || {
            Box::pin(AwaitFloor::new(async move {
                for i in 0..n {
                    await_floor_yield(i).await;
                }
            }))
        },
        sum_floor_elsewhere,
    );
    // Made behind `black_box`, so that the optimiser cannot see which generator the handle
    // holds (as where a `BoxGen` is returned from a function it does not inline): the dynamic
    // call is measured. Made where it is iterated, the call is devirtualised.
    rows.row(
        "cogen/BoxGen (dyn)",
        move || black_box(cogen_counter_body!(n).boxed_dyn()),
        sum,
    );
    rows.row(
        "cogen/BoxGen (dyn, devirtualised)",
        move || cogen_counter_body!(n).boxed_dyn(),
        sum,
    );
    rows.row(
        "genawaiter/stack",
        || (),
        move |()| {
            genawaiter::stack::let_gen_using!(g, genawaiter_counter!(n));
            sum(g.into_iter())
        },
    );
    rows.row(
        "genawaiter/rc",
        move || genawaiter::rc::Gen::new(genawaiter_counter!(n)),
        |g| sum(g.into_iter()),
    );
    rows.row(
        "corosensei",
        move || corosensei_counter(n),
        |mut co| sum_coroutine(&mut co),
    );
    rows.row("generator", move || generator_counter(n), sum);
    rows.row(
        "next-gen",
        || (),
        move |()| {
            next_gen::mk_gen!(let g = next_gen_counter(n));
            sum(g)
        },
    );
}
