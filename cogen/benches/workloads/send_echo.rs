//! `send_echo`: a coroutine keeps a running total of the values sent in and yields it back.
//! Measures one send round trip: a value in, a value out.
//!
//! Every row is driven the same way: start it (it yields the empty total, 0), then send
//! `0..n` one at a time, each through `black_box`, and sum the totals it yields back.

use std::convert::Infallible;
use std::hint::black_box;

use cogen::{Co, Generator, Step};

use super::Rows;

/// The sum of the running totals `T_k = 0 + 1 + … + k` for `k` in `0..n`.
pub(crate) fn expected(n: u64) -> u64 {
    let mut total = 0u64;
    let mut sum = 0u64;
    for i in 0..n {
        total = total.wrapping_add(i);
        sum = sum.wrapping_add(total);
    }
    sum
}

/// Drives a started coroutine: `first` is what starting it yielded, `send` one round trip.
#[inline(always)]
fn drive(n: u64, first: u64, mut send: impl FnMut(u64) -> u64) -> u64 {
    assert_eq!(first, 0);
    let mut sum = 0u64;
    for i in 0..n {
        sum = sum.wrapping_add(black_box(send(black_box(i))));
    }
    sum
}

/// The hand-written state machine.
pub(crate) struct Echo {
    total: u64,
}

impl Echo {
    #[inline]
    fn send(&mut self, x: u64) -> u64 {
        self.total = self.total.wrapping_add(x);
        self.total
    }
}

/// The echo as a cogen coroutine. A macro, so that every row (every "program") has its own
/// coroutine type and makes it where it uses it, as `yield_sum`'s rows do.
macro_rules! cogen_echo {
    () => {
        cogen::coroutine(async |mut co: Co<'_, u64, u64>| {
            let mut total = 0u64;
            loop {
                total = total.wrapping_add(co.yield_(total).await);
            }
        })
    };
}

/// [`cogen_echo!`] as a function: for the row that makes the coroutine elsewhere and moves it
/// in.
pub(crate) fn cogen_echo()
-> impl Generator<Yield = u64, Resume = u64, Return = (), Error = Infallible> {
    cogen_echo!()
}

#[inline(always)]
fn yielded<R, E: std::fmt::Debug>(step: Step<u64, R, E>) -> u64 {
    match step {
        Step::Yielded(x) => x,
        _ => unreachable!("the echo coroutine never ends"),
    }
}

/// The echo as a genawaiter producer (stack or rc flavour alike).
macro_rules! genawaiter_echo {
    () => {
        |co| async move {
            let mut total = 0u64;
            loop {
                total = total.wrapping_add(co.yield_(total).await);
            }
        }
    };
}

#[inline(always)]
fn genawaiter_yielded<R>(state: genawaiter::GeneratorState<u64, R>) -> u64 {
    match state {
        genawaiter::GeneratorState::Yielded(x) => x,
        genawaiter::GeneratorState::Complete(_) => unreachable!("the echo never ends"),
    }
}

/// The echo as a corosensei coroutine (its first input only starts it).
pub(crate) fn corosensei_echo() -> corosensei::Coroutine<u64, u64, ()> {
    corosensei::Coroutine::new(|y: &corosensei::Yielder<u64, u64>, _start: u64| {
        let mut total = 0u64;
        loop {
            total = total.wrapping_add(y.suspend(total));
        }
    })
}

#[inline(always)]
fn corosensei_yielded(result: corosensei::CoroutineResult<u64, ()>) -> u64 {
    match result {
        corosensei::CoroutineResult::Yield(x) => x,
        corosensei::CoroutineResult::Return(()) => unreachable!("the echo never ends"),
    }
}

/// The echo as a `generator` crate generator (`resume` starts it, `send` round-trips).
pub(crate) fn generator_echo() -> generator::Generator<'static, u64, u64> {
    generator::Gn::<u64>::new_scoped(|mut s| {
        let mut total = 0u64;
        loop {
            let x = s.yield_(total).expect("the echo is only resumed by `send`");
            total = total.wrapping_add(x);
        }
    })
}

/// The echo as a next-gen generator function (the first resume argument only starts it).
#[next_gen::generator(yield(u64), resume(u64))]
pub(crate) fn next_gen_echo() {
    let mut total = 0u64;
    loop {
        let x = yield_!(total);
        total = total.wrapping_add(x);
    }
}

#[inline(always)]
fn next_gen_yielded<R>(state: next_gen::prelude::GeneratorState<u64, R>) -> u64 {
    match state {
        next_gen::prelude::GeneratorState::Yielded(x) => x,
        next_gen::prelude::GeneratorState::Returned(_) => unreachable!("the echo never ends"),
    }
}

/// Every implementation of the workload.
pub(crate) fn rows(rows: &mut impl Rows, n: u64) {
    rows.row(
        "baseline/struct",
        || Echo { total: 0 },
        move |mut echo| drive(n, 0, |x| echo.send(x)),
    );
    // Made where it is pinned (see `yield_sum`), and made elsewhere and moved in.
    rows.row(
        "cogen/pinned",
        || (),
        move |()| {
            let g = cogen::pin!(cogen_echo!());
            drive(n, yielded(g.start()), |x| yielded(g.send(x)))
        },
    );
    rows.row("cogen/pinned (moved in)", cogen_echo, move |g| {
        let g = cogen::pin!(g);
        drive(n, yielded(g.start()), |x| yielded(g.send(x)))
    });
    rows.row(
        "cogen/boxed",
        || cogen_echo!().boxed(),
        move |g| drive(n, yielded(g.start()), |x| yielded(g.send(x))),
    );
    rows.row(
        // Made behind `black_box`, as in `yield_sum`: the dynamic call is measured.
        "cogen/BoxGen (dyn)",
        || black_box(cogen_echo!().boxed_dyn()),
        move |g| drive(n, yielded(g.start()), |x| yielded(g.send(x))),
    );
    rows.row(
        "genawaiter/stack",
        || (),
        move |()| {
            genawaiter::stack::let_gen_using!(g, genawaiter_echo!());
            let first = genawaiter_yielded(g.resume_with(0));
            drive(n, first, |x| genawaiter_yielded(g.resume_with(x)))
        },
    );
    rows.row(
        "genawaiter/rc",
        || genawaiter::rc::Gen::new(genawaiter_echo!()),
        move |mut g| {
            let first = genawaiter_yielded(g.resume_with(0));
            drive(n, first, |x| genawaiter_yielded(g.resume_with(x)))
        },
    );
    rows.row("corosensei", corosensei_echo, move |mut co| {
        let first = corosensei_yielded(co.resume(0));
        drive(n, first, |x| corosensei_yielded(co.resume(x)))
    });
    rows.row("generator", generator_echo, move |mut g| {
        let first = g.resume().expect("the echo yields its total first");
        drive(n, first, |x| g.send(x))
    });
    rows.row(
        "next-gen",
        || (),
        move |()| {
            // Boxed and leaked at the end: dropping a suspended next-gen 0.1.1 generator can
            // abort the process (see `create_small`'s module docs), and the echo never ends.
            // The box only changes where the state lives, not the cost of a resume.
            next_gen::mk_gen!(let mut g = box next_gen_echo());
            let first = next_gen_yielded(g.as_mut().resume(0));
            let sum = drive(n, first, |x| next_gen_yielded(g.as_mut().resume(x)));
            std::mem::forget(g);
            sum
        },
    );
}
