//! `stream_sum`: an async generator yielding `0..n` as `u64`, consumed with `StreamExt::next`
//! under `futures::executor::block_on` and summed. Measures one `poll_next` round trip through
//! an executor's `Context`, beside a hand-written `Stream`, async-stream's `stream!` and
//! genawaiter's `Stream` impls (its `futures03` feature).
//!
//! `stream_fold` ([`fold_rows`]) is the same sum written with `StreamExt::fold`: the stream is
//! moved into the combinator, which `block_on` keeps in its own frame, so the compiler may keep
//! the whole stream in registers, where `sum` reaches it through a pointer. The two consumers
//! favour different implementations, so both are measured.
//!
//! Both tables have a reference row, [`AwaitFloor`] (in [`super::stream_floor`]): the least an
//! async generator whose yields are `.await`s can do (no protocol at all), to show what the
//! design itself costs and what cogen's protocol adds to it.

use std::future::Future;
use std::hint::black_box;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};

use futures::StreamExt;
use futures::executor::block_on;
use futures_core::Stream;

use super::Rows;
use super::stream_floor::{AwaitFloor, await_floor_yield};
use super::yield_sum::genawaiter_counter;

/// `0 + 1 + … + (n - 1)`, as in `yield_sum`.
pub(crate) fn expected(n: u64) -> u64 {
    super::yield_sum::expected(n)
}

/// The hand-written `Stream` of `0..n`, always ready: what an async generator should cost at
/// best.
pub(crate) struct Counter {
    next: u64,
    end: u64,
}

impl Stream for Counter {
    type Item = u64;

    #[inline]
    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<u64>> {
        if self.next < self.end {
            self.next += 1;
            Poll::Ready(Some(self.next - 1))
        } else {
            Poll::Ready(None)
        }
    }
}

/// Sums a stream, each item through `black_box`.
pub(crate) async fn sum(mut stream: impl Stream<Item = u64> + Unpin) -> u64 {
    let mut total = 0u64;
    while let Some(x) = stream.next().await {
        total = total.wrapping_add(black_box(x));
    }
    total
}

/// Sums a stream with `StreamExt::fold` (each item through `black_box`), moving the stream into
/// the combinator.
pub(crate) fn fold_sum(stream: impl Stream<Item = u64>) -> u64 {
    block_on(stream.fold(
        0u64,
        |total, x| async move { total.wrapping_add(black_box(x)) },
    ))
}

/// The counter as a cogen async generator. A macro, so that each row gets a generator type of
/// its own, as separate programs would (with one type polled from two rows, the compiler no
/// longer inlines the body's poll into either, which no single program would see).
macro_rules! cogen_counter {
    ($n:expr) => {{
        let n: u64 = $n;
        cogen::async_generator(async move |mut co: cogen::Co<'_, u64>| {
            for i in 0..n {
                co.yield_(i).await;
            }
        })
    }};
}

/// The counter as an [`AwaitFloor`].
fn await_floor_counter(n: u64) -> AwaitFloor<impl Future<Output = ()>> {
    AwaitFloor::new(async move {
        for i in 0..n {
            await_floor_yield(i).await;
        }
    })
}

/// The counter as an async-stream `stream!`.
fn async_stream_counter(n: u64) -> impl Stream<Item = u64> {
    async_stream::stream! {
        for i in 0..n {
            yield i;
        }
    }
}

/// Every implementation of the workload. Each row makes its stream where it consumes it (as
/// `pin!` requires), so creation is inside the timing: one stream per `n` items.
pub(crate) fn rows(rows: &mut impl Rows, n: u64) {
    rows.row(
        "baseline/hand-written Stream",
        move || n,
        |n| block_on(sum(Counter { next: 0, end: n })),
    );
    rows.row(
        "cogen/async_generator (stack)",
        move || n,
        |n| block_on(sum(pin!(cogen_counter!(n)))),
    );
    rows.row(
        "cogen/async_generator (Box::pin)",
        move || n,
        |n| block_on(sum(Box::pin(cogen_counter!(n)))),
    );
    rows.row(
        // Not an async generator: the sync resume path, for reference.
        "cogen/sync generator via stream::iter",
        move || n,
        |n| {
            let counter = cogen::pin!(cogen::generator(async move |mut co| {
                for i in 0..n {
                    co.yield_(i).await;
                }
            }));
            block_on(sum(futures::stream::iter(counter)))
        },
    );
    rows.row(
        "async-stream/stream!",
        move || n,
        |n| block_on(sum(pin!(async_stream_counter(n)))),
    );
    rows.row(
        "reference/await floor, no protocol (stack)",
        move || n,
        |n| block_on(sum(pin!(await_floor_counter(n)))),
    );
    rows.row(
        "genawaiter/rc",
        move || n,
        |n| block_on(sum(genawaiter::rc::Gen::new(genawaiter_counter!(n)))),
    );
    rows.row(
        "genawaiter/stack",
        move || n,
        |n| {
            genawaiter::stack::let_gen_using!(g, genawaiter_counter!(n));
            block_on(sum(g))
        },
    );
}

/// The same streams summed with [`fold_sum`] (the `stream_fold` table).
pub(crate) fn fold_rows(rows: &mut impl Rows, n: u64) {
    rows.row(
        "baseline/hand-written Stream (fold)",
        move || n,
        |n| fold_sum(Counter { next: 0, end: n }),
    );
    rows.row(
        "cogen/async_generator (fold)",
        move || n,
        |n| fold_sum(cogen_counter!(n)),
    );
    rows.row(
        "async-stream/stream! (fold)",
        move || n,
        |n| fold_sum(async_stream_counter(n)),
    );
    rows.row(
        "reference/await floor, no protocol (fold)",
        move || n,
        |n| fold_sum(await_floor_counter(n)),
    );
    rows.row(
        "genawaiter/rc (fold)",
        move || n,
        |n| fold_sum(genawaiter::rc::Gen::new(genawaiter_counter!(n))),
    );
}
