//! The benchmark workloads, written once and shared by the criterion benches (`benches/*.rs`)
//! and the quick table (`examples/bench_table.rs`), so that both time the same code.
//!
//! The workloads are those of `shared/bench/anchor-results.md`, so that the ratios measured here
//! compare with the ratios of the anchor crates measured there:
//!
//! * [`yield_sum`]: yield `0..n` as `u64`, summed by a `for` loop;
//! * [`send_echo`]: a coroutine keeping a running total of the values sent in, yielding it back;
//! * [`tree`]: in-order traversal of an implicit perfect binary tree, one generator per subtree,
//!   each delegating to its children;
//! * [`create_small`]: create a generator, take its single item, drop it;
//! * [`stream_sum`]: an async generator yielding `0..n`, consumed as a `Stream` under
//!   `futures::executor::block_on`.
//!
//! Each workload lists its implementations through [`Rows`]: a `setup` that builds the input
//! outside the timing (a generator, a stack for the stackful crates), and a `run` that consumes
//! it and returns a checksum. Every consumed item goes through `black_box`, and every row's
//! checksum is compared with the workload's expected value before anything is timed, so that no
//! row is optimised into a wrong answer.

// Each bench binary uses one workload; the table uses all of them.
#![allow(dead_code)]

pub(crate) mod create_small;
pub(crate) mod memory;
pub(crate) mod send_echo;
pub(crate) mod settings;
pub(crate) mod stream_floor;
pub(crate) mod stream_sum;
pub(crate) mod tree;
pub(crate) mod tree_floor;
pub(crate) mod yield_sum;

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup};

/// Sums an iterator, each item through `black_box` (the consuming loop of `yield_sum` and
/// `tree`).
#[inline(always)]
pub(crate) fn sum(iter: impl Iterator<Item = u64>) -> u64 {
    let mut total = 0u64;
    for x in iter {
        total = total.wrapping_add(black_box(x));
    }
    total
}

/// Sums the items of a corosensei coroutine resumed with `()` until it returns, each through
/// `black_box` (the consuming loop of the stackful rows of `yield_sum` and `tree`).
#[inline(always)]
pub(crate) fn sum_coroutine(co: &mut corosensei::Coroutine<(), u64, ()>) -> u64 {
    let mut total = 0u64;
    while let corosensei::CoroutineResult::Yield(x) = co.resume(()) {
        total = total.wrapping_add(black_box(x));
    }
    total
}

/// Receives the implementations of one workload, one row each.
pub(crate) trait Rows {
    /// One implementation: `setup` builds its input (not timed), `run` consumes it (timed) and
    /// returns the workload's checksum.
    fn row<I: 'static>(
        &mut self,
        name: &'static str,
        setup: impl FnMut() -> I + 'static,
        run: impl FnMut(I) -> u64 + 'static,
    );
}

/// Runs one row once and panics if its checksum is wrong.
pub(crate) fn check<I>(
    workload: &str,
    name: &str,
    expected: u64,
    setup: &mut impl FnMut() -> I,
    run: &mut impl FnMut(I) -> u64,
) {
    let got = run(setup());
    assert_eq!(
        got, expected,
        "{workload}: row `{name}` computed a wrong checksum"
    );
}

/// The [`Rows`] of a criterion benchmark group: all implementations of a workload side by
/// side, so that their ratios come from one run.
pub(crate) struct CriterionRows<'a> {
    workload: String,
    group: BenchmarkGroup<'a, WallTime>,
    expected: u64,
}

impl<'a> CriterionRows<'a> {
    /// A group named `workload`, whose rows each process `items` items (reported as
    /// throughput) and must compute `expected`.
    pub(crate) fn new(
        c: &'a mut criterion::Criterion,
        workload: &str,
        items: u64,
        expected: u64,
    ) -> Self {
        let mut group = c.benchmark_group(workload);
        settings::configure(&mut group, items);
        CriterionRows {
            workload: workload.to_owned(),
            group,
            expected,
        }
    }

    /// Ends the group.
    pub(crate) fn finish(self) {
        self.group.finish();
    }
}

impl Rows for CriterionRows<'_> {
    fn row<I: 'static>(
        &mut self,
        name: &'static str,
        mut setup: impl FnMut() -> I + 'static,
        mut run: impl FnMut(I) -> u64 + 'static,
    ) {
        check(&self.workload, name, self.expected, &mut setup, &mut run);
        self.group.bench_function(name, |b| {
            b.iter_batched(&mut setup, &mut run, BatchSize::PerIteration);
        });
    }
}
