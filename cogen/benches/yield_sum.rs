//! Plain yielding: yield `0..N` as `u64`, summed by a `for` loop; cogen beside a hand-written
//! iterator, genawaiter, corosensei, generator and next-gen (`COGEN_BENCH_QUICK=1`: a short N).

mod workloads;

use criterion::{Criterion, criterion_group, criterion_main};
use workloads::settings::quick;
use workloads::{CriterionRows, yield_sum};

fn bench(c: &mut Criterion) {
    let n = if quick() { 100_000 } else { 10_000_000 };
    let mut rows = CriterionRows::new(c, "yield_sum", n, yield_sum::expected(n));
    yield_sum::rows(&mut rows, n);
    rows.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
