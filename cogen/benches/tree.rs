//! Delegation: in-order traversal of a perfect binary tree, one generator per subtree
//! delegating to its children (`yield_from`); throughput per key, at depths 10, 14 and 18
//! (`COGEN_BENCH_QUICK=1`: 10 and 14).

// The `cogen/pinned-by-value` row nests 18 generator types inside each other; computing their
// layout goes deeper than the default limit (128): about 14 levels of query per nested
// generator with the core of this writing.
#![recursion_limit = "1024"]

mod workloads;

use criterion::{Criterion, criterion_group, criterion_main};
use workloads::settings::quick;
use workloads::{CriterionRows, tree};

fn bench(c: &mut Criterion) {
    let depths: &[u32] = if quick() { &[10, 14] } else { &[10, 14, 18] };
    for &d in depths {
        let mut rows =
            CriterionRows::new(c, &format!("tree_d{d}"), tree::keys(d), tree::expected(d));
        tree::rows(&mut rows, d);
        rows.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
