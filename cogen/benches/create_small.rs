//! Creation: create a generator, take its single item, drop it; cogen pinned and boxed beside
//! a hand-written iterator, genawaiter and next-gen (`COGEN_BENCH_QUICK=1`: fewer generators).

mod workloads;

use criterion::{Criterion, criterion_group, criterion_main};
use workloads::settings::quick;
use workloads::{CriterionRows, create_small};

fn bench(c: &mut Criterion) {
    let n = if quick() { 10_000 } else { 1_000_000 };
    let mut rows = CriterionRows::new(c, "create_small", n, create_small::expected(n));
    create_small::rows(&mut rows, n);
    rows.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
