//! The run settings every bench shares: quick mode and the criterion group configuration.

use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, SamplingMode, Throughput};

/// `COGEN_BENCH_QUICK=1`: smaller inputs and shorter measurements, for CI smoke runs.
pub(crate) fn quick() -> bool {
    std::env::var_os("COGEN_BENCH_QUICK").is_some_and(|v| v == "1")
}

/// Configures a group whose every iteration runs a whole workload of `items` items
/// (milliseconds): flat sampling with few samples keeps a full run within a few seconds per row
/// on a 2-core machine.
pub(crate) fn configure(group: &mut BenchmarkGroup<'_, WallTime>, items: u64) {
    group.throughput(Throughput::Elements(items));
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    if quick() {
        group.warm_up_time(Duration::from_millis(100));
        group.measurement_time(Duration::from_millis(300));
    } else {
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(3));
    }
}
