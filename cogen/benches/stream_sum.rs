//! Async generators as `Stream`s: yield `0..N` as `u64` from an async generator, consumed with
//! `StreamExt::next` under `futures::executor::block_on` and summed; cogen's `async_generator`
//! (pinned on the stack and boxed) beside a hand-written `Stream`, async-stream's `stream!` and
//! genawaiter's `Stream` impls; and the same streams summed with `StreamExt::fold`
//! (`stream_fold`, the stream moved into the combinator) (`COGEN_BENCH_QUICK=1`: a short N).

mod workloads;

use criterion::{Criterion, criterion_group, criterion_main};
use workloads::settings::quick;
use workloads::{CriterionRows, stream_sum};

fn bench(c: &mut Criterion) {
    let n = if quick() { 10_000 } else { 1_000_000 };
    let mut rows = CriterionRows::new(c, "stream_sum", n, stream_sum::expected(n));
    stream_sum::rows(&mut rows, n);
    rows.finish();
    let mut rows = CriterionRows::new(c, "stream_fold", n, stream_sum::expected(n));
    stream_sum::fold_rows(&mut rows, n);
    rows.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
