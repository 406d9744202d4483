//! The workloads of `cogen/benches/workloads/` (the same rows as `cargo bench`) with the
//! compiler's own generators beside them: `yield_sum` with a nightly `static` coroutine (a
//! `!Unpin` state machine like cogen's body, pinned, moved in, and boxed), `stream_sum` and
//! `stream_fold` with a nightly `async gen` block. They show how close to the hand-written code
//! a stackless generator comes when the compiler itself builds it, in the same run as cogen's,
//! which builds each yield from an `.await` on stable Rust. Nightly only; run from the
//! repository root: `cargo +nightly bench --manifest-path bench-nightly/Cargo.toml`.

#![feature(gen_blocks, async_iterator, coroutines, coroutine_trait)]

#[path = "../../cogen/benches/workloads/mod.rs"]
mod workloads;

use std::async_iter::AsyncIterator;
use std::ops::{Coroutine, CoroutineState, DerefMut};
use std::pin::{Pin, pin};
use std::task::{Context, Poll};

use criterion::{Criterion, criterion_group, criterion_main};
use futures::executor::block_on;
use futures_core::Stream;
use workloads::settings::quick;
use workloads::stream_sum::{self, fold_sum, sum};
use workloads::{CriterionRows, Rows, sum as sum_iter, yield_sum};

/// A nightly coroutine, behind any pinned pointer, as an `Iterator`.
struct CoroutineIter<P>(Pin<P>);

impl<P> Iterator for CoroutineIter<P>
where
    P: DerefMut<Target: Coroutine<Yield = u64, Return = ()>>,
{
    type Item = u64;

    #[inline]
    fn next(&mut self) -> Option<u64> {
        match self.0.as_mut().resume(()) {
            CoroutineState::Yielded(x) => Some(x),
            CoroutineState::Complete(()) => None,
        }
    }
}

/// The counter as a nightly `static` coroutine: `!Unpin`, as every async body is.
fn native_coroutine(n: u64) -> impl Coroutine<Yield = u64, Return = ()> {
    #[coroutine]
    static move || {
        for i in 0..n {
            yield i;
        }
    }
}

/// A nightly `async gen` block as a `Stream`.
struct Native<A>(A);

impl<A: AsyncIterator> Stream for Native<A> {
    type Item = A::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<A::Item>> {
        // SAFETY: structural pinning of the only field: `Native` never moves it out, has no
        // `Drop` impl, and is `Unpin` only when the field is (the auto trait).
        unsafe { self.map_unchecked_mut(|native| &mut native.0) }.poll_next(cx)
    }
}

/// The counter as a nightly async generator.
fn native_counter(n: u64) -> Native<impl AsyncIterator<Item = u64>> {
    Native(async gen move {
        for i in 0..n {
            yield i;
        }
    })
}

fn bench(c: &mut Criterion) {
    let n = if quick() { 10_000 } else { 10_000_000 };
    let mut rows = CriterionRows::new(c, "yield_sum", n, yield_sum::expected(n));
    yield_sum::rows(&mut rows, n);
    rows.row(
        "nightly/static coroutine (pinned)",
        move || n,
        |n| sum_iter(CoroutineIter(pin!(native_coroutine(n)))),
    );
    rows.row(
        "nightly/static coroutine (moved in)",
        move || native_coroutine(n),
        |g| sum_iter(CoroutineIter(pin!(g))),
    );
    rows.row(
        "nightly/static coroutine (boxed)",
        move || Box::pin(native_coroutine(n)),
        |g| sum_iter(CoroutineIter(g)),
    );
    rows.finish();

    let n = if quick() { 10_000 } else { 1_000_000 };
    let mut rows = CriterionRows::new(c, "stream_sum", n, stream_sum::expected(n));
    stream_sum::rows(&mut rows, n);
    rows.row(
        "nightly/async gen (stack)",
        move || n,
        |n| block_on(sum(pin!(native_counter(n)))),
    );
    rows.finish();
    let mut rows = CriterionRows::new(c, "stream_fold", n, stream_sum::expected(n));
    stream_sum::fold_rows(&mut rows, n);
    rows.row(
        "nightly/async gen (fold)",
        move || n,
        |n| fold_sum(native_counter(n)),
    );
    rows.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
