//! Send round trips: a coroutine keeps a running total of the values sent in and yields it
//! back; cogen beside a hand-written state machine, genawaiter, corosensei, generator and
//! next-gen (`COGEN_BENCH_QUICK=1`: a short N).

mod workloads;

use criterion::{Criterion, criterion_group, criterion_main};
use workloads::settings::quick;
use workloads::{CriterionRows, send_echo};

fn bench(c: &mut Criterion) {
    let n = if quick() { 100_000 } else { 10_000_000 };
    let mut rows = CriterionRows::new(c, "send_echo", n, send_echo::expected(n));
    send_echo::rows(&mut rows, n);
    rows.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
