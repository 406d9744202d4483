//! The macros cost nothing: `iter!` beside the adapter chain written by hand, and a `gen_fn!`
//! generator beside the same generator written in the handle form (`COGEN_BENCH_QUICK=1`: a
//! short N).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

#[path = "workloads/settings.rs"]
#[allow(dead_code)] // `configure` is for whole-workload groups; these use criterion's defaults
mod settings;

use settings::quick;

cogen::gen_fn! {
    /// Python: `for x in range(n): if x % 3: yield x * x`, then `yield from small(n)`.
    fn macro_form(n: u64) -> yield u64 {
        for x in 0..n {
            if x % 3 != 0 {
                yield x * x;
            }
        }
        yield from small(n);
    }

    fn small(n: u64) -> yield u64, return u64 {
        yield n;
        n
    }
}

fn handle_form(n: u64) -> cogen::Gen<u64, (), core::convert::Infallible, impl Future<Output = ()>> {
    cogen::generator(async move |mut co| {
        for x in 0..n {
            if x % 3 != 0 {
                co.yield_(x * x).await;
            }
        }
        co.yield_from(handle_small(n)).await;
    })
}

fn handle_small(
    n: u64,
) -> cogen::Gen<u64, (), core::convert::Infallible, impl Future<Output = u64>> {
    cogen::generator(async move |mut co| {
        co.yield_(n).await;
        n
    })
}

fn bench(c: &mut Criterion) {
    let n: u64 = if quick() { 10_000 } else { 1_000_000 };

    let mut group = c.benchmark_group("genexp_filter_map");
    group.bench_function(BenchmarkId::new("hand-written chain", n), |b| {
        b.iter(|| {
            (0..black_box(n))
                .filter(|x| x % 3 != 0)
                .map(|x| x * x)
                .fold(0u64, u64::wrapping_add)
        })
    });
    group.bench_function(BenchmarkId::new("iter!", n), |b| {
        b.iter(|| {
            cogen::iter!(x * x for x in 0..black_box(n) if x % 3 != 0).fold(0u64, u64::wrapping_add)
        })
    });
    group.finish();

    let rows: Vec<u64> = (0..1000).collect();
    let cols: Vec<u64> = (0..(n / 1000)).collect();
    let mut group = c.benchmark_group("genexp_nested");
    group.bench_function(BenchmarkId::new("hand-written chain", n), |b| {
        b.iter(|| {
            black_box(&rows)
                .iter()
                .filter(|r| *r % 2 == 0)
                .flat_map(|r| cols.iter().map(move |c| r * c))
                .fold(0u64, u64::wrapping_add)
        })
    });
    group.bench_function(BenchmarkId::new("iter!", n), |b| {
        b.iter(|| {
            cogen::iter!(r * c for r in black_box(&rows) if *r % 2 == 0 for c in &cols)
                .fold(0u64, u64::wrapping_add)
        })
    });
    group.finish();

    let mut group = c.benchmark_group("generator_macro_vs_handle");
    group.bench_function(BenchmarkId::new("handle form", n), |b| {
        b.iter(|| {
            let g = cogen::pin!(handle_form(black_box(n)));
            g.fold(0u64, u64::wrapping_add)
        })
    });
    group.bench_function(BenchmarkId::new("gen_fn!", n), |b| {
        b.iter(|| {
            let g = cogen::pin!(macro_form(black_box(n)));
            g.fold(0u64, u64::wrapping_add)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
