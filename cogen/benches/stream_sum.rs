//! Async generators as `Stream`s: yield `0..N` as `u64` from an async generator, consumed with
//! `StreamExt::next` under `futures::executor::block_on` and summed. cogen's `async_generator`
//! (pinned on the stack and boxed) beside a hand-written `Stream`, async-stream's `stream!` and
//! genawaiter's `Stream` impls (its `futures03` feature). `COGEN_BENCH_QUICK=1`: N = 10,000.
//!
//! Self-contained: it does not use `benches/workloads/`.

use std::hint::black_box;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};

use criterion::{Criterion, criterion_group, criterion_main};
use futures::StreamExt;
use futures::executor::block_on;
use futures_core::Stream;

/// `COGEN_BENCH_QUICK=1`: a short N and short measurements, for smoke runs.
#[path = "workloads/settings.rs"]
mod settings;

use settings::quick;

/// The baseline: a hand-written `Stream` of `0..end`, always ready.
struct Counter {
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
async fn sum(mut stream: impl Stream<Item = u64> + Unpin) -> u64 {
    let mut total = 0u64;
    while let Some(x) = stream.next().await {
        total = total.wrapping_add(black_box(x));
    }
    total
}

/// The counter as a cogen async generator. A macro, so that each row gets a generator type of
/// its own, as separate programs would (with one type polled from two rows, the compiler no
/// longer inlines the body's poll into either, which no single program would see).
macro_rules! cogen_counter {
    ($n:expr) => {
        cogen::async_generator(async move |mut co| {
            for i in 0..$n {
                co.yield_(i).await;
            }
        })
    };
}

/// The counter as an async-stream `stream!`.
fn async_stream_counter(n: u64) -> impl Stream<Item = u64> {
    async_stream::stream! {
        for i in 0..n {
            yield i;
        }
    }
}

/// The counter as a genawaiter producer (rc and stack flavours alike).
macro_rules! genawaiter_counter {
    ($n:expr) => {
        move |co| async move {
            for i in 0..$n {
                co.yield_(i).await;
            }
        }
    };
}

/// Every row: its name and a function that builds the stream, sums it and returns the sum.
fn rows(n: u64) -> Vec<(&'static str, Box<dyn Fn() -> u64>)> {
    vec![
        (
            "baseline/hand-written Stream",
            Box::new(move || block_on(sum(Counter { next: 0, end: n }))),
        ),
        (
            "cogen/async_generator (stack)",
            Box::new(move || block_on(sum(pin!(cogen_counter!(n))))),
        ),
        (
            "cogen/async_generator (Box::pin)",
            Box::new(move || block_on(sum(Box::pin(cogen_counter!(n))))),
        ),
        (
            // Not an async generator: the sync resume path, for reference.
            "cogen/sync generator via stream::iter",
            Box::new(move || {
                let counter = cogen::pin!(cogen::generator(async move |mut co| {
                    for i in 0..n {
                        co.yield_(i).await;
                    }
                }));
                block_on(sum(futures::stream::iter(counter)))
            }),
        ),
        (
            "async-stream/stream!",
            Box::new(move || block_on(sum(pin!(async_stream_counter(n))))),
        ),
        (
            "genawaiter/rc",
            Box::new(move || block_on(sum(genawaiter::rc::Gen::new(genawaiter_counter!(n))))),
        ),
        (
            "genawaiter/stack",
            Box::new(move || {
                genawaiter::stack::let_gen_using!(g, genawaiter_counter!(n));
                block_on(sum(g))
            }),
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let n: u64 = if quick() { 10_000 } else { 1_000_000 };
    let expected = n * (n - 1) / 2;
    let rows = rows(n);
    // Every row must compute the right sum before anything is timed.
    for (name, run) in &rows {
        assert_eq!(
            run(),
            expected,
            "stream_sum: row `{name}` computed a wrong sum"
        );
    }

    let mut group = c.benchmark_group("stream_sum");
    settings::configure(&mut group, n);
    for (name, run) in &rows {
        group.bench_function(*name, |b| b.iter(run));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
